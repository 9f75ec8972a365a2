"""Head office keeps branches and people here; every write goes through `org.services`, so the
admin is the same path as seed_demo and the API, not a second one.

Separation of duties holds here as in the API: role, activity, password, superuser, groups and
permissions change only through services that check who may (`manageable_roles`) and write a
`StaffChange` row. Head office never touches a compliance or gateway account, and nobody is made
a superuser from the app (that is `createsuperuser`, at deployment)."""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminPasswordChangeForm as OwnPasswordChangeForm
from django.contrib.admin.utils import unquote
from django.contrib.auth import views as auth_views
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from rm_portal.core.errors import DomainError
from rm_portal.org.models import Branch, GatewayKey, Role, Staff, StaffChange
from rm_portal.org.services import (
    branch_upsert,
    manageable_roles,
    password_check,
    staff_create,
    staff_deactivate,
    staff_password_set,
)


def _admin(request: HttpRequest) -> User:
    """The signed-in admin: every admin view has required a staff login before ours run."""
    assert isinstance(request.user, User)
    return request.user


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

    # Set by StaffAdmin.get_form: the roles the signed-in admin may create.
    allowed_roles: frozenset[str] = frozenset()

    class Meta:
        model = Staff
        fields = ["role", "branch", "employee_no", "name", "title", "phone", "wechat_id"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role = self.fields["role"]
        role.choices = [c for c in role.choices if not c[0] or c[0] in self.allowed_roles]  # type: ignore[attr-defined]

    def clean_username(self) -> str:
        username = str(self.cleaned_data["username"])
        if User.objects.filter(username=username).exists():
            raise forms.ValidationError(_("该用户名已存在"))
        return username

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("username") and data.get("role") != Role.GATEWAY:
            try:
                password_check(password=data["password"], user=User(username=data["username"]))
            except DomainError as error:
                self.add_error("password", error.fields["password"])
        return data


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
            kwargs["form"] = type(
                "StaffCreateForm", (StaffCreateForm,), {"allowed_roles": manageable_roles(_admin(request))}
            )
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Staff | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("username", "password", *StaffCreateForm.Meta.fields)
        return ("user", "role", "branch", "employee_no", "name", "title", "phone", "wechat_id", "active")

    def get_readonly_fields(self, request: HttpRequest, obj: Staff | None = None) -> list[str]:
        # Changing the role to or from head office is not a field edit: it changes admin rights.
        return ["user", "role", "active"] if obj else []

    def has_change_permission(self, request: HttpRequest, obj: Staff | None = None) -> bool:
        # A compliance or gateway profile is shown to head office, never edited by it.
        if obj is not None and obj.role not in manageable_roles(_admin(request)):
            return False
        return super().has_change_permission(request, obj)

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
            by=_admin(request),
        )
        obj.pk, obj.user = created.pk, created.user

    def has_delete_permission(self, request: HttpRequest, obj: Staff | None = None) -> bool:
        return False  # a leaver is deactivated, their history kept

    @admin.action(description=_("离职：停用账号并收回令牌"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Staff]) -> None:
        count, refused = 0, 0
        for staff in queryset.filter(active=True).select_related("user"):
            try:
                staff_deactivate(staff=staff, by=_admin(request))
            except DomainError:
                refused += 1
            else:
                count += 1
        self.message_user(request, _("已停用 %(n)d 人") % {"n": count}, messages.SUCCESS)
        if refused:
            self.message_user(
                request, _("%(n)d 人是合规或网关账号，您无权停用") % {"n": refused}, messages.ERROR
            )


@admin.register(StaffChange)
class StaffChangeAdmin(admin.ModelAdmin):
    """The audit trail of account changes: read-only, for everyone."""

    list_display = ["at", "by", "whom", "what", "before", "after"]
    list_filter = ["what"]
    search_fields = ["whom__username", "by__username"]
    list_select_related = ["by", "whom"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: StaffChange | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: StaffChange | None = None) -> bool:
        return False


class AuditedPasswordForm(AdminPasswordChangeForm):
    """Another person's new password, set through `staff_password_set` (checked, audited, their
    devices signed out). No "disable password" switch: leaving is the 离职 action."""

    by: User | None = None  # set per request by StaffUserAdmin.user_change_password

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.fields.pop("usable_password", None)
        self.fields["password1"].required = self.fields["password2"].required = True

    def save(self, commit: bool = True) -> User:
        return staff_password_set(user=self.user, password=self.cleaned_data["password1"], by=self.by)


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    """Logins: names and e-mail are edited here; everything that grants rights is read-only, and
    head office sees neither superusers nor the compliance and gateway accounts."""

    change_password_form = AuditedPasswordForm
    readonly_fields = ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]
    readonly_fields += ["last_login", "date_joined"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        users = super().get_queryset(request)
        if request.user.is_superuser:
            return users
        hidden = set(Role.values) - manageable_roles(_admin(request))
        return users.exclude(is_superuser=True).exclude(staff__role__in=hidden)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a login is created with its person (员工 → 增加), by staff_create

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        user = self.get_object(request, unquote(id))
        if user is not None and not (request.user.pk == user.pk or self._manages(request, user)):
            raise PermissionDenied
        # A copy per request, so the form knows who acts without state shared between requests.
        acting = _admin(request)

        class PasswordForm(AuditedPasswordForm):
            by = acting

        bound = copy.copy(self)
        bound.change_password_form = PasswordForm
        return UserAdmin.user_change_password(bound, request, id, form_url)

    def _manages(self, request: HttpRequest, user: User) -> bool:
        staff = Staff.objects.filter(user=user).only("role").first()
        role = staff.role if staff else None
        acting = _admin(request)
        return acting.is_superuser or (role in manageable_roles(acting) and not user.is_superuser)


class OwnPasswordForm(OwnPasswordChangeForm):
    """One's own new password in the admin, through `staff_password_set` like every other."""

    def save(self, commit: bool = True) -> User:
        return staff_password_set(user=self.user, password=self.cleaned_data["new_password1"], by=self.user)


class OwnPasswordChangeView(auth_views.PasswordChangeView):
    form_class = OwnPasswordForm
    success_url = reverse_lazy("admin:password_change_done")

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        return admin.site.admin_view(super().as_view(**initkwargs))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        self.request.current_app = admin.site.name
        return {**admin.site.each_context(self.request), **super().get_context_data(**kwargs)}


@admin.register(GatewayKey)
class GatewayKeyAdmin(admin.ModelAdmin):
    """Only that a key exists and when it was issued; issue one with `manage.py gateway_key`."""

    list_display = ["user", "created_at"]
    fields = ["user", "created_at"]
    readonly_fields = ["user", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: GatewayKey | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: GatewayKey | None = None) -> bool:
        return False
