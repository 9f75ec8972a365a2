from __future__ import annotations

import pytest

from materials.models import OverrideLog, ShareToken
from rm_portal.customers.models import TimelineEvent
from tests.materials.factories import customer, product, script

pytestmark = pytest.mark.django_db


def share(client, material, **body):
    return client.post(f"/api/v1/materials/{material.pk}/share/", body, format="json")


def test_share_text_is_personalised_and_ends_with_the_tracked_link(api, rm01a, hq_admin):
    m = script(hq_admin, body="{customer_name}您好，我是{branch}的{rm_title}{rm_name}，电话{rm_phone}。")
    c = customer(rm01a)
    r = share(api(rm01a), m, customer=c.cust_no)
    assert r.status_code == 201, r.json()
    data = r.json()
    assert len(data["token"]) >= 22  # ≥ 128 bits of url-safe base64
    assert data["url"] == f"http://testserver/s/{data['token']}"
    assert data["text"].endswith(data["url"])
    assert "王阿姨您好，我是城东支行的客户经理张晓明" in data["text"]
    assert rm01a.staff.phone in data["text"]
    assert data["rule"] == "not_checked"
    event = TimelineEvent.objects.get(customer=c)
    assert event.kind == "material_share" and event.actor == rm01a


def test_share_without_customer(api, rm01a, hq_admin):
    data = share(api(rm01a), script(hq_admin)).json()
    assert data["text"].startswith("尊敬的客户您好，我是城东支行") and data["rule"] == "not_checked"


def test_tokens_are_unique_per_share(api, rm01a, hq_admin):
    m = script(hq_admin)
    tokens = {share(api(rm01a), m).json()["token"] for _ in range(5)}
    assert len(tokens) == 5


def test_product_to_a_suitable_consenting_customer_passes(api, rm01a, hq_admin):
    m = product(hq_admin, risk_level="R3")
    data = share(api(rm01a), m, customer=customer(rm01a, risk_rating="C3").cust_no).json()
    assert data["rule"] == "passed"
    assert "产品风险等级：R3" in data["text"]


def test_product_above_the_customers_rating_is_refused_with_the_rule(api, rm01a, hq_admin):
    m = product(hq_admin, risk_level="R4")
    r = share(api(rm01a), m, customer=customer(rm01a, risk_rating="C2").cust_no)
    assert r.status_code == 409
    assert r.json()["rule"] == "suitability" and "C2" in r.json()["detail"] and "R4" in r.json()["detail"]
    assert not ShareToken.objects.exists()


def test_product_without_consent_is_refused(api, rm01a, hq_admin):
    m = product(hq_admin, risk_level="R1", marketing_category="fund")
    r = share(api(rm01a), m, customer=customer(rm01a, consents={"wealth": True, "fund": False}).cust_no)
    assert r.status_code == 409 and r.json()["rule"] == "consent"


def test_unrated_customer_is_refused(api, rm01a, hq_admin):
    r = share(api(rm01a), product(hq_admin), customer=customer(rm01a, risk_rating="").cust_no)
    assert r.status_code == 409 and r.json()["rule"] == "suitability"


def test_override_needs_head_office_permission_and_a_reason(api, rm01a, hq_admin, compliance, rm02a):
    c = customer(rm01a, risk_rating="C1")
    strict = product(hq_admin, risk_level="R3")
    r = share(api(rm01a), strict, customer=c.cust_no, override_reason="客户坚持")
    assert r.status_code == 409 and "总行未允许" in r.json()["detail"]
    lenient = product(hq_admin, risk_level="R3", allow_override=True, title="可越权产品")
    assert share(api(rm01a), lenient, customer=c.cust_no).status_code == 409
    r = share(api(rm01a), lenient, customer=c.cust_no, override_reason="客户书面确认了解风险")
    assert r.status_code == 201 and r.json()["rule"] == "override"
    log = OverrideLog.objects.get()
    assert log.rules == ["suitability"] and log.reason == "客户书面确认了解风险"
    # Compliance sees the override; an RM of another branch does not.
    rows = api(compliance).get("/api/v1/materials/overrides/").json()["results"]
    assert rows[0]["customer"] == c.cust_no and rows[0]["rm"]["username"] == "rm01a"
    assert api(rm02a).get("/api/v1/materials/overrides/").status_code == 403


def test_share_scoping(api, anon, rm01a, rm02a, lead01, hq_admin, compliance):
    b02_only = script(hq_admin, branches=["B02"])
    draft = script(hq_admin, publish_from=None)
    assert share(api(rm01a), b02_only).status_code == 404
    assert share(api(rm01a), draft).status_code == 404
    assert share(api(rm02a), b02_only).status_code == 201
    # Another RM's customer: the same 404 as a missing one.
    assert share(api(rm02a), b02_only, customer=customer(rm01a).cust_no).status_code == 404
    assert share(api(rm02a), b02_only, customer="NOPE").status_code == 404
    for user in (lead01, hq_admin, compliance):
        assert share(api(user), b02_only).status_code == 403
    assert share(anon, b02_only).status_code == 401


@pytest.mark.parametrize("body", [{"customer": 5}, {"who": "x"}, {"customer": "x" * 40}, [1, 2]])
def test_bad_share_input(api, rm01a, hq_admin, body):
    m = script(hq_admin)
    r = api(rm01a).post(f"/api/v1/materials/{m.pk}/share/", body, format="json")
    assert r.status_code in (400, 404)
    assert not ShareToken.objects.exists()
