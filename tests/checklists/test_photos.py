"""Proof photos: bounded, re-encoded, EXIF gone but the capture time kept; bad files refused."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from PIL import Image

from rm_portal.checklists.models import RunItem
from rm_portal.checklists.photos import MAX_BYTES, photo_process
from rm_portal.core.errors import Invalid, TooLarge
from tests.checklists.conftest import jpeg


def test_gps_and_device_data_are_removed_but_the_capture_time_is_kept():
    photo = photo_process(jpeg(gps=True, taken="2026:11:24 07:35:12"))
    out = Image.open(io.BytesIO(photo.content))
    assert out.format == "JPEG"
    assert dict(out.getexif()) == {}
    assert b"PhoneMaker" not in photo.content and b"Exif" not in photo.content
    assert photo.taken_at == datetime(2026, 11, 23, 23, 35, 12, tzinfo=UTC)  # 07:35:12 Shanghai


def test_a_large_photo_is_downscaled_to_2048_on_its_long_edge():
    photo = photo_process(jpeg(size=(4032, 3024)))
    assert (photo.width, photo.height) == (2048, 1536)
    assert Image.open(io.BytesIO(photo.content)).size == (2048, 1536)


def test_png_with_transparency_becomes_a_jpeg_and_a_photo_without_exif_has_no_capture_time():
    photo = photo_process(jpeg(fmt="PNG", mode="RGBA", taken=None))
    assert Image.open(io.BytesIO(photo.content)).mode == "RGB"
    assert photo.taken_at is None


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"%PDF-1.4\n1 0 obj<<>>endobj\n", "不是图片"),
        ("这不是照片".encode(), "不是图片"),
        (b"", "为空"),
        (jpeg()[:1500], "不完整"),
    ],
    ids=["pdf", "text", "empty", "truncated-jpeg"],
)
def test_bad_files_are_rejected_with_a_reason(data, reason):
    with pytest.raises(Invalid) as caught:
        photo_process(data)
    assert reason in caught.value.fields["photo"][0]


def test_gif_is_not_a_camera_photo():
    out = io.BytesIO()
    Image.new("P", (10, 10)).save(out, "GIF")
    with pytest.raises(Invalid, match="格式"):
        photo_process(out.getvalue())


def test_a_decompression_bomb_is_refused_without_decoding_it():
    out = io.BytesIO()
    Image.new("1", (12000, 12000)).save(out, "PNG")  # 144 MP in a few kilobytes
    assert len(out.getvalue()) < 1_000_000
    with pytest.raises(Invalid, match="像素"):
        photo_process(out.getvalue())


def test_more_than_the_size_cap_is_refused():
    with pytest.raises(TooLarge, match="15 MB"):
        photo_process(b"\xff\xd8" + b"0" * MAX_BYTES)


# --- Through the API ---------------------------------------------------------------------------


def _photo_item(run) -> RunItem:
    return run.items.get(requires_photo=True)


def _upload(data: bytes, name: str = "IMG_0001.jpg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def test_completing_with_a_photo_stores_a_bounded_jpeg_and_flags_a_photo_from_another_day(api, runs, rm01a):
    item = _photo_item(runs["rm01a"])
    r = api(rm01a).post(
        f"/api/v1/checklists/items/{item.pk}/complete/",
        {"photo": _upload(jpeg(size=(3000, 2000), gps=True, taken="2026:11:20 07:31:00")), "note": "到齐"},
        format="multipart",
    )
    assert r.status_code == 200, r.content
    item.refresh_from_db()
    assert item.done and item.photo_flagged and item.photo.name.endswith(".jpg")
    stored = Image.open(item.photo.open("rb"))
    assert max(stored.size) == 2048 and dict(stored.getexif()) == {}
    body = r.json()["items"][0]
    assert body["photo_flagged"] is True and body["photo_url"] == f"/api/v1/checklists/items/{item.pk}/photo/"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"not an image at all", "上传的文件不是图片"),
        (jpeg()[:2000], "图片文件不完整或已损坏"),
        (b"", "照片文件为空"),
    ],
    ids=["non-image", "truncated", "empty"],
)
def test_a_bad_upload_answers_400_with_a_reason_and_stores_nothing(api, runs, rm01a, data, reason):
    item = _photo_item(runs["rm01a"])
    r = api(rm01a).post(
        f"/api/v1/checklists/items/{item.pk}/complete/", {"photo": _upload(data)}, format="multipart"
    )
    assert r.status_code == 400
    assert r.json() == {"photo": [reason]}
    item.refresh_from_db()
    assert not item.done and not item.photo


def test_a_decompression_bomb_upload_answers_400(api, runs, rm01a):
    out = io.BytesIO()
    Image.new("1", (12000, 12000)).save(out, "PNG")
    item = _photo_item(runs["rm01a"])
    r = api(rm01a).post(
        f"/api/v1/checklists/items/{item.pk}/complete/",
        {"photo": _upload(out.getvalue(), "b.png")},
        format="multipart",
    )
    assert r.status_code == 400 and "像素" in r.json()["photo"][0]


def test_a_photo_over_the_cap_answers_413_with_a_clear_message(api, runs, rm01a):
    item = _photo_item(runs["rm01a"])
    r = api(rm01a).post(
        f"/api/v1/checklists/items/{item.pk}/complete/",
        {"photo": _upload(b"\xff\xd8" + b"0" * (16 * 1024 * 1024))},
        format="multipart",
    )
    assert r.status_code == 413 and "15 MB" in r.json()["detail"]
    assert not RunItem.objects.get(pk=item.pk).done


def test_a_60_mb_photo_is_refused_before_it_is_read(api, runs, rm01a):
    item = _photo_item(runs["rm01a"])
    r = api(rm01a).post(
        f"/api/v1/checklists/items/{item.pk}/complete/",
        {"photo": _upload(b"\xff\xd8" + b"0" * (60 * 1024 * 1024))},
        format="multipart",
    )
    assert r.status_code == 413 and r.json()["detail"]
    assert not RunItem.objects.get(pk=item.pk).done
