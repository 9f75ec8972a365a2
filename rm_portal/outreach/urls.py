from django.urls import path

from rm_portal.outreach import views

app_name = "outreach"

urlpatterns = [
    path("", views.outreach_list, name="outreach"),
    path("new/", views.outreach_compose, name="outreach-new"),
    path("<int:pk>/", views.outreach_detail, name="outreach-detail"),
    path("<int:pk>/send/", views.outreach_send_page, name="outreach-send"),
    path("<int:pk>/approve/", views.outreach_approve_page, name="outreach-approve"),
]
