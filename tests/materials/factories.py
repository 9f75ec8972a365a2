from __future__ import annotations

import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from materials.models import Kind, Material
from materials.services.materials import material_create
from rm_portal.customers.models import Customer

LAYOUT = {
    "qr_x": 700,
    "qr_y": 1480,
    "qr_size": 320,
    "slots": {
        "name": {"x": 80, "y": 1500, "size": 72, "color": "#b4232a"},
        "title": {"x": 80, "y": 1600, "size": 40, "color": "#333333"},
        "branch": {"x": 80, "y": 1660, "size": 40, "color": "#333333"},
        "phone": {"x": 80, "y": 1720, "size": 40, "color": "#333333"},
    },
}


def png_bytes(width: int = 1080, height: int = 1920, color: str = "#f6e7d8") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def png_upload(name: str = "bg.png", width: int = 1080, height: int = 1920) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(width, height), content_type="image/png")


def published(**overrides) -> dict:
    return {"publish_from": timezone.now() - timedelta(days=1), **overrides}


def script(
    by, title: str = "开门红存款话术", body: str = "{customer_name}您好，我是{branch}的{rm_name}。", **kw
):
    return material_create(by=by, kind=Kind.SCRIPT, title=title, body=body, **published(**kw))


def product(by, risk_level: str = "R3", marketing_category: str = "wealth", **kw) -> Material:
    return material_create(
        by=by,
        kind=Kind.PRODUCT,
        title=kw.pop("title", "稳享理财 90 天"),
        body="业绩比较基准 3.2%，{rm_name}为您服务，电话 {rm_phone}。",
        risk_level=risk_level,
        marketing_category=marketing_category,
        **published(**kw),
    )


def poster(by, **kw) -> Material:
    return material_create(
        by=by,
        kind=Kind.POSTER,
        title=kw.pop("title", "新春理财节海报"),
        body="扫码了解新春理财节",
        background=png_upload(),
        layout=kw.pop("layout", LAYOUT),
        **published(**kw),
    )


def customer(owner, cust_no: str = "C0001", risk_rating: str = "C3", consents=None) -> Customer:
    staff = owner.staff
    return Customer.objects.create(
        cust_no=cust_no,
        name="王阿姨",
        branch=staff.branch,
        owner=owner,
        risk_rating=risk_rating,
        consents={"wealth": True} if consents is None else consents,
    )


def layout_post(layout: dict, prefix: str = "layout") -> dict[str, object]:
    """A layout as the edit page's form posts it: the QR box, then each slot's fields."""
    data: dict[str, object] = {f"{prefix}-{k}": layout[k] for k in ("qr_x", "qr_y", "qr_size")}
    for slot, values in layout["slots"].items():
        data[f"{prefix}-{slot}_show"] = "on"
        for part, value in values.items():
            data[f"{prefix}-{slot}_{part}"] = value
    return data
