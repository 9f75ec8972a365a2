"""Uploads are checked for what they are, not what they claim to be."""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from rm_portal.core.errors import Invalid, TooLarge
from rm_portal.core.images import ImageRejected, image_decode, rejection_reason

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# A decompression bomb is a small file that unpacks to a huge bitmap; 1080×1920 is 2 MP.
MAX_IMAGE_PIXELS = 40_000_000
EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"#!", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"PK\x03\x04")
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
# A poster background is drawn on and printed: a photo (JPEG) or a design export (PNG), nothing else.
BACKGROUND_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}
BACKGROUND_SUFFIX = {"PNG": ".png", "JPEG": ".jpg"}
# Markup that browsers would render: the start of SVG, HTML or XML (after a BOM and white space).
MARKUP_STARTS = (b"<",)


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


@dataclass(frozen=True)
class CleanImage:
    """An upload decoded and re-encoded by us: the file to store, what it is, how big."""

    file: ContentFile[bytes]
    content_type: str
    width: int
    height: int


def _looks_like_markup(upload: UploadedFile) -> bool:
    head = _head(upload, 512).lstrip(b"\xef\xbb\xbf").lstrip()
    return head.startswith(MARKUP_STARTS)


def background_clean(upload: UploadedFile, field: str = "background") -> CleanImage:
    """A poster background as a fresh PNG or JPEG of the same format as the upload.

    Decoded in full with the shared decoder (`rm_portal.core.images`), turned upright by its EXIF
    orientation and drawn onto a fresh canvas: no EXIF, GPS, ICC or text chunk survives, nor any
    bytes after the image (a PNG with HTML appended comes out a plain PNG). SVG, HTML and every
    other format are refused with a reason; nothing is stored."""
    size = check_size(upload, field)
    if size == 0:
        raise Invalid(fields={field: _("文件是空的，请重新选择图片")})
    if _looks_like_markup(upload):
        raise Invalid(fields={field: _("海报背景只接受 PNG 或 JPEG 图片，不接受 SVG、HTML 等文本文件")})
    try:
        image = image_decode(upload, formats=BACKGROUND_TYPES, max_pixels=MAX_IMAGE_PIXELS)
    except ImageRejected as rejected:
        raise Invalid(
            fields={
                field: rejection_reason(
                    rejected, broken=_("文件不是完整的图片，无法解码，请上传 PNG 或 JPEG")
                )
            }
        ) from None
    with image:
        image_format = image.format or "PNG"
        upright = ImageOps.exif_transpose(image)
        rgba = upright.convert("RGBA")
    # A fresh canvas carries nothing of the upload but its pixels; transparency lands on white,
    # as the poster renderer would draw it.
    clean = Image.new("RGB", rgba.size, "white")
    clean.paste(rgba, mask=rgba.getchannel("A"))
    out = io.BytesIO()
    if image_format == "JPEG":
        clean.save(out, format="JPEG", quality=90)
    else:
        clean.save(out, format="PNG")
    name = f"{secrets.token_hex(16)}{BACKGROUND_SUFFIX[image_format]}"  # never the uploader's name
    return CleanImage(ContentFile(out.getvalue(), name=name), BACKGROUND_TYPES[image_format], *clean.size)


def stored_image_type(head: bytes) -> str | None:
    """The type of a stored file from its first bytes, for serving it: PNG or JPEG, else None (then
    it is not served as an image). Read from the bytes, not the name, so a file stored before the
    re-encoding under any name is never served as markup."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None
