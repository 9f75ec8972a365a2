"""The RM's own 联系我 code, asked of WeCom once (here: the bundled simulator, over HTTP) and reused;
its QR decodes to what WeCom gave; who may ask, and what an RM sees when WeCom cannot answer."""

from __future__ import annotations

import urllib.request

import pytest
import zxingcpp
from PIL import Image

from rm_portal.org.models import Staff
from rm_portal.wecom.models import ContactWay
from tests.wecom_sim.conftest import CONTACT_SECRET, CORP_ID

pytestmark = pytest.mark.django_db
URL = "/api/v1/me/contact-way/"


def test_an_rm_gets_their_code_once_and_the_same_code_after(api, rm, simulator):
    first = api(rm).get(URL)
    assert first.status_code == 200, first.content
    code = first.json()
    assert set(code) == {"config_id", "qr_code", "state"}
    assert len(code["state"]) <= 30
    way = simulator.state.contact_ways[code["config_id"]]
    assert (way["type"], way["scene"], way["user"], way["state"]) == (1, 2, ["zhangxm"], code["state"])
    again = api(rm).get(URL).json()
    assert again == code
    assert len(simulator.state.contact_ways) == 1  # asked of WeCom once


def test_the_code_decodes_to_the_text_wecom_gave(api, rm, simulator):
    code = api(rm).get(URL).json()
    with urllib.request.urlopen(code["qr_code"], timeout=10) as answer:
        image = Image.open(answer)
        image.load()
    decoded = zxingcpp.read_barcodes(image)
    assert [d.text for d in decoded] == [f"https://work.weixin.qq.com/ca/c/{code['config_id']}"]


def test_states_are_random_not_derived_from_the_person(api, rm, rm01b, simulator):
    Staff.objects.filter(user=rm01b).update(wechat_id="chenj")
    states = {api(rm).get(URL).json()["state"], api(rm01b).get(URL).json()["state"]}
    assert len(states) == 2
    assert not any("rm01" in state or "zhangxm" in state for state in states)


def test_only_an_rm_has_a_code(api, anon, lead01, hq_admin, compliance, simulator):
    assert anon.get(URL).status_code == 401
    for user in (lead01, hq_admin, compliance):
        assert api(user).get(URL).status_code == 403


def test_an_rm_without_a_wecom_account_is_told_and_nothing_is_asked(api, rm01a, simulator):
    Staff.objects.filter(user=rm01a).update(wechat_id="")
    r = api(rm01a).get(URL)
    assert r.status_code == 400
    assert "企业微信账号" in r.json()["detail"]
    assert simulator.state.contact_ways == {}


def test_wecom_down_is_a_503_in_plain_words_and_stores_nothing(api, rm, settings):
    settings.WECOM_API_BASE = "http://127.0.0.1:1"
    settings.WECOM_CORP_ID = CORP_ID
    settings.WECOM_CONTACT_SECRET = CONTACT_SECRET
    r = api(rm).get(URL)
    assert r.status_code == 503
    assert r.json() == {"detail": "企业微信暂不可用，请稍后再试"}
    assert not ContactWay.objects.exists()


def test_wecom_refusing_is_a_503_that_names_its_errcode(api, rm, simulator, settings):
    settings.WECOM_CONTACT_SECRET = "not-the-secret"
    r = api(rm).get(URL)
    assert r.status_code == 503
    assert "40001" in r.json()["detail"]
    assert not ContactWay.objects.exists()
