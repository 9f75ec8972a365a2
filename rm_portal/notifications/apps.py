from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "rm_portal.notifications"
    label = "notifications"
    verbose_name = "通知"

    def ready(self) -> None:
        from rm_portal.notifications import access  # noqa: F401  (registers the access policy)
