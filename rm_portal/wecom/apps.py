from django.apps import AppConfig


class WeComConfig(AppConfig):
    name = "rm_portal.wecom"
    label = "wecom"
    verbose_name = "企业微信"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from rm_portal.org.models import Role
        from rm_portal.web import nav
        from rm_portal.wecom import access, handlers  # noqa: F401  (registers the policies and handlers)

        # Beyond the bar's room it is listed on the 我的 page; the customer list links to it too.
        nav.add([Role.RM, Role.BRANCH_LEAD], nav.Tab("wecom", _("企业微信客户"), "wecom:contacts", "✉", 70))
