"""The RM's WeChat QR on the business card: checked, re-encoded, replaceable, one's own only."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, PngImagePlugin

from rm_portal.org.models import Staff
from rm_portal.org.services import WECHAT_QR_MAX_BYTES

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/wechat-qr/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


# --- files to upload ------------------------------------------------------------------------------


def jpeg_with_exif(size: tuple[int, int] = (2000, 1500)) -> bytes:
    image = Image.new("RGB", size, "white")
    image.paste((0, 0, 0), (100, 100, 600, 600))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "Secret Camera App"  # Software
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def png_with_text(size: tuple[int, int] = (300, 300)) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "GPS 31.2304,121.4737")
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 0, 0, 0)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A valid small PNG whose header claims a 10-gigapixel bitmap."""
    raw = png_with_text((8, 8))
    ihdr_at = 8  # after the signature: length(4) type(4) data(13) crc(4)
    data = bytearray(raw[ihdr_at + 8 : ihdr_at + 8 + 13])
    data[0:8] = struct.pack(">II", width, height)
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + bytes(data)) & 0xFFFFFFFF)
    return raw[: ihdr_at + 8] + bytes(data) + crc + raw[ihdr_at + 8 + 13 + 4 :]


def upload(content: bytes, name: str = "qr.png", content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(root: Path) -> list[Path]:
    folder = root / "staff" / "wechat"
    return sorted(folder.iterdir()) if folder.exists() else []


def staff_of(user) -> Staff:
    return Staff.objects.get(user=user)


# --- the API --------------------------------------------------------------------------------------


def test_upload_is_reencoded_as_png_bounded_and_without_metadata(api, rm01a, tmp_path):
    r = api(rm01a).post(
        URL, {"image": upload(jpeg_with_exif(), "photo.jpg", "image/jpeg")}, format="multipart"
    )
    assert r.status_code == 200, r.json()
    assert r.json() == {"wechat_qr": True}
    staff = staff_of(rm01a)
    assert staff.wechat_qr.name.startswith("staff/wechat/") and staff.wechat_qr.name.endswith(".png")
    assert len(Path(staff.wechat_qr.name).stem) == 32  # random, not the uploaded name
    [stored] = stored_files(tmp_path)
    with Image.open(stored) as image:
        assert image.format == "PNG"
        assert image.size == (1024, 768)
        assert not image.getexif()
        assert "exif" not in image.info
    # The caller can read it back.
    r = api(rm01a).get(URL)
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert b"".join(r.streaming_content) == stored.read_bytes()


def test_png_text_chunks_and_transparency_do_not_survive(api, rm01a, tmp_path):
    r = api(rm01a).post(URL, {"image": upload(png_with_text())}, format="multipart")
    assert r.status_code == 200
    [stored] = stored_files(tmp_path)
    with Image.open(stored) as image:
        assert "Comment" not in image.info
        assert image.mode == "RGB" and image.getpixel((0, 0)) == (255, 255, 255)
        assert image.size == (300, 300)  # small images keep their size


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        pytest.param(b"just some text, not an image\n" * 10, "无法解码", id="text"),
        pytest.param(png_with_text((400, 400))[:200], "无法解码", id="truncated-png"),
        pytest.param(jpeg_with_exif((800, 800))[:3000], "无法解码", id="truncated-jpeg"),
        pytest.param(bomb_png(), "解压炸弹", id="bomb"),
        pytest.param(b"", "空", id="empty"),
    ],
)
def test_bad_files_are_refused_with_a_reason_and_nothing_is_stored(api, rm01a, tmp_path, content, reason):
    r = api(rm01a).post(URL, {"image": upload(content)}, format="multipart")
    assert r.status_code == 400
    [message] = r.json()["image"]
    assert reason in message
    assert not staff_of(rm01a).wechat_qr
    assert stored_files(tmp_path) == []


def test_oversized_file_is_refused(api, rm01a, tmp_path):
    big = png_with_text((8, 8)) + b"\0" * WECHAT_QR_MAX_BYTES
    r = api(rm01a).post(URL, {"image": upload(big)}, format="multipart")
    assert r.status_code == 400
    assert "上限 5 MB" in r.json()["image"][0]
    assert stored_files(tmp_path) == []


def test_bad_input_shapes(api, rm01a, tmp_path):
    client = api(rm01a)
    assert client.post(URL, {}, format="multipart").status_code == 400
    r = client.post(URL, {"image": upload(png_with_text()), "owner": "rm01b"}, format="multipart")
    assert r.status_code == 400 and "owner" in r.json()
    assert client.post(URL, {"image": "x"}, format="json").status_code == 415
    assert stored_files(tmp_path) == []


def test_replace_deletes_the_old_file_and_clear_removes_it(
    api, rm01a, tmp_path, django_capture_on_commit_callbacks
):
    client = api(rm01a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, {"image": upload(png_with_text())}, format="multipart")
    [first] = stored_files(tmp_path)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(URL, {"image": upload(jpeg_with_exif())}, format="multipart").status_code == 200
    [second] = stored_files(tmp_path)
    assert second != first and not first.exists()
    assert staff_of(rm01a).wechat_qr.name == f"staff/wechat/{second.name}"
    # A refused replacement keeps the current one.
    assert client.post(URL, {"image": upload(b"nope")}, format="multipart").status_code == 400
    assert stored_files(tmp_path) == [second]
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(URL).status_code == 204
    assert stored_files(tmp_path) == []
    assert not staff_of(rm01a).wechat_qr
    assert client.get(URL).status_code == 404
    assert client.delete(URL).status_code == 204  # clearing nothing is fine


def test_api_needs_credentials(anon):
    assert anon.get(URL).status_code == 401
    assert anon.post(URL, {"image": upload(png_with_text())}, format="multipart").status_code == 401
    assert anon.delete(URL).status_code == 401


def test_every_role_may_set_their_own(api, lead01, compliance, hq_admin):
    for user in (lead01, compliance, hq_admin):
        assert api(user).post(URL, {"image": upload(png_with_text())}, format="multipart").status_code == 200
        assert staff_of(user).wechat_qr


# --- the 我的 page ----------------------------------------------------------------------------------


def test_me_page_upload_preview_and_remove_without_js(
    client, rm01a, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(rm01a)
    page = client.get("/me/").content.decode()
    assert 'enctype="multipart/form-data"' in page and 'accept="image/*"' in page
    assert "wechat-qr-preview" not in page
    r = client.post("/me/wechat-qr/", {"image": upload(jpeg_with_exif(), "p.jpg", "image/jpeg")}, follow=True)
    assert r.redirect_chain == [("/me/", 302)]
    html = r.content.decode()
    assert "微信二维码已更新" in html and "wechat-qr-preview" in html and "/me/wechat-qr.png" in html
    preview = client.get("/me/wechat-qr.png")
    assert preview.status_code == 200 and preview["Content-Type"] == "image/png"
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/me/wechat-qr/remove/", follow=True)
    assert "微信二维码已删除" in r.content.decode()
    assert stored_files(tmp_path) == []
    assert client.get("/me/wechat-qr.png").status_code == 404


def test_me_page_shows_the_reason_in_chinese(client, rm01a, tmp_path):
    client.force_login(rm01a)
    r = client.post("/me/wechat-qr/", {"image": upload(b"hello", "qr.png")})
    assert r.status_code == 400
    assert "文件不是完整的图片" in r.content.decode()
    r = client.post("/me/wechat-qr/", {})
    assert r.status_code == 400 and "请选择一张图片" in r.content.decode()
    assert stored_files(tmp_path) == [] and not staff_of(rm01a).wechat_qr


def test_another_user_cannot_fetch_my_qr_through_the_staff_view(client, rm01a, rm01b, api):
    api(rm01a).post(URL, {"image": upload(png_with_text())}, format="multipart")
    client.force_login(rm01b)
    assert client.get("/me/wechat-qr.png").status_code == 404
    client.logout()
    r = client.get("/me/wechat-qr.png")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    assert client.post("/me/wechat-qr/remove/").status_code == 302
    assert staff_of(rm01a).wechat_qr  # an anonymous POST changed nothing


def test_page_writes_need_post(client, rm01a):
    client.force_login(rm01a)
    assert client.get("/me/wechat-qr/").status_code == 405
    assert client.get("/me/wechat-qr/remove/").status_code == 405
