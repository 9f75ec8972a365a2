from django.urls import path

from rm_portal.wecom import sidebar_views

app_name = "sidebar"

urlpatterns = [
    path("", sidebar_views.sidebar_page, name="sidebar"),
    path("c/<str:external_userid>/", sidebar_views.sidebar_contact, name="sidebar-contact"),
    path("c/<str:external_userid>/send/", sidebar_views.sidebar_send, name="sidebar-send"),
]
