from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "rm_portal.opportunities"
    label = "opportunities"
    verbose_name = "商机"

    def ready(self) -> None:
        from rm_portal.opportunities import access, today  # noqa: F401  (policy, Today card)
        from rm_portal.opportunities.services.execution import opportunities_move, opportunities_preview
        from rm_portal.org.handover import register_mover
        from rm_portal.org.models import Role
        from rm_portal.web import nav

        register_mover(
            "opportunities",
            opportunities_move,
            preview=opportunities_preview,
            labels={"opportunities": _("未完成商机")},
            order=20,
        )
        nav.add(
            [Role.RM, Role.BRANCH_LEAD], nav.Tab("opportunities", _("商机"), "opportunities:inbox", "◆", 20)
        )
