from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "compliance"
    label = "compliance"
    verbose_name = "合规"

    def ready(self) -> None:
        from compliance import access, today  # noqa: F401  (access policy, Today cards)
        from compliance.services.batches import KIND, ingest_batch_resume
        from compliance.services.handover import conversations_move, conversations_preview
        from rm_portal.core.resumers import register_resumer
        from rm_portal.org.handover import register_mover
        from rm_portal.org.models import Role
        from rm_portal.web import nav

        register_mover(
            "conversations",
            conversations_move,
            preview=conversations_preview,
            labels={"conversations": _("会话存档")},
            order=30,
        )
        register_resumer(KIND, ingest_batch_resume)  # a lost worker or broker message: queue it again
        nav.add([Role.COMPLIANCE], nav.Tab("alerts", _("预警"), "compliance:alerts", "⚠", 20))
        nav.add([Role.COMPLIANCE], nav.Tab("search", _("检索"), "compliance:search", "⌕", 30))
        nav.add([Role.COMPLIANCE], nav.Tab("lexicon", _("词库"), "compliance:terms", "☰", 40))
        nav.add([Role.RM], nav.Tab("check", _("合规检查"), "compliance:check", "✓", 50))
