"""Proof photos: checked, downscaled, re-encoded as JPEG, stripped of EXIF but for the capture time.

Phones send 4–12 MB photos full of GPS and device data; the bank keeps a 2048 px JPEG
and only the moment it was taken (for the auditor to see whether it was taken that day).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.core.files import File
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from rm_portal.core.errors import Invalid, TooLarge
from rm_portal.core.images import ImageRejected, image_decode

MAX_BYTES = 15 * 1024 * 1024  # a phone camera photo is 2–12 MB; larger is not a photo of a meeting
MAX_PIXELS = 50_000_000  # 50 MP: above every phone camera, far below a decompression bomb
MAX_EDGE = 2048
QUALITY = 85
FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP"})

EXIF_IFD = 0x8769
DATETIME_ORIGINAL = 36867
OFFSET_TIME_ORIGINAL = 36881
DATETIME = 306


@dataclass(frozen=True)
class Photo:
    content: bytes
    width: int
    height: int
    taken_at: datetime | None


def _capture_time(image: Image.Image) -> datetime | None:
    exif = image.getexif()
    inner = exif.get_ifd(EXIF_IFD)
    raw = inner.get(DATETIME_ORIGINAL) or exif.get(DATETIME)
    if not isinstance(raw, str):
        return None
    try:
        moment = datetime.strptime(raw.strip().rstrip("\x00"), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = inner.get(OFFSET_TIME_ORIGINAL)
    if isinstance(offset, str) and len(offset) >= 6 and offset[0] in "+-":
        try:
            hours, minutes = int(offset[1:3]), int(offset[4:6])
            delta = timedelta(hours=hours, minutes=minutes)
            return moment.replace(tzinfo=dt_timezone(delta if offset[0] == "+" else -delta))
        except ValueError:
            pass
    # Phones write local wall-clock time without a zone: the bank's own zone is the best guess.
    return timezone.make_aware(moment)


_PHOTO_REASONS = {
    ImageRejected.FORMAT: lambda: _("不支持的图片格式，请上传 JPEG 或 PNG 照片"),
    ImageRejected.PIXELS: lambda: _("图片像素过大，不像是一张照片"),
    ImageRejected.NOT_IMAGE: lambda: _("上传的文件不是图片"),
    ImageRejected.BROKEN: lambda: _("图片文件不完整或已损坏"),
}


def _too_large() -> TooLarge:
    return TooLarge(_("照片过大（上限 %(mb)d MB）") % {"mb": MAX_BYTES // (1024 * 1024)})


def photo_read(upload: File[bytes]) -> bytes:
    """The upload's bytes; one over the cap is refused before it is read (a 60 MB file stays on disk)."""
    if upload.size is not None and upload.size > MAX_BYTES:
        raise _too_large()
    return upload.read()


def photo_process(data: bytes) -> Photo:
    """A bounded JPEG of the photo; TooLarge over the cap, Invalid (on `photo`) when it is no photo."""
    if len(data) > MAX_BYTES:
        raise _too_large()
    if not data:
        raise Invalid(fields={"photo": _("照片文件为空")})
    try:
        image = image_decode(data, formats=FORMATS, max_pixels=MAX_PIXELS)
    except ImageRejected as rejected:
        raise Invalid(fields={"photo": _PHOTO_REASONS[rejected.code]()}) from None
    with image:
        taken_at = _capture_time(image)
        image = ImageOps.exif_transpose(image)
        if image.mode not in ("RGB", "L"):
            background = Image.new("RGB", image.size, "white")
            rgba = image.convert("RGBA")
            background.paste(rgba, mask=rgba.getchannel("A"))
            image = background
        image.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        # No exif= and no icc_profile=: GPS, device and every other tag stay behind.
        image.convert("RGB").save(out, "JPEG", quality=QUALITY, optimize=True)
    return Photo(content=out.getvalue(), width=image.width, height=image.height, taken_at=taken_at)
