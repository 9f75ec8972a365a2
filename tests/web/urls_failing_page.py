"""URLs used only by tests: a page that fails unexpectedly, to see the 500 page."""

from django.urls import include, path


def failing_page(request):
    raise RuntimeError("a bug nobody foresaw")


urlpatterns = [
    path("test/failing-page/", failing_page),
    path("", include("rm_portal.urls")),
]

handler500 = "rm_portal.urls.handler500"
