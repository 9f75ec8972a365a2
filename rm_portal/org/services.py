from __future__ import annotations

import io

from django.contrib.auth.models import Group, Permission, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from rm_portal.core.errors import Invalid, NotAllowed
from rm_portal.core.images import ImageRejected, image_decode, rejection_reason
from rm_portal.org.access import role_of
from rm_portal.org.models import Branch, Role, Staff, StaffChange
from rm_portal.org.tokens import token_revoke

HEAD_OFFICE_GROUP = "总行管理员"

# What head office needs in the Django admin: branches and people, the audit trail, and the users'
# names. Nothing that changes who may do what (groups, permissions, superuser): that goes through
# the services below, and superuser through `createsuperuser` at deployment only.
HEAD_OFFICE_PERMISSIONS = {
    "org": [
        *("view_branch", "add_branch", "change_branch"),
        *("view_staff", "add_staff", "change_staff"),
        "view_staffchange",
    ],
    "auth": ["view_user", "change_user"],
}

# Separation of duties: head office runs the bank's people, not the people who watch them. A
# compliance officer or the chat gateway is set up from the command line or by a superuser
# (a deployment person), never by head office.
HEAD_OFFICE_MANAGES = frozenset({Role.RM, Role.BRANCH_LEAD, Role.HEAD_OFFICE})


def branch_upsert(*, code: str, name: str) -> Branch:
    branch, _created = Branch.objects.update_or_create(code=code, defaults={"name": name})
    return branch


def head_office_group() -> Group:
    """Head office manages configuration in the Django admin, without being superusers. `set`, not
    `add`: a group that once held more (groups, permissions, deleting users) is narrowed again."""
    group, _created = Group.objects.get_or_create(name=HEAD_OFFICE_GROUP)
    wanted = Q(pk__in=[])
    for app_label, codenames in HEAD_OFFICE_PERMISSIONS.items():
        wanted |= Q(content_type__app_label=app_label, codename__in=codenames)
    group.permissions.set(Permission.objects.filter(wanted))
    return group


def manageable_roles(by: User | None) -> frozenset[str]:
    """The roles whose accounts `by` may create, change, deactivate or reset: every role from the
    command line (`by` None) or for a superuser, head office's own three for head office, none else.
    A superuser flag is a deployment matter and widens nothing else (never the scope of rows)."""
    if by is None or by.is_superuser:
        return frozenset(Role.values)
    return frozenset(HEAD_OFFICE_MANAGES) if role_of(by) == Role.HEAD_OFFICE else frozenset()


def _role_of_account(user: User) -> str:
    staff = Staff.objects.filter(user=user).only("role").first()
    return staff.role if staff else ""


def _require_manageable(by: User | None, *roles: str) -> None:
    allowed = manageable_roles(by)
    if any(role not in allowed for role in roles):
        raise NotAllowed(_("您无权管理合规或网关账号"))


def _record(*, by: User | None, whom: User, what: str, before: object = "", after: object = "") -> None:
    StaffChange.objects.create(by=by, whom=whom, what=what, before=str(before), after=str(after))


def password_check(*, password: str, user: User) -> None:
    """AUTH_PASSWORD_VALIDATORS, as a 400 naming the password field."""
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise Invalid(fields={"password": error.messages}) from None


def _sessions_end(*, user: User) -> None:
    """Every device is signed out: the API tokens go; the web sessions end by themselves, because
    Django ties each one to the password hash (the caller's own is kept by update_session_auth_hash)."""
    token_revoke(user=user)


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
    by: User | None = None,
) -> Staff:
    _require_manageable(by, role)
    user = User(username=username, is_staff=role == Role.HEAD_OFFICE)
    if role == Role.GATEWAY:
        # A machine signs in with its key (`manage.py gateway_key`): no password to guess or to lock.
        user.set_unusable_password()
    else:
        password_check(password=password, user=user)
        user.set_password(password)
    user.save()
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
    _record(by=by, whom=user, what=StaffChange.What.CREATED, after=role)
    return staff


@transaction.atomic
def staff_role_set(*, staff: Staff, role: Role | str, by: User | None) -> Staff:
    """A new role, with admin access following it (head office only); both roles must be `by`'s to manage."""
    _require_manageable(by, staff.role, role)
    before = staff.role
    if before == role:
        return staff
    staff.role = role
    staff.save(update_fields=["role", "updated_at"])
    user = staff.user
    user.is_staff = role == Role.HEAD_OFFICE
    user.save(update_fields=["is_staff"])
    if role == Role.HEAD_OFFICE:
        user.groups.add(head_office_group())
    else:
        user.groups.remove(head_office_group())
    _sessions_end(user=user)  # what a token could do changed with the role
    _record(by=by, whom=user, what=StaffChange.What.ROLE, before=before, after=role)
    return staff


@transaction.atomic
def staff_deactivate(*, staff: Staff, by: User | None = None) -> Staff:
    """The person leaves: no login, no token, history kept."""
    _require_manageable(by, staff.role)
    staff.active = False
    staff.save(update_fields=["active", "updated_at"])
    User.objects.filter(pk=staff.user_id).update(is_active=False)
    token_revoke(user=staff.user)
    _record(by=by, whom=staff.user, what=StaffChange.What.ACTIVE, before=True, after=False)
    return staff


@transaction.atomic
def staff_password_set(*, user: User, password: str, by: User | None) -> User:
    """A new password (the person's own, or a reset by someone allowed to manage them). Every other
    device is signed out: API tokens deleted, other web sessions ended."""
    if by is None or by.pk != user.pk:
        _require_manageable(by, _role_of_account(user))
    if user.is_superuser and not (by is None or by.is_superuser):
        raise NotAllowed(_("您无权管理合规或网关账号"))
    password_check(password=password, user=user)
    user.set_password(password)
    user.save(update_fields=["password"])
    _sessions_end(user=user)
    _record(by=by, whom=user, what=StaffChange.What.PASSWORD)
    return user


# --- WeChat QR on the business card ---------------------------------------------------------------

WECHAT_QR_MAX_BYTES = 5 * 1024 * 1024
WECHAT_QR_MAX_EDGE = 1024
# A decompression bomb is a small file that decodes to a huge bitmap; a phone photo is ~12–50 MP.
WECHAT_QR_MAX_PIXELS = 50_000_000
WECHAT_QR_FORMATS = frozenset({"PNG", "JPEG", "WEBP", "GIF", "BMP"})


def _qr_rejected(reason: str) -> Invalid:
    return Invalid(fields={"image": reason})


def wechat_qr_clean(upload: UploadedFile) -> bytes:
    """The upload as a fresh PNG: decoded in full, at most 1024 px a side, no metadata kept.

    Anything that is not a whole, reasonably sized image is refused with a reason a person can act on.
    """
    size = upload.size or 0
    if size == 0:
        raise _qr_rejected(_("文件是空的，请重新选择图片"))
    if size > WECHAT_QR_MAX_BYTES:
        raise _qr_rejected(
            _("图片过大（%(mb).1f MB），上限 %(limit)d MB")
            % {"mb": size / 1048576, "limit": WECHAT_QR_MAX_BYTES // 1048576}
        )
    try:
        image = image_decode(upload, formats=WECHAT_QR_FORMATS, max_pixels=WECHAT_QR_MAX_PIXELS)
    except ImageRejected as rejected:
        reason = rejection_reason(rejected, broken=_("文件不是完整的图片，无法解码，请上传 PNG 或 JPEG"))
        raise _qr_rejected(reason) from None
    with image:
        upright = ImageOps.exif_transpose(image)  # a phone photo stands the right way up
        upright.thumbnail((WECHAT_QR_MAX_EDGE, WECHAT_QR_MAX_EDGE), Image.Resampling.LANCZOS)
        rgba = upright.convert("RGBA")
    # A fresh canvas carries no EXIF, GPS, ICC or text chunks; transparency lands on white so the
    # code stays readable on any background.
    clean = Image.new("RGB", rgba.size, "white")
    clean.paste(rgba, mask=rgba.getchannel("A"))
    out = io.BytesIO()
    clean.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _delete_file(name: str) -> None:
    if name:
        default_storage.delete(name)


@transaction.atomic
def staff_wechat_qr_set(*, staff: Staff, upload: UploadedFile) -> Staff:
    """Check and re-encode the upload, store it under a new random name, drop the old file."""
    png = wechat_qr_clean(upload)
    old = Staff.objects.select_for_update().filter(pk=staff.pk).values_list("wechat_qr", flat=True).get()
    staff.wechat_qr.save("wechat.png", ContentFile(png), save=False)
    new = staff.wechat_qr.name
    try:
        staff.save(update_fields=["wechat_qr", "updated_at"])
    except Exception:
        _delete_file(new)
        raise
    if old and old != new:
        transaction.on_commit(lambda: _delete_file(old))
    return staff


@transaction.atomic
def staff_wechat_qr_clear(*, staff: Staff) -> Staff:
    old = Staff.objects.select_for_update().filter(pk=staff.pk).values_list("wechat_qr", flat=True).get()
    staff.wechat_qr = ""
    staff.save(update_fields=["wechat_qr", "updated_at"])
    if old:
        transaction.on_commit(lambda: _delete_file(old))
    return staff
