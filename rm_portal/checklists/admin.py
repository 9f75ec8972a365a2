from django.contrib import admin

from rm_portal.checklists.models import Holiday


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    # Templates are edited through the API only: its service bumps the version and keeps
    # past runs' snapshots, which a plain admin form would bypass.
    list_display = ["date", "name"]
    ordering = ["-date"]
