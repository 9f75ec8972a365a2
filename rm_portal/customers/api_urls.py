from django.urls import path

from rm_portal.customers import api

urlpatterns = [
    path("customers/", api.CustomerListApi.as_view(), name="customer-list"),
    path("customers/import/", api.CustomerImportApi.as_view(), name="customer-import"),
    path("customers/<str:cust_no>/", api.CustomerDetailApi.as_view(), name="customer-detail"),
    path("customers/<str:cust_no>/reveal/", api.CustomerRevealApi.as_view(), name="customer-reveal"),
    path("customers/<str:cust_no>/call/", api.CustomerCallApi.as_view(), name="customer-call"),
    path("customers/<str:cust_no>/notes/", api.CustomerNoteApi.as_view(), name="customer-notes"),
    path("tags/", api.TagListApi.as_view(), name="tag-list"),
    path("segments/", api.SegmentListApi.as_view(), name="segment-list"),
    path("staff/<str:username>/handover/", api.StaffHandoverApi.as_view(), name="staff-handover"),
    path(
        "staff/<str:username>/handover/preview/",
        api.StaffHandoverPreviewApi.as_view(),
        name="staff-handover-preview",
    ),
    path("handovers/", api.HandoverListApi.as_view(), name="handover-list"),
    path("handovers/<int:pk>/", api.HandoverDetailApi.as_view(), name="handover-detail"),
]
