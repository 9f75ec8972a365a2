"""URLs used only by tests: an API view and a plain view under /api/ that fail unexpectedly."""

from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView


class Failing(APIView):
    def get(self, request):
        raise RuntimeError("a bug nobody foresaw")


def failing_plain(request):
    raise RuntimeError("a bug outside DRF")


class Echo(APIView):
    def post(self, request):
        return Response({"keys": sorted(request.data.keys())})


urlpatterns = [
    path("api/v1/test/failing/", Failing.as_view()),
    path("api/v1/test/failing-plain/", failing_plain),
    path("api/v1/test/echo/", Echo.as_view()),
    path("", include("rm_portal.urls")),
]

handler500 = "rm_portal.urls.handler500"
