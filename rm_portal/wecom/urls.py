from django.urls import path

from rm_portal.wecom import stats_views, views

app_name = "wecom"

urlpatterns = [
    path("callback/", views.callback, name="callback"),
    path("stats/", stats_views.stats, name="stats"),
]
