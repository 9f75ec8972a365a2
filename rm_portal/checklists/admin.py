from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from rm_portal.checklists.models import Holiday


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """Read-only: the calendar is written by `services.holidays_import` (the setup page's CSV
    upload and `POST /api/v1/checklists/holidays/`), all rows valid or none. Templates are not
    in the admin at all: their service bumps the version and keeps past runs' snapshots."""

    list_display = ["date", "name"]
    ordering = ["-date"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Holiday | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Holiday | None = None) -> bool:
        return False
