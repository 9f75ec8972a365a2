"""Head office writes the kit: materials, their attachments and poster layouts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from materials.models import Attachment, Kind, Material, PosterLayout, PublishState
from materials.placeholders import PLACEHOLDERS, unknown_placeholders
from materials.uploads import Checked, CleanImage, background_clean, check_attachment
from rm_portal.core.errors import Conflict, Invalid
from rm_portal.org.models import Branch

MIN_QR_SIZE = 120  # px; smaller does not scan reliably from a phone screen or a print
SLOTS = ("name", "title", "branch", "phone")
EDITABLE = frozenset(
    {
        "kind",
        "title",
        "body",
        "category",
        "tags",
        "product_url",
        "risk_level",
        "marketing_category",
        "publish_from",
        "publish_until",
        "allow_override",
    }
)


def layout_check(*, width: int, height: int, layout: dict[str, Any]) -> dict[str, Any]:
    """The QR box and text slots must sit on the background; the QR must be big enough to scan."""
    errors: list[str] = []
    try:
        qr_x, qr_y, qr_size = (int(layout[k]) for k in ("qr_x", "qr_y", "qr_size"))
    except (KeyError, TypeError, ValueError):
        raise Invalid(fields={"layout": _("版式须包含整数 qr_x、qr_y、qr_size")}) from None
    if qr_size < MIN_QR_SIZE:
        errors.append(
            _("二维码边长 %(size)d px 太小，至少 %(min)d px 才能扫码") % {"size": qr_size, "min": MIN_QR_SIZE}
        )
    if qr_x < 0 or qr_y < 0 or qr_x + qr_size > width or qr_y + qr_size > height:
        errors.append(_("二维码区域超出背景图（%(w)d×%(h)d）") % {"w": width, "h": height})
    slots = layout.get("slots") or {}
    if not isinstance(slots, dict):
        raise Invalid(fields={"layout": _("slots 必须是对象")})
    clean: dict[str, dict[str, Any]] = {}
    for name, slot in slots.items():
        if name not in SLOTS:
            errors.append(
                _("未知文字位：%(name)s（可用：%(known)s）") % {"name": name, "known": ", ".join(SLOTS)}
            )
            continue
        try:
            x, y, size = int(slot["x"]), int(slot["y"]), int(slot.get("size", 40))
            color = str(slot.get("color", "#000000"))
        except (KeyError, TypeError, ValueError, AttributeError):
            errors.append(_("文字位 %(name)s 须包含整数 x、y、size") % {"name": name})
            continue
        if not (0 <= x < width and 0 <= y < height):
            errors.append(_("文字位 %(name)s 超出背景图") % {"name": name})
        if not 12 <= size <= 200:
            errors.append(_("文字位 %(name)s 字号须在 12–200 之间") % {"name": name})
        if len(color) != 7 or color[0] != "#" or any(c not in "0123456789abcdefABCDEF" for c in color[1:]):
            errors.append(_("文字位 %(name)s 颜色须为 #RRGGBB") % {"name": name})
        clean[name] = {"x": x, "y": y, "size": size, "color": color}
    if errors:
        raise Invalid(fields={"layout": errors})
    return {"qr_x": qr_x, "qr_y": qr_y, "qr_size": qr_size, "slots": clean}


def _check_fields(fields: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    for field in ("title", "body"):
        unknown = unknown_placeholders(fields.get(field) or "")
        if unknown:
            errors[field] = _("未知占位符：%(names)s（可用：%(known)s）") % {
                "names": "、".join("{" + n + "}" for n in unknown),
                "known": "、".join("{" + n + "}" for n in PLACEHOLDERS),
            }
    if fields.get("kind") == Kind.PRODUCT:
        if not fields.get("risk_level"):
            errors["risk_level"] = _("产品资料必须填写产品风险等级")
        if not fields.get("marketing_category"):
            errors["marketing_category"] = _("产品资料必须填写营销类别")
    start, end = fields.get("publish_from"), fields.get("publish_until")
    if start and end and end <= start:
        errors["publish_until"] = _("下架时间须晚于发布时间")
    if errors:
        raise Invalid(fields=errors)


def _branches(codes: Iterable[str]) -> list[Branch]:
    wanted = sorted(set(codes))
    found = list(Branch.objects.filter(code__in=wanted))
    missing = sorted(set(wanted) - {b.code for b in found})
    if missing:
        raise Invalid(fields={"branches": _("网点不存在：%(codes)s") % {"codes": ", ".join(missing)}})
    return found


def _checked_files(attachments: Sequence[UploadedFile]) -> list[tuple[UploadedFile, Checked]]:
    return [(upload, check_attachment(upload)) for upload in attachments]


def _save_attachments(material: Material, checked: list[tuple[UploadedFile, Checked]]) -> None:
    for upload, info in checked:
        Attachment.objects.create(
            material=material,
            file=upload,
            name=(upload.name or "file")[-200:],
            content_type=info.content_type,
            size=info.size,
        )


@transaction.atomic
def material_create(
    *,
    by: User,
    kind: str,
    title: str,
    body: str = "",
    category: str = "",
    tags: Sequence[str] = (),
    product_url: str = "",
    risk_level: str = "",
    marketing_category: str = "",
    publish_from: datetime | None = None,
    publish_until: datetime | None = None,
    branches: Sequence[str] = (),
    allow_override: bool = False,
    attachments: Sequence[UploadedFile] = (),
    background: UploadedFile | None = None,
    layout: dict[str, Any] | None = None,
) -> Material:
    fields: dict[str, Any] = {
        "kind": kind,
        "title": title,
        "body": body,
        "category": category,
        "tags": list(tags),
        "product_url": product_url,
        "risk_level": risk_level,
        "marketing_category": marketing_category,
        "publish_from": publish_from,
        "publish_until": publish_until,
        "allow_override": allow_override,
    }
    _check_fields(fields)
    branch_rows = _branches(branches)
    # Every file is checked before anything is stored: a bad upload leaves nothing half-way.
    checked = _checked_files(attachments)
    poster: tuple[CleanImage, dict[str, Any]] | None = None
    if kind == Kind.POSTER:
        if background is None or layout is None:
            raise Invalid(fields={"background": _("海报模板须上传背景图并设置版式")})
        image = background_clean(background)
        poster = (image, layout_check(width=image.width, height=image.height, layout=layout))
    material = Material.objects.create(created_by=by, **fields)
    material.branches.set(branch_rows)
    _save_attachments(material, checked)
    if poster is not None:
        image, clean = poster
        PosterLayout.objects.create(
            material=material, background=image.file, width=image.width, height=image.height, **clean
        )
    return material


@transaction.atomic
def material_update(
    *,
    material: Material,
    by: User,
    attachments: Sequence[UploadedFile] = (),
    background: UploadedFile | None = None,
    layout: dict[str, Any] | None = None,
    branches: Sequence[str] | None = None,
    **changes: Any,
) -> Material:
    """Head office edits a material; every edit is a new version (posters re-render).

    A `layout` is merged into the stored one, so a partial layout changes only what it names.
    Attachments sent are added; `kind` cannot change."""
    material = Material.objects.select_for_update().get(pk=material.pk)
    unknown = set(changes) - EDITABLE
    if unknown:
        raise Invalid(fields={name: _("未知字段") for name in sorted(unknown)})
    if "kind" in changes and changes["kind"] != material.kind:
        raise Invalid(fields={"kind": _("物料类型创建后不能修改")})
    for name, value in changes.items():
        setattr(material, name, list(value) if name == "tags" else value)
    _check_fields({f.name: getattr(material, f.name) for f in Material._meta.concrete_fields})
    branch_rows = _branches(branches) if branches is not None else None
    checked = _checked_files(attachments)
    layout_row: PosterLayout | None = (
        getattr(material, "layout", None) if material.kind == Kind.POSTER else None
    )
    new_layout: tuple[int, int, dict[str, Any]] | None = None
    cleaned: CleanImage | None = None
    if material.kind == Kind.POSTER and (background is not None or layout is not None):
        if background is not None:
            cleaned = background_clean(background)
            width, height = cleaned.width, cleaned.height
        elif layout_row is not None:
            width, height = layout_row.width, layout_row.height
        else:
            raise Invalid(fields={"background": _("海报模板须上传背景图")})
        base: dict[str, Any] = (
            {
                "qr_x": layout_row.qr_x,
                "qr_y": layout_row.qr_y,
                "qr_size": layout_row.qr_size,
                "slots": layout_row.slots,
            }
            if layout_row
            else {}
        )
        new_layout = (
            width,
            height,
            layout_check(width=width, height=height, layout={**base, **(layout or {})}),
        )
    material.version += 1
    material.save()
    if branch_rows is not None:
        material.branches.set(branch_rows)
    _save_attachments(material, checked)
    if new_layout is not None:
        width, height, clean = new_layout
        row = layout_row or PosterLayout(material=material)
        if cleaned is not None:
            row.background = cleaned.file
        row.width, row.height = width, height
        for name, value in clean.items():
            setattr(row, name, value)
        row.save()
    return material


def publish_gaps(material: Material) -> dict[str, str]:
    """What a material still lacks before RMs may see it, field by field (empty: complete)."""
    gaps: dict[str, str] = {}
    if not material.title.strip():
        gaps["title"] = _("请填写标题")
    if material.kind in (Kind.SCRIPT, Kind.NEWS, Kind.PRODUCT) and not material.body.strip():
        gaps["body"] = _("请填写正文")
    if material.kind == Kind.PRODUCT:
        if not material.risk_level:
            gaps["risk_level"] = _("产品资料必须填写产品风险等级")
        if not material.marketing_category:
            gaps["marketing_category"] = _("产品资料必须填写营销类别")
    if material.kind == Kind.POSTER and getattr(material, "layout", None) is None:
        gaps["background"] = _("海报模板须上传背景图并设置版式")
    return gaps


@transaction.atomic
def material_publish(*, material: Material, by: User) -> Material:
    """Head office's explicit publish: the RMs of its branches see it from now on. Refused, naming
    what is missing, while the material is incomplete; a withdrawn material comes back."""
    material = Material.objects.select_for_update().get(pk=material.pk)
    now = timezone.now()
    if material.state_at(now) == PublishState.PUBLISHED:
        raise Conflict(_("这份物料已经发布"))
    gaps = publish_gaps(material)
    if gaps:
        raise Invalid(_("物料还不完整，不能发布：%(what)s") % {"what": "；".join(gaps.values())}, fields=gaps)
    material.publish_from = now
    if material.publish_until is not None and material.publish_until <= now:
        material.publish_until = None
    material.save(update_fields=["publish_from", "publish_until", "updated_at"])
    return material


@transaction.atomic
def material_withdraw(*, material: Material, by: User) -> Material:
    """Head office takes a published or scheduled material off the RMs' lists now."""
    material = Material.objects.select_for_update().get(pk=material.pk)
    now = timezone.now()
    if material.state_at(now) not in (PublishState.PUBLISHED, PublishState.SCHEDULED):
        raise Conflict(_("这份物料没有在发布中"))
    material.publish_until = now
    if material.publish_from is not None and material.publish_from > now:
        material.publish_from = now
    material.save(update_fields=["publish_from", "publish_until", "updated_at"])
    return material
