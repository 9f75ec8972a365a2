from __future__ import annotations

import io

from django.contrib.auth.models import Group, Permission, User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from rm_portal.core.errors import Invalid
from rm_portal.core.images import ImageRejected, image_decode, rejection_reason
from rm_portal.org.models import Branch, Role, Staff
from rm_portal.org.tokens import token_revoke

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
    token_revoke(user=staff.user)
    return staff


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
