"""A read-only admin. Materials, poster layouts and attachments are written only through
`materials.services.materials` (the upload page and the API call it): it checks placeholders,
publish windows, every file with the image decoder and every layout. An admin form would be a
second write path around those checks, so there is none. Shares, views and overrides are
records of what happened, not edited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from materials.models import Material, OverrideLog, ShareToken, ViewEvent


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
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
