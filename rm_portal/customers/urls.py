from django.urls import path

from rm_portal.customers import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("import/", views.customer_import, name="import"),
    path("import/template.csv", views.customer_import_template, name="import-template"),
    path("handover/", views.handover, name="handover"),
    path("handover/preview/", views.handover_preview_page, name="handover-preview"),
    path("handover/confirm/", views.handover_confirm_page, name="handover-confirm"),
    path("handover/<int:pk>/", views.handover_record, name="handover-record"),
    path("pick/", views.customer_pick, name="pick"),
    path("<str:cust_no>/", views.customer_detail, name="detail"),
    path("<str:cust_no>/call/", views.customer_call_page, name="call"),
    path("<str:cust_no>/notes/", views.customer_note, name="note"),
]
