"""Drawing personal posters: the head office design with the RM's name, title, branch, phone
and QR code. Pure rendering; `materials.services.posters` caches each RM's poster."""

from __future__ import annotations

import hashlib
import io
import zlib
from dataclasses import dataclass
from functools import lru_cache

import qrcode
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw

from materials import png_bands
from materials.fonts import cjk_font
from materials.models import PosterLayout
from rm_portal.org.models import Staff

QUIET_ZONE = 4  # modules of white around the code, as ISO/IEC 18004 asks
# Trying all eight masks for the lowest penalty is pure Python and was half a poster's time; any
# mask is valid (the decoder reads it from the format bits) and tests decode many links with it.
MASK_PATTERN = 2


@dataclass(frozen=True)
class Card:
    name: str
    title: str
    branch: str
    phone: str

    @classmethod
    def of(cls, staff: Staff) -> Card:
        return cls(staff.name, staff.title, staff.branch.name, staff.phone)

    def fingerprint(self) -> str:
        raw = "\x1f".join((self.name, self.title, self.branch, self.phone))
        return hashlib.sha256(raw.encode()).hexdigest()[:16]


@lru_cache(maxsize=4)  # ~6 MB each decoded
def _background(name: str) -> Image.Image:
    # Keyed by the stored file name, which changes whenever head office uploads a new one.
    with default_storage.open(name, "rb") as f:
        image = Image.open(f)
        image.load()
    return image.convert("RGB")


@lru_cache(maxsize=8)
def _background_plan(name: str, changing: tuple[png_bands.Band, ...]) -> tuple[png_bands.Segment, ...]:
    return png_bands.plan(_background(name), changing)


def _changing(layout: PosterLayout, height: int) -> tuple[png_bands.Band, ...]:
    """The rows a poster may differ from its background in: the QR box and each text slot with
    room for ascenders and descenders (what is drawn is checked against them)."""
    bands = [(layout.qr_y, layout.qr_y + layout.qr_size)]
    for spec in layout.slots.values():
        size = int(spec["size"])
        bands.append((int(spec["y"]) - size // 2, int(spec["y"]) + 2 * size))
    return png_bands.bands_merge(bands, height)


def _inside(box: tuple[float, float, float, float], bands: tuple[png_bands.Band, ...]) -> bool:
    return any(start <= box[1] and box[3] <= stop for start, stop in bands)


def qr_image(url: str, size: int) -> Image.Image:
    """A size×size white square holding the QR code (error correction M) with its quiet zone."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=QUIET_ZONE,
        box_size=1,
        mask_pattern=MASK_PATTERN,
    )
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()  # includes the quiet zone
    modules = len(matrix)
    small = Image.new("L", (modules, modules), 255)
    small.putdata([0 if dark else 255 for row in matrix for dark in row])
    scale = max(1, size // modules)
    big = small.resize((modules * scale, modules * scale), Image.Resampling.NEAREST)
    square = Image.new("L", (size, size), 255)
    offset = (size - big.width) // 2
    square.paste(big, (offset, offset))
    return square


def code_image(png: bytes, size: int) -> Image.Image:
    """A QR image someone else drew (WeCom's 联系我 code), fitted into a size×size white square.

    WeCom's image carries its own quiet zone; it is scaled as a whole (Lanczos keeps the module
    edges readable when shrinking), never cropped, and its text is never re-encoded here."""
    with Image.open(io.BytesIO(png)) as source:
        code = source.convert("L")
    side = max(code.width, code.height)
    framed = Image.new("L", (side, side), 255)
    framed.paste(code, ((side - code.width) // 2, (side - code.height) // 2))
    return framed.resize((size, size), Image.Resampling.LANCZOS)


def poster_render(*, layout: PosterLayout, card: Card, url: str, code_png: bytes | None = None) -> bytes:
    """The poster with a QR of `url`, or with `code_png` (a ready QR image) in the QR box."""
    image = _background(layout.background.name).copy()
    square = code_image(code_png, layout.qr_size) if code_png else qr_image(url, layout.qr_size)
    image.paste(square, (layout.qr_x, layout.qr_y))
    draw = ImageDraw.Draw(image)
    values = {"name": card.name, "title": card.title, "branch": card.branch, "phone": card.phone}
    changing = _changing(layout, image.height)
    spliceable = True
    for slot, spec in layout.slots.items():
        text = values.get(slot, "")
        if text:
            font = cjk_font(spec["size"])
            draw.text((spec["x"], spec["y"]), text, font=font, fill=spec["color"])
            drawn = draw.textbbox((spec["x"], spec["y"]), text, font=font)
            spliceable = spliceable and _inside(drawn, changing)
    if spliceable:
        return png_bands.encode(image, _background_plan(layout.background.name, changing))
    out = io.BytesIO()  # a glyph reached outside its band: encode the whole image
    image.save(out, "PNG", compress_level=1, compress_type=zlib.Z_RLE)
    return out.getvalue()


SAMPLE = Card("张晓明", "客户经理", "城东支行", "13800000101")


def poster_preview(*, layout: PosterLayout) -> bytes:
    """What head office sees while editing a layout: sample card, a sample link."""
    return poster_render(
        layout=layout, card=SAMPLE, url="https://example.com/s/preview-sample-token-0000000000"
    )
