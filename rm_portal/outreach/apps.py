from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "rm_portal.outreach"
    label = "outreach"
    verbose_name = "群发"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from rm_portal.org.models import Role
        from rm_portal.outreach import access, today  # noqa: F401  (policy, Today card)
        from rm_portal.web import nav

        # RMs reach their outreach from the Today card and 我的; the others from the bar.
        nav.add(
            [Role.BRANCH_LEAD, Role.HEAD_OFFICE], nav.Tab("outreach", _("群发"), "outreach:outreach", "✈", 80)
        )
        nav.add([Role.COMPLIANCE], nav.Tab("outreach", _("群发审批"), "outreach:outreach", "✈", 80))
