"""Notifications are written by `notify` and pushed by the worker; the admin only shows them, and
shows every delivery attempt (a final `failed` is what an operator looks for)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from rm_portal.notifications.models import Delivery, Notification


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    readonly_fields = ["channel", "attempt", "status", "payload", "response", "attempted_at"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "recipient__username"]
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["notification", "channel", "attempt", "status", "attempted_at"]
    list_filter = ["status", "channel"]
    search_fields = ["notification__title", "notification__recipient__username"]
    list_select_related = ["notification"]
