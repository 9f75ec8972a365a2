"""Callback events are evidence of what WeCom sent: the admin shows them and changes nothing."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from rm_portal.wecom.models import CallbackEvent, ContactTransfer, HandoverTransfer


@admin.register(CallbackEvent)
class CallbackEventAdmin(admin.ModelAdmin):
    list_display = ["received_at", "event", "change_type", "status", "attempts"]
    list_filter = ["status", "event"]
    search_fields = ["key", "event", "change_type"]
    readonly_fields = [f.name for f in CallbackEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(HandoverTransfer)
class HandoverTransferAdmin(_ReadOnly):
    """A handover's WeCom transfer: changed only by the transfer service (docs/wecom.md)."""

    list_display = ["handover", "kind", "handover_userid", "takeover_userid", "state", "created_at"]
    list_filter = ["state", "kind"]


@admin.register(ContactTransfer)
class ContactTransferAdmin(_ReadOnly):
    list_display = ["external_userid", "handover", "status", "errcode", "requested_at", "finished_at"]
    list_filter = ["status"]
    search_fields = ["external_userid"]
