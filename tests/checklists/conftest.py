from __future__ import annotations

import io
from datetime import datetime, time

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from rm_portal.checklists import services
from rm_portal.checklists.models import ChecklistRun
from rm_portal.org.models import Role


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Password hashing is not what these tests are about; the fixtures create many people.


def jpeg(
    size: tuple[int, int] = (640, 480),
    taken: str | None = "2026:11:24 07:35:00",
    gps: bool = False,
    fmt: str = "JPEG",
    mode: str = "RGB",
) -> bytes:
    image = Image.new(mode, size, (200, 80, 60) if mode == "RGB" else (200, 80, 60, 128))
    exif = Image.Exif()
    if taken:
        exif.get_ifd(0x8769)[36867] = taken
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 15 Pro"  # Model
    if gps:
        exif.get_ifd(0x8825).update({1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)})
    out = io.BytesIO()
    image.save(out, fmt, exif=exif) if fmt == "JPEG" else image.save(out, fmt)
    return out.getvalue()


def photo_upload(data: bytes | None = None) -> ContentFile:
    """A photo as a service takes it: a file (the API and the page hand over the upload)."""
    return ContentFile(jpeg() if data is None else data, name="photo.jpg")


@pytest.fixture
def morning(db, b01, b02):
    """The 07:30 morning meeting on workdays, for RMs of every branch."""
    return services.template_save(
        name="晨会",
        time_of_day=time(7, 30),
        weekdays=[1, 2, 3, 4, 5],
        due_minutes=30,
        roles=[Role.RM],
        items=[
            {"text": "晨会照片", "requires_photo": True},
            {"text": "晨会纪要", "requires_note": True},
        ],
    )


# Tuesday 2026-11-24 in Asia/Shanghai.
DAY = datetime(2026, 11, 24).date()


@pytest.fixture
def runs(morning, rm01a, rm01b, rm02a, lead01, lead02):
    services.runs_generate(template=morning, on=DAY)
    return {run.assignee.username: run for run in ChecklistRun.objects.select_related("assignee")}


def complete_all(run: ChecklistRun, **kwargs: object) -> None:
    for item in run.items.all():
        services.item_complete(
            item=item,
            by=run.assignee,
            photo=photo_upload() if item.requires_photo else None,
            note="纪要" if item.requires_note else "",
            **kwargs,
        )
