"""Decoding an uploaded image without trusting it: one place for the checks every upload needs.

The format and the pixel count are read from the header before any pixel is decoded (a
decompression bomb is a small file that decodes to a huge bitmap); `verify()` then walks the
file, and a full `load()` catches a truncated one. Callers turn the reason code into their own
words and do their own re-encoding.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Collection
from typing import IO

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError


class ImageRejected(ValueError):
    FORMAT = "format"  # decodes, but not in the formats asked for
    PIXELS = "pixels"  # more pixels than allowed: a bomb or not a photo
    NOT_IMAGE = "not_image"  # no image format recognised at all
    BROKEN = "broken"  # an image format, but truncated or corrupt

    def __init__(self, code: str, *, width: int = 0, height: int = 0) -> None:
        super().__init__(code)
        self.code = code
        self.width = width
        self.height = height


def image_decode(source: bytes | IO[bytes], *, formats: Collection[str], max_pixels: int) -> Image.Image:
    """A fully loaded image (the caller closes it), or ImageRejected with the reason."""
    if isinstance(source, bytes):
        data = source
    else:
        # Read once into memory (uploads are size-capped before this): Pillow may close a stream
        # it failed on, and the caller may still need the upload afterwards.
        source.seek(0)
        data = source.read()
        source.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                width, height = probe.size
                if width * height > max_pixels:
                    raise ImageRejected(ImageRejected.PIXELS, width=width, height=height)
                if probe.format not in formats:
                    raise ImageRejected(ImageRejected.FORMAT, width=width, height=height)
                probe.verify()
            image = Image.open(io.BytesIO(data))
            try:
                image.load()  # a truncated file fails here (LOAD_TRUNCATED_IMAGES stays off)
            except BaseException:
                image.close()
                raise
            return image
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(ImageRejected.PIXELS) from None
    except UnidentifiedImageError:
        raise ImageRejected(ImageRejected.NOT_IMAGE) from None
    except Exception:  # Pillow raises many kinds for a broken or truncated file; all mean "not an image"
        raise ImageRejected(ImageRejected.BROKEN) from None


def rejection_reason(rejected: ImageRejected, *, broken: str | None = None) -> str:
    """The reason in words a person can act on; `broken` overrides the wording for a bad file."""
    if rejected.code == ImageRejected.PIXELS and rejected.width:
        return _("图片像素过多（%(w)d×%(h)d），疑似解压炸弹") % {"w": rejected.width, "h": rejected.height}
    if rejected.code == ImageRejected.PIXELS:
        return _("图片像素过多，疑似解压炸弹")
    if rejected.code == ImageRejected.FORMAT:
        return _("不支持的图片格式，请上传 PNG 或 JPEG")
    return broken or _("图片无法解码，请上传 PNG 或 JPEG")
