from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChecklistsConfig(AppConfig):
    name = "rm_portal.checklists"
    label = "checklists"
    verbose_name = "标准化动作"

    def ready(self) -> None:
        from rm_portal.checklists import access, today  # noqa: F401  (access policy, Today card)
        from rm_portal.checklists.services import runs_preview_for_leaver, runs_withdraw_for_leaver
        from rm_portal.org.handover import register_mover
        from rm_portal.org.models import Role
        from rm_portal.web import nav

        # 打卡: an RM completes their own runs; a branch lead's tab opens the audit queue.
        # An RM reaches today's runs from the Today card, so their tab ranks after 客户/商机/物料
        # and overflows to 我的 when the bar is full.
        nav.add([Role.RM], nav.Tab("checklists", _("打卡"), "checklists:mine", "✓", 60))
        nav.add([Role.BRANCH_LEAD], nav.Tab("checklists", _("打卡"), "checklists:queue", "✓", 30))
        register_mover(
            "checklists",
            runs_withdraw_for_leaver,
            preview=runs_preview_for_leaver,
            labels={
                "checklist_runs_withdrawn": _("撤回的未开始打卡"),
                "checklist_branch_runs_moved": _("转交的网点打卡"),
            },
            order=50,
        )
        nav.add([Role.HEAD_OFFICE], nav.Tab("checklists", _("打卡"), "checklists:dashboard", "✓", 30))
