from django.urls import path

from compliance import detector_views, views

app_name = "compliance"

urlpatterns = [
    path("check/", views.check, name="check"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:pk>/", views.alert, name="alert"),
    path("conversations/<int:pk>/", views.conversation, name="conversation"),
    path("conversations/<int:pk>/hold/", views.conversation_hold, name="conversation-hold"),
    path("search/", views.search, name="search"),
    path("search/export.csv", views.export, name="export"),
    path("audit/", views.audit, name="audit"),
    path("terms/", views.terms, name="terms"),
    path("terms/<int:pk>/", views.term_edit, name="term"),
    path("detectors/", detector_views.detectors, name="detectors"),
]
