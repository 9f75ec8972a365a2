"""The gateway's copy is the record: an RM's own upload of a message never shadows it, and where
the two copies disagree (content, direction, time, conversation) an alert says so."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from compliance.models import Alert, Message, Source
from compliance.services.chain import archive_verify
from rm_portal.org.models import Role
from tests.compliance.factories import CustomerFactory, demo_terms, item
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/compliance/messages/"
REAL = "这款理财保本保收益，私下转账给我"


@pytest.fixture
def gateway(hq):
    return StaffFactory(user__username="gateway", role=Role.GATEWAY, branch=hq, name="网关").user


@pytest.fixture
def customer(b01, rm01a):
    return CustomerFactory(branch=b01, owner=rm01a)


def _msg(customer, content: str, **overrides) -> dict:
    base = {"external_id": "wx-42", "external_contact": None, "customer": customer.cust_no}
    return item("rm01a", content, **{**base, **overrides})


def _post(client, *items):
    r = client.post(URL, {"messages": list(items)}, format="json")
    assert r.status_code == 200, r.content
    return r.json()


def _intact() -> None:
    _checked, broken = archive_verify()
    assert broken is None, broken
    call_command("verify_archive")


def test_rm_first_then_gateway_the_gateways_copy_is_stored_and_alerted(api, gateway, rm01a, customer):
    demo_terms()
    sent = (timezone.now() - timedelta(minutes=5)).isoformat()
    assert _post(api(rm01a), _msg(customer, "明天见", sent_at=sent))["stored"] == 1
    body = _post(api(gateway), _msg(customer, REAL, sent_at=sent))
    assert body["stored"] == 1 and body["duplicates"] == 0 and body["hits"] == 1
    real = Message.objects.get(source=Source.GATEWAY)
    assert real.content == REAL
    alert = Alert.objects.get(message=real)
    terms = [h["term"] for h in alert.hits]
    assert {"保本", "私下转账"} <= set(terms)
    assert "与网关存档不一致：内容" in terms
    assert Message.objects.get(source=Source.RM).content == "明天见"  # the claim is kept as evidence
    # redeliveries from either side store nothing twice
    assert _post(api(gateway), _msg(customer, REAL, sent_at=sent))["duplicates"] == 1
    assert _post(api(rm01a), _msg(customer, "明天见", sent_at=sent))["duplicates"] == 1
    assert Message.objects.count() == 2
    _intact()


def test_gateway_first_then_rm_a_differing_copy_is_kept_beside_it_and_alerted(api, gateway, rm01a, customer):
    demo_terms()
    sent = (timezone.now() - timedelta(minutes=5)).isoformat()
    assert _post(api(gateway), _msg(customer, REAL, sent_at=sent))["hits"] == 1
    body = _post(api(rm01a), _msg(customer, "明天见", sent_at=sent))
    assert body["stored"] == 1 and body["hits"] == 1
    claim = Message.objects.get(source=Source.RM)
    alert = Alert.objects.get(message=claim)
    assert [h["term"] for h in alert.hits] == ["与网关存档不一致：内容"]
    assert alert.severity == "block"
    hit = alert.hits[0]
    assert claim.content[hit["start"] : hit["end"]] == hit["matched"]
    # the gateway's copy, and its own alert, are untouched
    real = Message.objects.get(source=Source.GATEWAY)
    assert real.content == REAL and Alert.objects.filter(message=real).exists()
    _intact()


def test_an_rm_copy_that_agrees_with_the_gateways_is_a_duplicate(api, gateway, rm01a, customer):
    same = _msg(customer, "您好")
    _post(api(gateway), same)
    assert _post(api(rm01a), same) == {"stored": 0, "duplicates": 1, "hits": 0, "errors": []}
    assert Message.objects.count() == 1 and not Alert.objects.exists()


def test_direction_and_time_the_rm_claims_are_checked_against_the_gateway(api, gateway, rm01a, customer):
    sent = timezone.now() - timedelta(minutes=5)
    _post(api(gateway), _msg(customer, "您好", sent_at=sent.isoformat(), direction="in"))
    claim = _msg(customer, "您好", sent_at=(sent - timedelta(hours=2)).isoformat(), direction="out")
    assert _post(api(rm01a), claim)["hits"] == 1
    alert = Alert.objects.get(message__source=Source.RM)
    assert [h["term"] for h in alert.hits] == ["与网关存档不一致：方向、时间"]
    _intact()


def test_an_rm_may_attach_messages_only_to_their_own_customers(api, rm01a, rm01b, b02, customer):
    colleagues = CustomerFactory(branch=customer.branch, owner=rm01b)
    other_branch = CustomerFactory(branch=b02)
    body = _post(
        api(rm01a),
        _msg(customer, "自己的客户", external_id="a"),
        _msg(colleagues, "同事的客户", external_id="b"),
        _msg(other_branch, "别的支行", external_id="c"),
    )
    assert body["stored"] == 1
    assert [e["index"] for e in body["errors"]] == [1, 2]
    assert all(e["detail"].startswith("customer:") for e in body["errors"])


def test_one_rm_cannot_shadow_another_rms_upload(api, rm01a, rm01b):
    assert _post(api(rm01b), item("rm01b", "抢先", external_id="wx-7"))["stored"] == 1
    assert _post(api(rm01a), item("rm01a", "我的", external_id="wx-7"))["stored"] == 1
    assert Message.objects.filter(external_id="wx-7").count() == 2
    _intact()
