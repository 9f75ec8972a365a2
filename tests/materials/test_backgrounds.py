"""Poster backgrounds are re-encoded through the shared image decoder (PNG/JPEG only, nothing of the
upload but its pixels survives) and every stored file is served with the type of its bytes,
`nosniff`, and as a download unless it is an image."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image, PngImagePlugin

from materials.models import Attachment, Material, PosterLayout
from tests.materials.factories import LAYOUT, layout_post, png_bytes, poster
from tests.materials.test_landing import make_share

pytestmark = pytest.mark.django_db
URL = "/api/v1/materials/"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="1080" height="1920">'
    b"<script>alert(document.cookie)</script></svg>"
)
HTML = b"\xef\xbb\xbf  <!doctype html><html><script>fetch('/api/v1/customers/')</script></html>"


def dirty_png() -> bytes:
    """A real PNG with a text chunk, EXIF and HTML appended after its end: a polyglot."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    Image.new("RGBA", (1080, 1920), (200, 30, 30, 255)).save(out, "PNG", pnginfo=info, exif=exif)
    return out.getvalue() + b"<html><script>alert(2)</script></html>"


def gps_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8825).update({1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)})
    out = io.BytesIO()
    Image.new("RGB", (1080, 1920), (20, 90, 160)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def create(api, user, background: SimpleUploadedFile):
    body = {"kind": "poster", "title": "海报", "background": background, "layout": json.dumps(LAYOUT)}
    return api(user).post(URL, body, format="multipart")


def stored_files() -> list:
    media = settings.MEDIA_ROOT
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("bg.svg", SVG),
        ("bg.png", SVG),  # the name does not matter
        ("bg.html", HTML),
        ("bg.webp", None),  # decodes, but a background is PNG or JPEG
    ],
)
def test_svg_html_and_other_formats_are_refused_with_a_reason_and_nothing_is_stored(
    api, hq_admin, name, data
):
    if data is None:
        out = io.BytesIO()
        Image.new("RGB", (1080, 1920)).save(out, "WEBP")
        data = out.getvalue()
    r = create(api, hq_admin, SimpleUploadedFile(name, data, content_type="image/svg+xml"))
    assert r.status_code == 400
    reason = r.json()["background"][0]
    assert "PNG" in reason and "JPEG" in reason
    assert not Material.objects.exists() and not PosterLayout.objects.exists() and not stored_files()


def test_the_page_refuses_an_svg_background_on_its_field(client, hq_admin):
    client.force_login(hq_admin)
    body = {
        "kind": "poster",
        "title": "海报",
        **layout_post(LAYOUT),
        "background": SimpleUploadedFile("bg.svg", SVG),
    }
    r = client.post("/materials/new/", body)
    assert r.status_code == 200 and "SVG" in r.content.decode()
    assert not Material.objects.exists() and not stored_files()


def test_a_png_is_stored_re_encoded_and_served_as_png(api, client, hq_admin):
    r = create(api, hq_admin, SimpleUploadedFile("<evil>.html", dirty_png(), content_type="text/html"))
    assert r.status_code == 201, r.json()
    layout = PosterLayout.objects.get()
    assert layout.background.name.endswith(".png") and "evil" not in layout.background.name
    data = layout.background.read()
    assert data.endswith(b"IEND\xaeB`\x82")  # nothing after the image's end
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.format == "PNG" and image.size == (1080, 1920)
        assert not getattr(image, "text", {}) and "exif" not in image.info and "icc_profile" not in image.info
    client.force_login(hq_admin)
    served = client.get(f"/materials/{layout.material_id}/background")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"].startswith("inline;")
    assert b"".join(served.streaming_content) == data


def test_a_jpeg_is_stored_as_a_jpeg_without_exif(api, client, hq_admin):
    r = create(api, hq_admin, SimpleUploadedFile("photo.jpg", gps_jpeg(), content_type="image/jpeg"))
    assert r.status_code == 201, r.json()
    layout = PosterLayout.objects.get()
    with Image.open(layout.background.open("rb")) as image:
        assert image.format == "JPEG" and "exif" not in image.info
        assert not image.getexif()
    client.force_login(hq_admin)
    assert client.get(f"/materials/{layout.material_id}/background")["Content-Type"] == "image/jpeg"


def test_a_replaced_background_is_re_encoded_too(api, hq_admin):
    material = poster(hq_admin)
    r = api(hq_admin).patch(
        f"{URL}{material.pk}/", {"background": SimpleUploadedFile("bg.svg", SVG)}, format="multipart"
    )
    assert r.status_code == 400 and "background" in r.json()
    r = api(hq_admin).patch(
        f"{URL}{material.pk}/", {"background": SimpleUploadedFile("x.html", dirty_png())}, format="multipart"
    )
    assert r.status_code == 200, r.json()
    with Image.open(PosterLayout.objects.get().background.open("rb")) as image:
        assert image.format == "PNG" and not getattr(image, "text", {})


def test_a_background_stored_before_the_re_encoding_is_never_served_as_markup(client, hq_admin):
    material = poster(hq_admin)
    layout = material.layout
    layout.background.save("legacy.html", ContentFile(HTML), save=True)  # what an old upload left
    client.force_login(hq_admin)
    served = client.get(f"/materials/{material.pk}/background")
    assert served["Content-Type"] == "application/octet-stream"
    assert served["Content-Disposition"].startswith("attachment;")
    assert served["X-Content-Type-Options"] == "nosniff"


def test_attachments_are_images_inline_and_everything_else_a_download(client, rm01a, hq_admin, api):
    material = Material.objects.create(
        kind="news", title="通知", created_by=hq_admin, publish_from=timezone.now() - timedelta(days=1)
    )
    pdf = Attachment.objects.create(
        material=material,
        name="说明.pdf",
        content_type="application/pdf",
        size=9,
        file=ContentFile(b"%PDF-1.4\n", name="a.pdf"),
    )
    png = Attachment.objects.create(
        material=material,
        name="图.png",
        content_type="image/png",
        size=1,
        file=ContentFile(png_bytes(8, 8), name="b.png"),
    )
    token = make_share(api, rm01a, material)
    client.force_login(rm01a)
    for url in (f"/materials/{material.pk}/files/{{}}", f"/s/{token}/files/{{}}"):
        as_pdf = client.get(url.format(pdf.pk))
        assert as_pdf["Content-Type"] == "application/pdf"
        assert as_pdf["Content-Disposition"] == f'attachment; filename="{pdf.pk}.pdf"'
        assert as_pdf["X-Content-Type-Options"] == "nosniff"
        as_png = client.get(url.format(png.pk))
        assert as_png["Content-Type"] == "image/png"
        assert as_png["Content-Disposition"] == f'inline; filename="{png.pk}.png"'
        assert as_png["X-Content-Type-Options"] == "nosniff"
    assert Client().get(f"/s/{token}/files/{pdf.pk}")["Content-Disposition"].startswith("attachment;")
