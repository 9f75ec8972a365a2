from django.urls import path

from rm_portal.wecom import views

app_name = "wecom"

urlpatterns = [
    path("callback/", views.callback, name="callback"),
    path("contacts/", views.contact_list, name="contacts"),
    path("contacts/<str:external_userid>/", views.contact_detail, name="contact"),
    path("contacts/<str:external_userid>/bind/", views.contact_bind, name="contact-bind"),
]
