"""The RM's own 联系我 code on 我的 and on the landing page's business card; its image is WeCom's,
served by the product (the pages allow no foreign images), and it decodes to the code's text."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from materials.services.shares import poster_token
from rm_portal.wecom.models import ContactWay
from tests.materials.factories import poster
from tests.wecom.test_poster_codes import _media  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db


def decode(png: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_an_rm_makes_their_code_on_me_and_sees_it(client, rm, simulator):
    client.force_login(rm)
    page = client.get("/me/").content.decode()
    assert 'data-testid="contact-way-make"' in page
    assert client.post("/wecom/me/code/").status_code == 302
    way = ContactWay.objects.get(owner=rm, material=None)
    page = client.get("/me/").content.decode()
    assert 'data-testid="contact-way-image"' in page and 'data-testid="contact-way-make"' not in page
    image = client.get("/wecom/me/code.png")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert decode(image.content) == [f"https://work.weixin.qq.com/ca/c/{way.config_id}"]


def test_a_refusal_on_me_is_said_and_nothing_is_stored(client, rm, simulator, settings):
    settings.WECOM_CONTACT_SECRET = "wrong"
    client.force_login(rm)
    page = client.post("/wecom/me/code/", follow=True).content.decode()
    assert "40001" in page
    assert not ContactWay.objects.exists()


def test_without_wecom_me_says_so_and_other_roles_have_no_code(client, rm, lead01, settings):
    settings.WECOM_CORP_ID = ""
    client.force_login(rm)
    assert "企业微信客户联系未配置" in client.get("/me/").content.decode()
    client.force_login(lead01)
    assert 'data-testid="contact-way"' not in client.get("/me/").content.decode()
    assert client.post("/wecom/me/code/").status_code == 403
    assert client.get("/wecom/me/code.png").status_code == 403


def test_the_business_card_shows_the_rms_code_behind_a_live_token(client, rm, hq_admin, simulator):
    m = poster(hq_admin)
    token = poster_token(rm=rm, material=m).token
    assert 'data-testid="wecom-code"' not in client.get(f"/s/{token}").content.decode()
    assert client.get(f"/s/{token}/wecom-code").status_code == 404  # no code made yet
    from rm_portal.wecom.contact_ways import contact_way_of_rm

    way = contact_way_of_rm(user=rm)
    assert 'data-testid="wecom-code"' in client.get(f"/s/{token}").content.decode()
    image = client.get(f"/s/{token}/wecom-code")
    assert decode(image.content) == [f"https://work.weixin.qq.com/ca/c/{way.config_id}"]
    assert client.get("/s/not-a-live-token-000000000/wecom-code").status_code == 404
