"""Writes of the materials app: materials and layouts (head office), shares and views (RMs, visitors)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from materials.models import (
    Attachment,
    Kind,
    MarketingCategory,
    Material,
    OverrideLog,
    PosterLayout,
    ShareToken,
    ViewEvent,
)
from materials.placeholders import PLACEHOLDERS, fill, unknown_placeholders, values_for
from materials.uploads import Checked, check_attachment, check_image
from rm_portal.core.errors import Conflict
from rm_portal.customers.models import Customer
from rm_portal.customers.services import timeline_record
from rm_portal.org.models import Branch

SHARE_DAYS = 180  # a forwarded link works for half a year
DEDUP_WINDOW = timedelta(minutes=30)
MIN_QR_SIZE = 120  # px; smaller does not scan reliably from a phone screen or a print
SLOTS = ("name", "title", "branch", "phone")


# --- materials ------------------------------------------------------------------------------


def layout_check(*, width: int, height: int, layout: dict[str, Any]) -> dict[str, Any]:
    """The QR box and text slots must sit on the background; the QR must be big enough to scan."""
    errors: list[str] = []
    try:
        qr_x, qr_y, qr_size = (int(layout[k]) for k in ("qr_x", "qr_y", "qr_size"))
    except (KeyError, TypeError, ValueError):
        raise ValidationError({"layout": [_("版式须包含整数 qr_x、qr_y、qr_size")]}) from None
    if qr_size < MIN_QR_SIZE:
        errors.append(
            _("二维码边长 %(size)d px 太小，至少 %(min)d px 才能扫码") % {"size": qr_size, "min": MIN_QR_SIZE}
        )
    if qr_x < 0 or qr_y < 0 or qr_x + qr_size > width or qr_y + qr_size > height:
        errors.append(_("二维码区域超出背景图（%(w)d×%(h)d）") % {"w": width, "h": height})
    slots = layout.get("slots") or {}
    if not isinstance(slots, dict):
        raise ValidationError({"layout": [_("slots 必须是对象")]})
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
        raise ValidationError({"layout": errors})
    return {"qr_x": qr_x, "qr_y": qr_y, "qr_size": qr_size, "slots": clean}


def _check_fields(fields: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    for field in ("title", "body"):
        unknown = unknown_placeholders(fields.get(field) or "")
        if unknown:
            errors[field] = [
                _("未知占位符：%(names)s（可用：%(known)s）")
                % {
                    "names": "、".join("{" + n + "}" for n in unknown),
                    "known": "、".join("{" + n + "}" for n in PLACEHOLDERS),
                }
            ]
    if fields.get("kind") == Kind.PRODUCT:
        if not fields.get("risk_level"):
            errors["risk_level"] = [_("产品资料必须填写产品风险等级")]
        if not fields.get("marketing_category"):
            errors["marketing_category"] = [_("产品资料必须填写营销类别")]
    start, end = fields.get("publish_from"), fields.get("publish_until")
    if start and end and end <= start:
        errors["publish_until"] = [_("下架时间须晚于发布时间")]
    if errors:
        raise ValidationError(errors)


def _branches(codes: Iterable[str]) -> list[Branch]:
    codes = sorted(set(codes))
    found = list(Branch.objects.filter(code__in=codes))
    missing = sorted(set(codes) - {b.code for b in found})
    if missing:
        raise ValidationError({"branches": [_("网点不存在：%(codes)s") % {"codes": ", ".join(missing)}]})
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
    fields = {
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
    poster = None
    if kind == Kind.POSTER:
        if background is None or layout is None:
            raise ValidationError({"background": [_("海报模板须上传背景图并设置版式")]})
        image = check_image(background, "background")
        poster = (image, layout_check(width=image.width, height=image.height, layout=layout))
    material = Material.objects.create(created_by=by, **fields)
    material.branches.set(branch_rows)
    _save_attachments(material, checked)
    if poster:
        image, clean = poster
        PosterLayout.objects.create(
            material=material, background=background, width=image.width, height=image.height, **clean
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
    """Head office edits a material; every edit is a new version (posters re-render)."""
    material = Material.objects.select_for_update().get(pk=material.pk)
    unknown = set(changes) - {
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
    if unknown:
        raise ValidationError({name: [_("未知字段")] for name in sorted(unknown)})
    if "kind" in changes and changes["kind"] != material.kind:
        raise ValidationError({"kind": [_("物料类型创建后不能修改")]})
    for name, value in changes.items():
        setattr(material, name, list(value) if name == "tags" else value)
    _check_fields({f.name: getattr(material, f.name) for f in Material._meta.concrete_fields})
    branch_rows = _branches(branches) if branches is not None else None
    checked = _checked_files(attachments)
    layout_row = getattr(material, "layout", None) if material.kind == Kind.POSTER else None
    new_layout = None
    if material.kind == Kind.POSTER and (background is not None or layout is not None):
        if background is not None:
            image = check_image(background, "background")
            width, height = image.width, image.height
        elif layout_row is not None:
            width, height = layout_row.width, layout_row.height
        else:
            raise ValidationError({"background": [_("海报模板须上传背景图")]})
        base = (
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
    if new_layout:
        width, height, clean = new_layout
        row = layout_row or PosterLayout(material=material)
        if background is not None:
            row.background = background
        row.width, row.height = width, height
        for name, value in clean.items():
            setattr(row, name, value)
        row.save()
    return material


# --- sharing and the suitability/consent gate ---------------------------------------------------


class ShareRefused(Conflict):
    default_message = _("不符合适当性或营销授权要求")


def gate_failures(*, material: Material, customer: Customer | None) -> list[tuple[str, str]]:
    """[(rule, reason)] that forbid recommending this product to this customer; empty when fine.

    A customer rated Cn may be recommended products up to Rn (C1 ≤ R1, …, C5 ≤ R5), and only
    in marketing categories they consented to.
    """
    if customer is None or material.kind != Kind.PRODUCT:
        return []
    failures: list[tuple[str, str]] = []
    if material.risk_level:
        if not customer.risk_rating:
            failures.append(
                (
                    "suitability",
                    _("客户尚未完成风险测评，不能推荐 %(level)s 产品") % {"level": material.risk_level},
                )
            )
        elif int(customer.risk_rating[1]) < int(material.risk_level[1]):
            failures.append(
                (
                    "suitability",
                    _("客户风险评级 %(rating)s 低于产品风险等级 %(level)s")
                    % {"rating": customer.risk_rating, "level": material.risk_level},
                )
            )
    category = material.marketing_category
    if category and (customer.consents or {}).get(category) is not True:
        failures.append(
            (
                "consent",
                _("客户未授权接收“%(category)s”类营销信息") % {"category": MarketingCategory(category).label},
            )
        )
    return failures


def share_text(*, material: Material, staff, customer: Customer | None, url: str) -> str:  # type: ignore[no-untyped-def]
    values = values_for(staff=staff, customer=customer)
    # A script's title is the RM's index ("到期提醒"), not words for the customer.
    parts = [] if material.kind == Kind.SCRIPT else [fill(material.title, values)]
    body = fill(material.body, values).strip()
    if body:
        parts.append(body)
    if material.kind == Kind.PRODUCT and material.risk_level:
        parts.append(
            _("产品风险等级：%(level)s。理财非存款，产品有风险，投资须谨慎。")
            % {"level": material.risk_level}
        )
    parts.append(url)
    return "\n".join(parts)


def new_token() -> str:
    return secrets.token_urlsafe(24)  # 192 bits


@transaction.atomic
def share_create(
    *, rm: User, material: Material, customer: Customer | None = None, override_reason: str = ""
) -> ShareToken:
    failures = gate_failures(material=material, customer=customer)
    rule = "passed" if customer is not None and material.kind == Kind.PRODUCT else "not_checked"
    if failures:
        rules = [r for r, _reason in failures]
        reasons = [reason for _rule, reason in failures]
        if not override_reason.strip():
            raise ShareRefused("；".join(reasons), data={"rule": rules[0], "rules": rules})
        if not material.allow_override:
            raise ShareRefused(
                "；".join([*reasons, _("总行未允许该产品越权转发")]), data={"rule": rules[0], "rules": rules}
            )
        rule = "override"
    share = ShareToken.objects.create(
        token=new_token(),
        channel=ShareToken.Channel.SHARE,
        rm=rm,
        material=material,
        customer=customer,
        rule=rule,
        expires_at=timezone.now() + timedelta(days=SHARE_DAYS),
    )
    if failures:
        OverrideLog.objects.create(
            share=share,
            rm=rm,
            material=material,
            customer=customer,
            rules=[r for r, _reason in failures],
            reasons=[reason for _rule, reason in failures],
            reason=override_reason.strip()[:2000],
        )
    if customer is not None:
        timeline_record(
            customer=customer,
            kind="material_share",
            title=_("转发了《%(title)s》") % {"title": material.title},
            actor=rm,
            ref=share,
            detail={"material": material.pk, "rule": rule},
        )
    return share


def poster_token(*, rm: User, material: Material) -> ShareToken:
    """The RM's one link for a poster template: a re-render keeps the same QR target."""
    share, _created = ShareToken.objects.get_or_create(
        rm=rm,
        material=material,
        channel=ShareToken.Channel.POSTER,
        defaults={"token": new_token(), "rule": "not_checked"},
    )
    return share


# --- views on the landing page --------------------------------------------------------------


def visitor_hash(*, ip: str, user_agent: str) -> str:
    # Keyed with a secret derived from SECRET_KEY: the hash cannot be reversed by trying all IPs.
    salt = hashlib.sha256(b"materials.visitor:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(salt, f"{ip}\x1f{user_agent[:400]}".encode(), hashlib.sha256).hexdigest()


def view_record(*, share: ShareToken, ip: str, user_agent: str, at: datetime | None = None) -> bool:
    """Count a view unless the same visitor saw the same link within 30 minutes. True if counted."""
    at = at or timezone.now()
    visitor = visitor_hash(ip=ip, user_agent=user_agent)
    if ViewEvent.objects.filter(token=share, visitor=visitor, at__gt=at - DEDUP_WINDOW).exists():
        return False
    if not share.customer_id:
        ViewEvent.objects.create(token=share, visitor=visitor, at=at)  # one statement: no transaction
        return True
    with transaction.atomic():
        ViewEvent.objects.create(token=share, visitor=visitor, at=at)
        timeline_record(
            customer=share.customer,
            kind="material_view",
            title=_("查看了《%(title)s》") % {"title": share.material.title},
            ref=share,
            detail={"material": share.material_id},
            at=at,
        )
    return True


# --- handover ---------------------------------------------------------------------------------


@transaction.atomic
def share_links_handover(leaver: User, successor: User) -> dict[str, int]:
    """When an RM leaves, the links customers hold keep working and show the successor's card.

    Live forward links move to the successor; a poster link moves unless the successor already
    has one for that template (then the leaver's stays, and answers the friendly 404).
    """
    moved = ShareToken.objects.filter(
        rm=leaver, channel=ShareToken.Channel.SHARE, expires_at__gt=timezone.now()
    ).update(rm=successor)
    taken = ShareToken.objects.filter(rm=successor, channel=ShareToken.Channel.POSTER).values("material_id")
    posters = (
        ShareToken.objects.filter(rm=leaver, channel=ShareToken.Channel.POSTER)
        .exclude(material_id__in=taken)
        .update(rm=successor)
    )
    return {"share_links": moved, "poster_links": posters}
