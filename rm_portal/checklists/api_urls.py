from django.urls import path

from rm_portal.checklists import api

app_name = "checklists-api"

urlpatterns = [
    path("templates/", api.TemplateListApi.as_view(), name="template-list"),
    path("templates/<int:pk>/", api.TemplateDetailApi.as_view(), name="template-detail"),
    path("holidays/", api.HolidayApi.as_view(), name="holidays"),
    path("today/", api.TodayApi.as_view(), name="today"),
    path("items/<int:pk>/complete/", api.ItemCompleteApi.as_view(), name="item-complete"),
    path("items/<int:pk>/photo/", api.ItemPhotoApi.as_view(), name="item-photo"),
    path("runs/", api.RunListApi.as_view(), name="run-list"),
    path("runs/<int:pk>/", api.RunDetailApi.as_view(), name="run-detail"),
    path("runs/<int:pk>/audit/", api.RunAuditApi.as_view(), name="run-audit"),
    path("dashboard/", api.DashboardApi.as_view(), name="dashboard"),
    path("export/", api.ExportApi.as_view(), name="export"),
]
