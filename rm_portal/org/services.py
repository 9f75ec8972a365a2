from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from rm_portal.org.models import Branch, Role, Staff

HEAD_OFFICE_GROUP = "总行管理员"


def branch_upsert(*, code: str, name: str) -> Branch:
    branch, _created = Branch.objects.update_or_create(code=code, defaults={"name": name})
    return branch


def head_office_group() -> Group:
    """Head office manages configuration in the Django admin, without being superusers."""
    group, _created = Group.objects.get_or_create(name=HEAD_OFFICE_GROUP)
    permissions = Permission.objects.filter(content_type__app_label__in=["org", "auth"]).exclude(
        codename__in=["delete_group", "add_group", "change_group", "delete_permission"]
    )
    group.permissions.add(*permissions)
    return group


@transaction.atomic
def staff_create(
    *,
    username: str,
    password: str,
    role: Role | str,
    branch: Branch,
    employee_no: str,
    name: str,
    title: str = "",
    phone: str = "",
    wechat_id: str = "",
) -> Staff:
    user = User.objects.create_user(username=username, password=password, is_staff=role == Role.HEAD_OFFICE)
    staff = Staff.objects.create(
        user=user,
        role=role,
        branch=branch,
        employee_no=employee_no,
        name=name,
        title=title,
        phone=phone,
        wechat_id=wechat_id,
    )
    if role == Role.HEAD_OFFICE:
        user.groups.add(head_office_group())
    return staff


@transaction.atomic
def staff_deactivate(*, staff: Staff) -> Staff:
    """The person leaves: no login, no token, history kept."""
    staff.active = False
    staff.save(update_fields=["active", "updated_at"])
    User.objects.filter(pk=staff.user_id).update(is_active=False)
    Token.objects.filter(user_id=staff.user_id).delete()
    return staff


def token_issue(*, user: User) -> Token:
    """Reuse a live token so several devices stay signed in; replace a lapsed one."""
    token = Token.objects.filter(user=user).first()
    if token and timezone.now() - token.created <= settings.TOKEN_TTL:
        return token
    if token:
        token.delete()
    return Token.objects.create(user=user)


def token_revoke(*, user: User) -> None:
    Token.objects.filter(user=user).delete()
