from django.apps import AppConfig


class WeComConfig(AppConfig):
    name = "rm_portal.wecom"
    label = "wecom"
    verbose_name = "企业微信"

    def ready(self) -> None:
        from rm_portal.org.handover import register_mover
        from rm_portal.wecom import access, handlers, transfers  # noqa: F401  (registers the policies and handlers)

        # Counted and previewed with the database movers; moved through WeCom after the commit.
        register_mover(
            "wecom",
            transfers.wecom_contacts_move,
            preview=transfers.wecom_contacts_preview,
            labels=transfers.LABELS,
            after=transfers.wecom_transfer_enqueue,
            progress=transfers.transfer_progress,
            order=60,
        )
