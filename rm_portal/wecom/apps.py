from django.apps import AppConfig


class WeComConfig(AppConfig):
    name = "rm_portal.wecom"
    label = "wecom"
    verbose_name = "企业微信"

    def ready(self) -> None:
        from rm_portal.wecom import access, handlers  # noqa: F401  (registers the policies and handlers)
