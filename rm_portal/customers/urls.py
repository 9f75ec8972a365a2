from django.urls import path

from rm_portal.customers import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("import/", views.customer_import, name="import"),
    path("import/template.csv", views.customer_import_template, name="import-template"),
    path("handover/", views.handover, name="handover"),
    path("<str:cust_no>/", views.customer_detail, name="detail"),
]
