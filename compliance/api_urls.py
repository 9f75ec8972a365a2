from django.urls import path

from compliance import api

urlpatterns = [
    path("terms/", api.TermListApi.as_view(), name="compliance-terms"),
    path("terms/<int:pk>/", api.TermDetailApi.as_view(), name="compliance-term"),
    path("check/", api.CheckApi.as_view(), name="compliance-check"),
    path("messages/", api.MessageApi.as_view(), name="compliance-messages"),
    path("wecom/callback/", api.WeComCallbackApi.as_view(), name="compliance-wecom-callback"),
    path("alerts/", api.AlertListApi.as_view(), name="compliance-alerts"),
    path("alerts/<int:pk>/resolve/", api.AlertResolveApi.as_view(), name="compliance-alert-resolve"),
    path("conversations/<int:pk>/legal-hold/", api.LegalHoldApi.as_view(), name="compliance-legal-hold"),
    path("audit/", api.AuditListApi.as_view(), name="compliance-audit"),
    path("export/", api.ExportApi.as_view(), name="compliance-export"),
]
