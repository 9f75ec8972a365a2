"""Per-poster 联系我 codes: with WeCom configured (here the bundled simulator, over HTTP) the RM's
poster carries WeCom's code for that RM and poster; without WeCom, or when WeCom fails, the
landing-page QR stays and the poster still renders."""

from __future__ import annotations

import io
import urllib.request

import pytest
import zxingcpp
from django.core.cache import cache
from PIL import Image

from materials.models import ShareToken
from rm_portal.org.models import Staff
from rm_portal.wecom.contact_ways import PAUSE_KEY, contact_way_of_poster, contact_way_of_rm
from rm_portal.wecom.models import ContactWay
from tests.materials.factories import poster

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    from materials import posters

    posters._background.cache_clear()
    yield
    posters._background.cache_clear()


def decode(png: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def wecom_text(qr_code_url: str) -> str:
    """What WeCom's own image of the code holds, read the way a phone reads it."""
    with urllib.request.urlopen(qr_code_url, timeout=10) as answer:
        texts = decode(answer.read())
    assert len(texts) == 1
    return texts[0]


def get_poster(client, material):
    return client.get(f"/api/v1/materials/{material.pk}/poster.png")


def test_with_wecom_the_poster_qr_is_the_posters_own_code(api, rm, hq_admin, simulator):
    m = poster(hq_admin)
    r = get_poster(api(rm), m)
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    way = ContactWay.objects.get(owner=rm, material=m)
    assert decode(r.content) == [wecom_text(way.qr_code)]
    assert wecom_text(way.qr_code) == f"https://work.weixin.qq.com/ca/c/{way.config_id}"
    asked = simulator.state.contact_ways[way.config_id]
    assert (asked["type"], asked["scene"], asked["user"], asked["state"]) == (1, 2, ["zhangxm"], way.state)
    assert len(way.state) <= 30


def test_the_posters_code_is_made_once_and_the_poster_served_from_the_cache(api, rm, hq_admin, simulator):
    m = poster(hq_admin)
    first = get_poster(api(rm), m).content
    simulator.state.contact_ways.clear()  # WeCom forgetting would show if we asked again
    again = get_poster(api(rm), m)
    assert again.content == first
    assert simulator.state.contact_ways == {}
    assert ContactWay.objects.filter(owner=rm).count() == 1


def test_each_rm_and_poster_gets_its_own_code_apart_from_the_personal_one(
    api, rm, rm01b, hq_admin, simulator
):
    Staff.objects.filter(user=rm01b).update(wechat_id="chenj")
    one, two = poster(hq_admin), poster(hq_admin, title="开门红海报")
    texts = set()
    for user in (rm, rm01b):
        for m in (one, two):
            texts.add(tuple(decode(get_poster(api(user), m).content)))
    assert len(texts) == 4
    own = contact_way_of_rm(user=rm)
    assert own.material is None
    assert contact_way_of_rm(user=rm) == own  # not one of the poster codes
    states = list(ContactWay.objects.values_list("state", flat=True))
    assert len(states) == 5 == len(set(states))
    assert all(len(s) <= 30 and s.startswith("r") for s in states)
    assert not any("rm01" in s or "zhangxm" in s or str(one.pk) == s[1:] for s in states)


def test_without_wecom_the_poster_keeps_the_landing_qr(api, rm, hq_admin, settings):
    settings.WECOM_CORP_ID = ""
    m = poster(hq_admin)
    r = get_poster(api(rm), m)
    token = ShareToken.objects.get(rm=rm, material=m, channel="poster").token
    assert decode(r.content) == [f"http://testserver/s/{token}"]
    assert not ContactWay.objects.exists()


def test_an_rm_without_a_wecom_account_keeps_the_landing_qr(api, rm01a, hq_admin, simulator):
    Staff.objects.filter(user=rm01a).update(wechat_id="")
    m = poster(hq_admin)
    r = get_poster(api(rm01a), m)
    assert r.status_code == 200
    assert decode(r.content)[0].startswith("http://testserver/s/")
    assert simulator.state.contact_ways == {}


def test_wecom_down_still_renders_with_the_landing_qr_and_the_code_comes_when_it_is_back(
    api, rm, hq_admin, simulator, settings
):
    m = poster(hq_admin)
    live = settings.WECOM_API_BASE
    settings.WECOM_API_BASE = "http://127.0.0.1:1"
    r = get_poster(api(rm), m)
    assert r.status_code == 200
    assert decode(r.content)[0].startswith("http://testserver/s/")
    assert not ContactWay.objects.exists()
    settings.WECOM_API_BASE = live
    # Within the pause the poster is the cached landing one, without asking WeCom again.
    assert get_poster(api(rm), m).content == r.content
    assert simulator.state.contact_ways == {}
    cache.delete(PAUSE_KEY)
    way_text = decode(get_poster(api(rm), m).content)
    way = ContactWay.objects.get(owner=rm, material=m)
    assert way_text == [wecom_text(way.qr_code)]


def test_an_unreachable_code_image_keeps_the_landing_qr(api, rm, hq_admin, simulator):
    m = poster(hq_admin)
    way = contact_way_of_poster(user=rm, material=m)
    ContactWay.objects.filter(pk=way.pk).update(qr_code="http://127.0.0.1:1/wwqrcode/gone.png")
    r = get_poster(api(rm), m)
    assert r.status_code == 200
    assert decode(r.content)[0].startswith("http://testserver/s/")
