from django.urls import path

from compliance.api import alerts, archive, callback, lexicon

urlpatterns = [
    path("terms/", lexicon.TermListApi.as_view(), name="compliance-terms"),
    path("terms/<int:pk>/", lexicon.TermDetailApi.as_view(), name="compliance-term"),
    path("check/", lexicon.CheckApi.as_view(), name="compliance-check"),
    path("detectors/", lexicon.DetectorListApi.as_view(), name="compliance-detectors"),
    path("detectors/<slug:kind>/", lexicon.DetectorDetailApi.as_view(), name="compliance-detector"),
    path("messages/", archive.MessageApi.as_view(), name="compliance-messages"),
    path("wecom/callback/", callback.WeComCallbackApi.as_view(), name="compliance-wecom-callback"),
    path("alerts/", alerts.AlertListApi.as_view(), name="compliance-alerts"),
    path("alerts/<int:pk>/resolve/", alerts.AlertResolveApi.as_view(), name="compliance-alert-resolve"),
    path("conversations/<int:pk>/legal-hold/", archive.LegalHoldApi.as_view(), name="compliance-legal-hold"),
    path("audit/", archive.AuditListApi.as_view(), name="compliance-audit"),
    path("export/", archive.ExportApi.as_view(), name="compliance-export"),
]
