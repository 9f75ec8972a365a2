from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "rm_portal.customers"
    label = "customers"
    verbose_name = "客户画像"
