from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "rm_portal.customers"
    label = "customers"
    verbose_name = "客户画像"

    def ready(self) -> None:
        from rm_portal.core.resumers import register_resumer
        from rm_portal.customers import access  # noqa: F401  (registers the access policy)
        from rm_portal.customers.services.handover import customers_move, customers_preview
        from rm_portal.customers.services.imports import JOB_KIND, customers_import_resume
        from rm_portal.customers.today import customers_card  # noqa: F401  (its card on the Today page)
        from rm_portal.org.handover import register_mover
        from rm_portal.org.models import Role
        from rm_portal.web import nav

        register_mover(
            "customers", customers_move, preview=customers_preview, labels={"customers": _("客户")}, order=10
        )
        # A worker killed mid-import leaves its job "running"; the sweeper queues the file again.
        register_resumer(JOB_KIND, lambda job_id: customers_import_resume(job_id=job_id))
        nav.add([Role.RM, Role.BRANCH_LEAD], nav.Tab("customers", _("客户"), "customers:list", "☷", 10))
