"""PNG encoding of a poster that only differs from its background in a few horizontal bands.

Encoding a whole 1080×1920 RGB image costs 40–300 ms (Pillow filters every row five ways and
deflates 6 MB), yet an RM's poster differs from the template's background only in the rows of the
QR box and of the text slots. The rows outside those bands are filtered and deflated ONCE per
background and band layout (kept per process); each poster deflates only its own bands and splices
the segments into one zlib stream. Deflate segments ended with a full flush are byte-aligned and
independent, so they concatenate; the Adler-32 of the whole is combined from the parts' checksums.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass

from PIL import Image

Band = tuple[int, int]  # rows [start, stop) that change per poster
ADLER_BASE = 65521
# Filters that read the row above: a kept row right under a changed band must not use them.
FILTERS_READING_ABOVE = (2, 3, 4)


@dataclass(frozen=True)
class Segment:
    start: int
    stop: int
    kept: bool  # the background's rows, deflated once
    deflated: bytes = b""
    adler: int = 1
    length: int = 0


def adler32_combine(first: int, second: int, second_length: int) -> int:
    """The Adler-32 of A+B from those of A and B (zlib's adler32_combine, which Python lacks)."""
    rem = second_length % ADLER_BASE
    sum1 = first & 0xFFFF
    sum2 = (rem * sum1) % ADLER_BASE
    sum1 += (second & 0xFFFF) + ADLER_BASE - 1
    sum2 += ((first >> 16) & 0xFFFF) + ((second >> 16) & 0xFFFF) + ADLER_BASE - rem
    sum1 %= ADLER_BASE
    sum2 %= ADLER_BASE
    return sum1 | (sum2 << 16)


def bands_merge(bands: list[Band], height: int) -> tuple[Band, ...]:
    """Clipped to the image, sorted, overlapping or touching bands joined."""
    merged: list[list[int]] = []
    for start, stop in sorted((max(0, a), min(height, b)) for a, b in bands):
        if start >= stop:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], stop)
        else:
            merged.append([start, stop])
    return tuple((a, b) for a, b in merged)


def _filtered_rows(image: Image.Image) -> list[bytes]:
    """Each row as Pillow's adaptive filter leaves it (filter byte first): a stored (level 0)
    encoding, inflated again."""
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=0)
    data = out.getvalue()
    idat = bytearray()
    at = 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        if kind == b"IDAT":
            idat += data[at + 8 : at + 8 + length]
        at += 12 + length
    raw = zlib.decompress(bytes(idat))
    stride = 1 + image.width * 3
    return [raw[i : i + stride] for i in range(0, len(raw), stride)]


def _deflate(raw: bytes, *, level: int, strategy: int) -> bytes:
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15, 9, strategy)
    return compressor.compress(raw) + compressor.flush(zlib.Z_FULL_FLUSH)


def plan(background: Image.Image, changing: tuple[Band, ...]) -> tuple[Segment, ...]:
    """The background cut at the changing bands; the kept parts deflated well (callers keep it)."""
    rows = _filtered_rows(background)
    plain = background.tobytes()
    stride = background.width * 3
    segments: list[Segment] = []
    at = 0
    for start, stop in (*changing, (background.height, background.height)):
        if at < start:
            kept = list(rows[at:start])
            if at > 0 and kept[0][0] in FILTERS_READING_ABOVE:
                kept[0] = b"\x00" + plain[at * stride : (at + 1) * stride]
            raw = b"".join(kept)
            deflated = _deflate(raw, level=6, strategy=zlib.Z_DEFAULT_STRATEGY)
            segments.append(Segment(at, start, True, deflated, zlib.adler32(raw), len(raw)))
        if start < stop:
            segments.append(Segment(start, stop, False))
        at = stop
    return tuple(segments)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(body, zlib.crc32(kind)))


def encode(image: Image.Image, segments: tuple[Segment, ...]) -> bytes:
    """`image` (RGB, its background's size) as PNG, reusing the kept segments of its background;
    the changed bands are stored unfiltered and deflated fast (run-length)."""
    stride = image.width * 3
    parts = [b"\x78\x01"]
    adler = 1
    for segment in segments:
        if segment.kept:
            parts.append(segment.deflated)
            adler = adler32_combine(adler, segment.adler, segment.length)
            continue
        band = image.crop((0, segment.start, image.width, segment.stop)).tobytes()
        raw = b"".join(b"\x00" + band[i : i + stride] for i in range(0, len(band), stride))
        parts.append(_deflate(raw, level=1, strategy=zlib.Z_RLE))
        adler = zlib.adler32(raw, adler)
    parts.append(b"\x03\x00")  # an empty final block ends the stream
    parts.append(struct.pack(">I", adler))
    header = struct.pack(">IIBBBBB", image.width, image.height, 8, 2, 0, 0, 0)
    idat = _chunk(b"IDAT", b"".join(parts))
    return b"".join((b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", header), idat, _chunk(b"IEND", b"")))
