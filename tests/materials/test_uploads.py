from __future__ import annotations

import json
import struct
import zlib

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from materials.models import Attachment, Material
from tests.materials.factories import LAYOUT, png_bytes, png_upload

pytestmark = pytest.mark.django_db
URL = "/api/v1/materials/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def bomb_png(width: int = 30_000, height: int = 30_000) -> bytes:
    """A tiny PNG whose header claims a huge bitmap."""
    data = bytearray(png_bytes(8, 8))
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


def post(client, **files):
    return client.post(URL, {"kind": "news", "title": "资讯", **files}, format="multipart")


def nothing_stored() -> bool:
    media = settings.MEDIA_ROOT
    files = [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
    return not Material.objects.exists() and not Attachment.objects.exists() and not files


def test_a_pdf_and_an_image_are_accepted(api, hq_admin):
    r = post(
        api(hq_admin),
        attachments=[SimpleUploadedFile("说明书.pdf", PDF), SimpleUploadedFile("图.png", png_bytes(50, 50))],
    )
    assert r.status_code == 201, r.json()
    assert [a["content_type"] for a in r.json()["attachments"]] == ["application/pdf", "image/png"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("产品说明书.pdf", b"MZ\x90\x00" + b"\x00" * 200, "可执行"),
        ("report.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "可执行"),
        ("fake.pdf", b"hello, not a pdf at all", "不是 PDF"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 50, "无法解码"),
        ("photo.jpg", b"just text", "无法解码"),
        ("bomb.png", bomb_png(), "解压炸弹"),
    ],
)
def test_uploads_that_are_not_what_they_claim_are_400(api, hq_admin, name, content, message):
    r = post(
        api(hq_admin), attachments=[SimpleUploadedFile("ok.pdf", PDF), SimpleUploadedFile(name, content)]
    )
    assert r.status_code == 400
    assert message in json.dumps(r.json(), ensure_ascii=False)
    assert nothing_stored()


def test_a_file_over_20_mb_is_413_with_the_limit(api, hq_admin):
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (21 * 1024 * 1024))
    r = post(api(hq_admin), attachments=[big])
    assert r.status_code == 413
    assert "20 MB" in r.json()["detail"]
    assert nothing_stored()


def test_a_100_mb_request_is_refused_before_it_is_read(api, hq_admin):
    r = api(hq_admin).generic(
        "POST",
        URL,
        b"x",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(100 * 1024 * 1024),
    )
    assert r.status_code == 413


def test_poster_background_must_be_an_image(api, hq_admin):
    for background in (SimpleUploadedFile("bg.png", PDF), SimpleUploadedFile("bg.png", bomb_png())):
        r = api(hq_admin).post(
            URL,
            {"kind": "poster", "title": "海报", "background": background, "layout": json.dumps(LAYOUT)},
            format="multipart",
        )
        assert r.status_code == 400 and "background" in r.json()
    assert nothing_stored()


def test_layout_must_be_json(api, hq_admin):
    r = api(hq_admin).post(
        URL,
        {"kind": "poster", "title": "海报", "background": png_upload(), "layout": "{qr"},
        format="multipart",
    )
    assert r.status_code == 400 and "layout" in r.json()
