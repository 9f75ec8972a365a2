from django.urls import path

from rm_portal.wecom import api

urlpatterns = [
    path("contacts/", api.ContactListApi.as_view(), name="contact-list"),
    path("contacts/<str:external_userid>/", api.ContactDetailApi.as_view(), name="contact-detail"),
    path("contacts/<str:external_userid>/bind/", api.ContactBindApi.as_view(), name="contact-bind"),
]
