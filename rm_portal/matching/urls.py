from django.urls import path

from rm_portal.matching import views

app_name = "matching"

urlpatterns = [
    path("", views.signals_page, name="signals"),
]
