"""API v1. Each domain app adds its own `api_urls` module here as it arrives."""

from django.urls import include, path

from rm_portal.core.api import JobDetailApi, WorkerSelfCheckApi
from rm_portal.notifications.api import NotificationListApi, NotificationReadAllApi, NotificationReadApi
from rm_portal.org.api import LogoutApi, MeApi, MeWechatQrApi, TokenApi
from rm_portal.wecom.api import MeContactWayApi
from rm_portal.wecom.api_stats import ContactStatsApi

urlpatterns = [
    path("auth/token/", TokenApi.as_view(), name="auth-token"),
    path("auth/logout/", LogoutApi.as_view(), name="auth-logout"),
    path("me/", MeApi.as_view(), name="me"),
    path("me/wechat-qr/", MeWechatQrApi.as_view(), name="me-wechat-qr"),
    path("me/contact-way/", MeContactWayApi.as_view(), name="me-contact-way"),
    # Ahead of the contacts routes: "stats" is no external_userid.
    path("contacts/stats/", ContactStatsApi.as_view(), name="contact-stats"),
    path("jobs/<int:pk>/", JobDetailApi.as_view(), name="job-detail"),
    path("system/worker-check/", WorkerSelfCheckApi.as_view(), name="worker-check"),
    path("notifications/", NotificationListApi.as_view(), name="notification-list"),
    path("notifications/read-all/", NotificationReadAllApi.as_view(), name="notification-read-all"),
    path("notifications/<int:pk>/read/", NotificationReadApi.as_view(), name="notification-read"),
    path("checklists/", include("rm_portal.checklists.api_urls")),
    path("", include("materials.api_urls")),
    path("compliance/", include("compliance.api_urls")),
    path("", include("rm_portal.customers.api_urls")),
    path("", include("rm_portal.opportunities.api_urls")),
    path("", include("rm_portal.wecom.api_urls")),
    path("", include("rm_portal.outreach.api_urls")),
    path("", include("rm_portal.matching.api_urls")),
]
