"""Head office keeps branches and people here; every write goes through `org.services`, so the
admin is the same path as seed_demo and the API, not a second one."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from rm_portal.org.models import Branch, Staff
from rm_portal.org.services import branch_upsert, staff_create, staff_deactivate


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request: HttpRequest, obj: Branch | None = None) -> list[str]:
        return ["code"] if obj else []  # the code is the branch's identity

    def save_model(self, request: HttpRequest, obj: Branch, form: forms.ModelForm, change: bool) -> None:
        saved = branch_upsert(code=obj.code, name=obj.name)
        obj.pk = saved.pk

    def has_delete_permission(self, request: HttpRequest, obj: Branch | None = None) -> bool:
        return False  # people and customers belong to it


class StaffCreateForm(forms.ModelForm):
    """A new person: their login and their profile, created together by `staff_create`."""

    username = forms.CharField(label=_("用户名"), max_length=150)
    password = forms.CharField(label=_("初始密码"), min_length=8, max_length=128, widget=forms.PasswordInput)

    class Meta:
        model = Staff
        fields = ["role", "branch", "employee_no", "name", "title", "phone", "wechat_id"]

    def clean_username(self) -> str:
        from django.contrib.auth.models import User

        username = str(self.cleaned_data["username"])
        if User.objects.filter(username=username).exists():
            raise forms.ValidationError(_("该用户名已存在"))
        return username


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "role", "branch", "employee_no", "title", "active"]
    list_filter = ["role", "branch", "active"]
    search_fields = ["name", "user__username", "employee_no", "phone"]
    list_select_related = ["user", "branch"]
    # wechat_qr only through org.services.staff_wechat_qr_set (checked and re-encoded), never a raw
    # admin upload; the user link and `active` only through staff_create / staff_deactivate.
    exclude = ["wechat_qr"]
    actions = ["deactivate"]

    def get_form(
        self, request: HttpRequest, obj: Staff | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        if obj is None:
            kwargs["form"] = StaffCreateForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Staff | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("username", "password", *StaffCreateForm.Meta.fields)
        return ("user", "role", "branch", "employee_no", "name", "title", "phone", "wechat_id", "active")

    def get_readonly_fields(self, request: HttpRequest, obj: Staff | None = None) -> list[str]:
        # Changing the role to or from head office is not a field edit: it changes admin rights.
        return ["user", "role", "active"] if obj else []

    def save_model(self, request: HttpRequest, obj: Staff, form: forms.ModelForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)  # the plain profile fields
            return
        data = form.cleaned_data
        created = staff_create(
            username=data["username"],
            password=data["password"],
            role=data["role"],
            branch=data["branch"],
            employee_no=data["employee_no"],
            name=data["name"],
            title=data["title"],
            phone=data["phone"],
            wechat_id=data["wechat_id"],
        )
        obj.pk, obj.user = created.pk, created.user

    def has_delete_permission(self, request: HttpRequest, obj: Staff | None = None) -> bool:
        return False  # a leaver is deactivated, their history kept

    @admin.action(description=_("离职：停用账号并收回令牌"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Staff]) -> None:
        count = 0
        for staff in queryset.filter(active=True).select_related("user"):
            staff_deactivate(staff=staff)
            count += 1
        self.message_user(request, _("已停用 %(n)d 人") % {"n": count}, messages.SUCCESS)
