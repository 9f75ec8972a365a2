from __future__ import annotations

import io

import pytest
from PIL import Image

from rm_portal.core.images import ImageRejected, image_decode, rejection_reason


def encoded(fmt: str, size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, fmt)
    return out.getvalue()


def test_a_whole_image_comes_back_loaded_and_the_stream_is_rewound():
    stream = io.BytesIO(encoded("PNG"))
    with image_decode(stream, formats={"PNG"}, max_pixels=10_000) as image:
        assert image.size == (64, 48) and image.getpixel((0, 0)) == (255, 0, 0)
    assert stream.tell() == 0 and not stream.closed


@pytest.mark.parametrize(
    ("data", "formats", "max_pixels", "code"),
    [
        (b"just some text, not an image", {"PNG"}, 10_000, ImageRejected.NOT_IMAGE),
        (encoded("JPEG", (400, 400))[:600], {"JPEG"}, 1_000_000, ImageRejected.BROKEN),
        (encoded("GIF"), {"PNG", "JPEG"}, 10_000, ImageRejected.FORMAT),
        (encoded("PNG", (200, 200)), {"PNG"}, 10_000, ImageRejected.PIXELS),
    ],
    ids=["text", "truncated", "format", "too-many-pixels"],
)
def test_untrustworthy_files_are_refused_with_a_reason(data, formats, max_pixels, code):
    with pytest.raises(ImageRejected) as caught:
        image_decode(data, formats=formats, max_pixels=max_pixels)
    assert caught.value.code == code
    assert rejection_reason(caught.value)  # always words a person can act on


def test_the_pixel_reason_names_the_size_read_from_the_header():
    with pytest.raises(ImageRejected) as caught:
        image_decode(encoded("PNG", (200, 150)), formats={"PNG"}, max_pixels=10_000)
    assert "200×150" in rejection_reason(caught.value)
