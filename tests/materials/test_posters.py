from __future__ import annotations

import io
import json

import pytest
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw

from materials import posters
from materials.fonts import cjk_font, cjk_font_path
from materials.models import ShareToken
from tests.conftest import need
from tests.materials.factories import LAYOUT, png_upload, poster, script

pytestmark = pytest.mark.django_db


def decode(png: bytes) -> list[str]:
    import zxingcpp

    image = Image.open(io.BytesIO(png))
    return [result.text for result in zxingcpp.read_barcodes(image)]


def glyph(font, char: str) -> bytes:
    image = Image.new("L", (100, 100), 0)
    ImageDraw.Draw(image).text((0, 0), char, font=font, fill=255)
    return image.tobytes()


def font_available() -> bool:
    try:
        cjk_font_path()
    except Exception:
        return False
    return True


@pytest.fixture
def renders(monkeypatch):
    calls: list[str] = []
    real = posters.poster_render

    def counting(**kwargs):
        calls.append(kwargs["card"].name)
        return real(**kwargs)

    monkeypatch.setattr(posters, "poster_render", counting)
    return calls


def get_poster(client, material):
    return client.get(f"/api/v1/materials/{material.pk}/poster.png")


def test_each_rms_poster_qr_decodes_to_their_own_landing_url(api, rm01a, rm01b, rm02a, hq_admin):
    need(font_available(), "fonts-noto-cjk is not installed")
    m = poster(hq_admin)
    for user in (rm01a, rm01b, rm02a):
        r = get_poster(api(user), m)
        assert r.status_code == 200 and r["Content-Type"] == "image/png"
        image = Image.open(io.BytesIO(r.content))
        assert image.size == (1080, 1920)
        token = ShareToken.objects.get(rm=user, material=m, channel="poster").token
        assert decode(r.content) == [f"http://testserver/s/{token}"]


def test_qr_keeps_its_quiet_zone_and_error_correction_m(api, rm01a, hq_admin):
    need(font_available(), "fonts-noto-cjk is not installed")
    import zxingcpp

    m = poster(hq_admin)
    image = Image.open(io.BytesIO(get_poster(api(rm01a), m).content)).convert("L")
    box = image.crop((LAYOUT["qr_x"], LAYOUT["qr_y"], LAYOUT["qr_x"] + 320, LAYOUT["qr_y"] + 320))
    # Four modules of white around the code: with 320 px for 45 modules, 7 px a module.
    assert box.crop((0, 0, 320, 28)).getextrema()[0] == 255
    assert box.crop((0, 0, 28, 320)).getextrema()[0] == 255
    result = zxingcpp.read_barcodes(box)[0]
    assert result.ec_level in ("M", "Q", "H")


def test_cjk_text_is_drawn_with_a_font_that_has_the_glyphs(api, rm01a, hq_admin):
    need(font_available(), "fonts-noto-cjk is not installed")
    font = cjk_font(72)
    tofu = glyph(font, "\U0010fffd")  # what the font draws for a character it does not have
    for char in "张晓明客户经理城东支行":
        drawn = glyph(font, char)
        assert drawn != tofu and any(drawn), char
    # And the name slot on the poster is no longer the plain background.
    m = poster(hq_admin)
    image = Image.open(io.BytesIO(get_poster(api(rm01a), m).content)).convert("RGB")
    name_box = image.crop((80, 1500, 80 + 72 * 3, 1500 + 100))
    assert len(name_box.getcolors(maxcolors=100000) or []) > 2


def test_repeat_is_a_file_read_and_changes_invalidate(api, rm01a, hq_admin, renders):
    need(font_available(), "fonts-noto-cjk is not installed")
    m = poster(hq_admin)
    client = api(rm01a)
    first = get_poster(client, m).content
    second = get_poster(client, m).content
    assert first == second and renders == ["张晓明"]
    folder = f"posters/m{m.pk}/u{rm01a.pk}"
    assert len(default_storage.listdir(folder)[1]) == 1
    # The RM's profile changes: a new poster, the stale file is gone.
    staff = rm01a.staff
    staff.title = "高级客户经理"
    staff.save()
    get_poster(client, m)
    assert len(renders) == 2 and len(default_storage.listdir(folder)[1]) == 1
    # Head office edits the template: a new version renders again.
    r = api(hq_admin).patch(
        f"/api/v1/materials/{m.pk}/", {"layout": json.dumps({"qr_size": 300})}, format="multipart"
    )
    assert r.status_code == 200 and r.json()["version"] == 2
    third = get_poster(client, m).content
    assert len(renders) == 3 and len(default_storage.listdir(folder)[1]) == 1
    token = ShareToken.objects.get(rm=rm01a, material=m, channel="poster").token
    assert decode(third) == [f"http://testserver/s/{token}"]


def test_poster_scoping(api, anon, rm01a, rm02a, lead01, hq_admin, compliance):
    b02_only = poster(hq_admin, branches=["B02"])
    draft = poster(hq_admin, publish_from=None, title="草稿海报")
    assert get_poster(api(rm01a), b02_only).status_code == 404
    assert get_poster(api(rm01a), draft).status_code == 404
    assert get_poster(api(rm01a), script(hq_admin)).status_code == 404
    assert get_poster(api(rm01a), type("M", (), {"pk": 999999})()).status_code == 404
    for user in (lead01, hq_admin, compliance):
        assert get_poster(api(user), b02_only).status_code == 403
    assert get_poster(anon, b02_only).status_code == 401
    assert not ShareToken.objects.filter(rm=rm01a).exists()


def test_head_office_preview(api, hq_admin, rm01a):
    need(font_available(), "fonts-noto-cjk is not installed")
    m = poster(hq_admin)
    r = api(hq_admin).get(f"/api/v1/materials/{m.pk}/preview.png")
    assert r.status_code == 200 and decode(r.content)
    assert api(rm01a).get(f"/api/v1/materials/{m.pk}/preview.png").status_code == 403


@pytest.mark.parametrize(
    ("layout", "message"),
    [
        ({**LAYOUT, "qr_x": 900}, "超出"),
        ({**LAYOUT, "qr_y": -1}, "超出"),
        ({**LAYOUT, "qr_size": 100}, "太小"),
        ({**LAYOUT, "slots": {"nickname": {"x": 1, "y": 1}}}, "未知文字位"),
        ({**LAYOUT, "slots": {"name": {"x": 5000, "y": 1}}}, "超出"),
        ({**LAYOUT, "slots": {"name": {"x": 1, "y": 1, "color": "red"}}}, "颜色"),
        ({"qr_x": "a"}, "整数"),
    ],
)
def test_bad_layout_is_rejected_on_save(api, hq_admin, layout, message):
    r = api(hq_admin).post(
        "/api/v1/materials/",
        {"kind": "poster", "title": "海报", "background": png_upload(), "layout": json.dumps(layout)},
        format="multipart",
    )
    assert r.status_code == 400
    assert message in json.dumps(r.json(), ensure_ascii=False)


def test_a_missing_cjk_font_is_a_clear_503(api, rm01a, hq_admin, monkeypatch, settings):
    from materials import fonts

    m = poster(hq_admin)
    settings.RM_CJK_FONT = ""
    monkeypatch.setattr(fonts, "CANDIDATES", [("/nonexistent/font.ttc", 0)])
    fonts.cjk_font_path.cache_clear()
    fonts.cjk_font.cache_clear()
    try:
        r = get_poster(api(rm01a), m)
    finally:
        fonts.cjk_font_path.cache_clear()
        fonts.cjk_font.cache_clear()
    assert r.status_code == 503 and "fonts-noto-cjk" in r.json()["detail"]


def test_preview_of_anything_but_a_poster_template_is_a_404(api, hq_admin):
    assert api(hq_admin).get(f"/api/v1/materials/{script(hq_admin).pk}/preview.png").status_code == 404
    assert api(hq_admin).get("/api/v1/materials/999999/preview.png").status_code == 404


def test_the_configured_font_comes_from_settings(settings):
    from materials import fonts

    settings.RM_CJK_FONT = "/nonexistent/configured.ttc"
    fonts.cjk_font_path.cache_clear()
    try:
        with pytest.raises(fonts.FontMissing, match=r"RM_CJK_FONT=/nonexistent/configured\.ttc"):
            fonts.cjk_font_path()
    finally:
        fonts.cjk_font_path.cache_clear()


def test_a_malformed_font_index_stops_start_up_naming_it(tmp_path):
    from tests.settings_probe import settings_in_subprocess

    run = settings_in_subprocess({"RM_VAR_DIR": str(tmp_path), "RM_CJK_FONT_INDEX": "abc"})
    assert run.returncode != 0
    assert "RM_CJK_FONT_INDEX" in run.stderr


def test_a_cached_poster_is_one_query_and_never_touches_pillow(rm01a, hq_admin, monkeypatch):
    need(font_available(), "fonts-noto-cjk is not installed")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from materials.services.posters import poster_make

    m = poster(hq_admin)
    first = poster_make(rm=rm01a, material=m, url_for=lambda token: f"https://rm.example.com/s/{token}")

    def no_pillow(*args, **kwargs):
        raise AssertionError("Pillow was used for a cached poster")

    monkeypatch.setattr(Image, "open", no_pillow)
    monkeypatch.setattr(Image.Image, "save", no_pillow)
    monkeypatch.setattr(posters, "poster_render", no_pillow)
    with CaptureQueriesContext(connection) as ctx:
        again = poster_make(rm=rm01a, material=m, url_for=lambda token: f"https://rm.example.com/s/{token}")
    assert again == first
    assert len(ctx.captured_queries) == 1  # the link with the RM's card


def photo_like(width: int = 1080, height: int = 1920) -> Image.Image:
    """A noisy, blurred background: every PNG row filter gets used, unlike a flat colour."""
    import random

    from PIL import ImageFilter

    noise = random.Random(7).randbytes(width * height * 3)
    return Image.frombytes("RGB", (width, height), noise).filter(ImageFilter.GaussianBlur(2))


def test_spliced_png_is_pixel_for_pixel_the_drawn_poster():
    import zlib

    from materials import png_bands

    background = photo_like(540, 400)
    changing = png_bands.bands_merge([(100, 160), (150, 200), (390, 450), (-5, 3)], background.height)
    assert changing == ((0, 3), (100, 200), (390, 400))
    segments = png_bands.plan(background, changing)
    for k in range(3):
        image = background.copy()
        draw = ImageDraw.Draw(image)
        draw.rectangle((10 + k, 110, 300, 190), fill=(k * 60, 0, 0))
        draw.rectangle((0, 0, 539, 2), fill=(0, 0, 255))
        draw.rectangle((0, 392, 100, 399), fill=(0, 255, 0))
        data = png_bands.encode(image, segments)
        decoded = Image.open(io.BytesIO(data))
        assert decoded.size == image.size and decoded.mode == "RGB"
        assert decoded.tobytes() == image.tobytes()
    # The zlib stream is whole: its checksum is verified when inflated in one go.
    idat = data[data.index(b"IDAT") + 4 : data.index(b"IEND") - 8]
    assert len(zlib.decompress(idat)) == (1 + 540 * 3) * 400


def test_adler32_combined_from_parts_equals_the_whole():
    import zlib

    from materials.png_bands import adler32_combine

    a, b = b"x" * 70_000 + b"abc", bytes(range(256)) * 300
    assert adler32_combine(zlib.adler32(a), zlib.adler32(b), len(b)) == zlib.adler32(a + b)
    assert adler32_combine(1, zlib.adler32(b), len(b)) == zlib.adler32(b)


def test_poster_on_a_photo_background_matches_a_full_encode_and_stays_phone_sized(monkeypatch):
    need(font_available(), "fonts-noto-cjk is not installed")
    from types import SimpleNamespace

    from django.core.files.base import ContentFile

    out = io.BytesIO()
    photo_like().save(out, "PNG")
    name = default_storage.save("backgrounds/photo.png", ContentFile(out.getvalue()))
    layout = SimpleNamespace(background=SimpleNamespace(name=name), **LAYOUT)
    url = "https://rm.example.com/s/abcdefghijklmnopqrstuvwxyz012345"
    data = posters.poster_render(layout=layout, card=posters.SAMPLE, url=url)
    assert decode(data) == [url]
    assert len(data) < 8 * 1024 * 1024  # a noise photo; a real design compresses far better
    # The same drawing, encoded whole by Pillow, has the same pixels.
    monkeypatch.setattr(posters, "_changing", lambda layout, height: ())  # nothing may change: fall back
    whole = posters.poster_render(layout=layout, card=posters.SAMPLE, url=url)
    assert whole != data  # the two ways really differ in how they encode
    assert Image.open(io.BytesIO(whole)).tobytes() == Image.open(io.BytesIO(data)).tobytes()


@pytest.mark.parametrize("seed", range(3))
def test_the_fixed_qr_mask_decodes_for_many_links(seed):
    import random
    import string

    rng = random.Random(seed)
    for length in (20, 32, 43, 60, 90):
        token = "".join(rng.choice(string.ascii_letters + string.digits + "-_") for _ in range(length))
        url = f"https://rm.example.com/s/{token}"
        square = posters.qr_image(url, 320).convert("RGB")
        canvas = Image.new("RGB", (400, 400), "white")
        canvas.paste(square, (40, 40))
        out = io.BytesIO()
        canvas.save(out, "PNG")
        assert decode(out.getvalue()) == [url]
