from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "rm_portal.core"
    label = "core"
    verbose_name = "平台"

    def ready(self) -> None:
        from rm_portal.core import access  # noqa: F401  (registers the access policy)
