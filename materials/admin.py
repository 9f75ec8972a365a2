"""Read-mostly admin: materials are managed through the upload page and the API (their services
check placeholders, files and layouts); shares, views and overrides are records, not edited."""

from django.contrib import admin

from materials.models import Material, OverrideLog, ShareToken, ViewEvent


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Material)
class MaterialAdmin(ReadOnly):
    list_display = ["title", "kind", "category", "risk_level", "publish_from", "publish_until", "version"]
    list_filter = ["kind", "risk_level", "marketing_category"]
    search_fields = ["title", "body"]


@admin.register(ShareToken)
class ShareTokenAdmin(ReadOnly):
    list_display = ["material", "rm", "customer", "channel", "rule", "created_at"]
    list_filter = ["channel", "rule"]
    exclude = ["token"]  # a live link: not for copying out of the admin


@admin.register(ViewEvent)
class ViewEventAdmin(ReadOnly):
    list_display = ["token", "at"]


@admin.register(OverrideLog)
class OverrideLogAdmin(ReadOnly):
    list_display = ["material", "rm", "customer", "rules", "created_at"]
    search_fields = ["reason", "rm__username", "customer__cust_no"]
