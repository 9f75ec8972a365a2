from django.urls import path

from rm_portal.outreach import api

urlpatterns = [
    path("outreach/", api.OutreachListApi.as_view(), name="outreach-list"),
    path("outreach/preview/", api.OutreachPreviewApi.as_view(), name="outreach-preview"),
    path("outreach/<int:pk>/", api.OutreachDetailApi.as_view(), name="outreach-detail"),
    path("outreach/<int:pk>/approve/", api.OutreachApproveApi.as_view(), name="outreach-approve"),
    path("outreach/<int:pk>/send/", api.OutreachSendApi.as_view(), name="outreach-send"),
]
