from django.urls import path

from rm_portal.wecom import demo_views, me_views, stats_views, views

app_name = "wecom"

urlpatterns = [
    path("callback/", views.callback, name="callback"),
    path("contacts/", views.contact_list, name="contacts"),
    path("contacts/<str:external_userid>/", views.contact_detail, name="contact"),
    path("contacts/<str:external_userid>/bind/", views.contact_bind, name="contact-bind"),
    path("stats/", stats_views.stats, name="stats"),
    path("me/code/", me_views.me_code_make, name="me-code-make"),
    path("me/code.png", me_views.me_code_image, name="me-code-image"),
    path("demo/", demo_views.demo, name="demo"),
    path("demo/add/", demo_views.demo_add, name="demo-add"),
    path("demo/code/", demo_views.demo_code, name="demo-code"),
]
