"""The RM's WeChat QR on the public landing page: shown on the card, served only behind a live token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from materials.models import ShareToken, ViewEvent
from rm_portal.org.models import Staff
from rm_portal.org.services import staff_deactivate, staff_wechat_qr_set
from tests.materials.factories import script
from tests.materials.test_landing import make_share, visit
from tests.org.test_wechat_qr import png_with_text

pytestmark = pytest.mark.django_db


def with_qr(user) -> Staff:
    staff = Staff.objects.get(user=user)
    return staff_wechat_qr_set(staff=staff, upload=SimpleUploadedFile("qr.png", png_with_text()))


def fetch_qr(token: str):
    return Client().get(f"/s/{token}/wechat-qr")


def test_landing_card_shows_the_qr_for_a_live_token(api, rm01a, hq_admin):
    staff = with_qr(rm01a)
    token = make_share(api, rm01a, script(hq_admin))
    html = visit(token).content.decode()
    assert f'src="/s/{token}/wechat-qr"' in html
    assert "长按识别二维码，加我微信" in html
    r = fetch_qr(token)
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert b"".join(r.streaming_content) == staff.wechat_qr.open("rb").read()
    assert r["Referrer-Policy"] == "no-referrer"
    assert ViewEvent.objects.count() == 1  # the image is not a second view


def test_no_qr_no_image(api, rm01a, hq_admin):
    token = make_share(api, rm01a, script(hq_admin))
    html = visit(token).content.decode()
    assert "/wechat-qr" not in html and "加我微信" in html
    assert fetch_qr(token).status_code == 404


def test_public_qr_is_the_same_friendly_404_for_unknown_expired_and_left_rms(api, rm01a, rm01b, hq_admin):
    with_qr(rm01a)
    with_qr(rm01b)
    token = make_share(api, rm01a, script(hq_admin))
    expired = make_share(api, rm01a, script(hq_admin, title="另一篇"))
    ShareToken.objects.filter(token=expired).update(expires_at=timezone.now() - timedelta(seconds=1))
    left = make_share(api, rm01b, script(hq_admin, title="第三篇"))
    staff_deactivate(staff=Staff.objects.get(user=rm01b))
    pages = [fetch_qr(t) for t in ("A" * 32, "short", token[:-1] + "!", expired, left)]
    assert {p.status_code for p in pages} == {404}
    bodies = {p.content.decode() for p in pages} | {visit("A" * 32).content.decode()}
    assert len(bodies) == 1 and "链接已失效" in bodies.pop()
    assert fetch_qr(token).status_code == 200
