"""Uploads are checked for what they are, not what they claim to be."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from rm_portal.core.errors import Invalid, TooLarge
from rm_portal.core.images import ImageRejected, image_decode, rejection_reason

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# A decompression bomb is a small file that unpacks to a huge bitmap; 1080×1920 is 2 MP.
MAX_IMAGE_PIXELS = 40_000_000
EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"#!", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"PK\x03\x04")
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}


@dataclass(frozen=True)
class Checked:
    content_type: str
    size: int
    width: int = 0
    height: int = 0


def _head(upload: UploadedFile, n: int = 8) -> bytes:
    upload.seek(0)
    head = upload.read(n)
    upload.seek(0)
    return head


def check_size(upload: UploadedFile, field: str) -> int:
    """The upload's size in bytes; TooLarge (413) past the limit."""
    size = upload.size or 0
    if size > MAX_UPLOAD_BYTES:
        raise TooLarge(
            _("%(field)s：文件过大（%(mb).1f MB），上限 %(limit)d MB")
            % {"field": field, "mb": size / 1048576, "limit": MAX_UPLOAD_BYTES // 1048576}
        )
    return size


def check_image(upload: UploadedFile, field: str) -> Checked:
    size = check_size(upload, field)
    try:
        image = image_decode(upload, formats=IMAGE_TYPES, max_pixels=MAX_IMAGE_PIXELS)
    except ImageRejected as rejected:
        raise Invalid(fields={field: rejection_reason(rejected)}) from None
    with image:
        image_format, (width, height) = image.format or "", image.size
    return Checked(IMAGE_TYPES[image_format], size, width, height)


def check_attachment(upload: UploadedFile, field: str = "attachments") -> Checked:
    """A PDF (really a PDF) or an image that decodes."""
    size = check_size(upload, field)
    head = _head(upload, 8)
    if head.startswith(EXECUTABLE_MAGIC):
        raise Invalid(fields={field: _("“%(name)s”是可执行文件或压缩包，不能上传") % {"name": upload.name}})
    name = (upload.name or "").lower()
    if name.endswith(".pdf") or head.startswith(b"%PDF"):
        if not head.startswith(b"%PDF-"):
            raise Invalid(fields={field: _("“%(name)s”不是 PDF 文件") % {"name": upload.name}})
        return Checked("application/pdf", size)
    return check_image(upload, field)
