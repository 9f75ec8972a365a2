from django.apps import AppConfig


class WeComConfig(AppConfig):
    name = "rm_portal.wecom"
    label = "wecom"
    verbose_name = "企业微信"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from rm_portal.org.handover import register_mover
        from rm_portal.org.models import Role
        from rm_portal.web import nav
        from rm_portal.wecom import access, handlers, today, transfers  # noqa: F401  (policies, handlers, Today card)

        # Beyond the bar's room it is listed on the 我的 page; the customer list links to it too.
        nav.add([Role.RM, Role.BRANCH_LEAD], nav.Tab("wecom", _("企业微信客户"), "wecom:contacts", "✉", 70))
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
        nav.add(
            [Role.BRANCH_LEAD, Role.HEAD_OFFICE],
            nav.Tab("wecom-stats", _("添加统计"), "wecom:stats", "✚", 75),
        )
