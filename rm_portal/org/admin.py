from django.contrib import admin

from rm_portal.org.models import Branch, Staff


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "role", "branch", "employee_no", "title", "active"]
    list_filter = ["role", "branch", "active"]
    search_fields = ["name", "user__username", "employee_no", "phone"]
    autocomplete_fields = ["user"]
    list_select_related = ["user", "branch"]
    # Only through org.services.staff_wechat_qr_set (checked and re-encoded), never a raw admin upload.
    exclude = ["wechat_qr"]
