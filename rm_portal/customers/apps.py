from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "rm_portal.customers"
    label = "customers"
    verbose_name = "客户画像"

    def ready(self) -> None:
        from rm_portal.customers import access  # noqa: F401  (registers the access policy)
