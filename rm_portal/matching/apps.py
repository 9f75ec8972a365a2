from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "rm_portal.matching"
    label = "matching"
    verbose_name = "匹配推荐"

    def ready(self) -> None:
        from rm_portal.matching import access  # noqa: F401  (registers the access policy)
