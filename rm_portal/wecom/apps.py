from django.apps import AppConfig


class WeComConfig(AppConfig):
    name = "rm_portal.wecom"
    label = "wecom"
    verbose_name = "企业微信"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from rm_portal.org.models import Role
        from rm_portal.web import nav
        from rm_portal.wecom import access, handlers, today  # noqa: F401  (policies, handlers, Today card)

        nav.add(
            [Role.BRANCH_LEAD, Role.HEAD_OFFICE],
            nav.Tab("wecom-stats", _("添加统计"), "wecom:stats", "✚", 70),
        )
