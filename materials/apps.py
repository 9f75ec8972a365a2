from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MaterialsConfig(AppConfig):
    name = "materials"
    label = "materials"
    verbose_name = "营销物料"

    def ready(self) -> None:
        from materials import access, today  # noqa: F401  (register the access policy and the Today card)
        from materials.services.shares import share_links_handover, share_links_preview
        from rm_portal.org.handover import register_mover
        from rm_portal.org.models import Role
        from rm_portal.web import nav

        nav.add([Role.RM, Role.HEAD_OFFICE], nav.Tab("materials", _("物料"), "materials:list", "▤", 40))
        register_mover(
            "materials",
            share_links_handover,
            preview=share_links_preview,
            labels={"share_links": _("有效分享链接"), "poster_links": _("海报链接")},
            order=40,
        )
        nav.add([Role.BRANCH_LEAD], nav.Tab("materials", _("推广"), "materials:stats", "▤", 40))
