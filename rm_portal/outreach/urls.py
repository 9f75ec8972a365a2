from django.urls import path

from rm_portal.outreach import views

app_name = "outreach"

urlpatterns = [
    path("", views.outreach_list, name="list"),
    path("new/", views.outreach_compose, name="compose"),
    path("<int:pk>/", views.outreach_detail, name="detail"),
    path("<int:pk>/send/", views.outreach_send_page, name="send"),
    path("<int:pk>/approve/", views.outreach_approve_page, name="approve"),
]
