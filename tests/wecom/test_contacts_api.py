"""GET /api/v1/contacts/, its detail and POST …/bind/: who sees which contacts, the masked brief,
binding and rebinding, and every refusal answering JSON and storing nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rm_portal.customers.models import Customer, TimelineEvent
from rm_portal.opportunities.models import Opportunity, OpportunityRule
from rm_portal.wecom.models import ContactFollow
from tests.wecom.contact_rows import customer, follow

pytestmark = pytest.mark.django_db
LIST = "/api/v1/contacts/"


def detail(external_userid: str) -> str:
    return f"/api/v1/contacts/{external_userid}/"


def bind(external_userid: str) -> str:
    return f"/api/v1/contacts/{external_userid}/bind/"


@pytest.fixture
def book(rm01a, rm01b, rm02a):
    """rm01a: one bound (older), one unbound (newer), one lost; rm01b and rm02a one each."""
    bound_to = customer(rm01a, "C0001", "13800001111")
    follow(
        rm01a,
        "wmBOUND",
        name="老王",
        minutes_ago=30,
        customer=bound_to,
        bind_method=ContactFollow.BindMethod.AUTO,
        bound_at=timezone.now(),
        remark_mobiles=["13800001111"],
    )
    follow(rm01a, "wmNEW", name="新朋友", minutes_ago=10)
    follow(rm01a, "wmLOST", name="走了", minutes_ago=60, status=ContactFollow.Status.LOST)
    follow(rm01b, "wmB", minutes_ago=5)
    follow(rm02a, "wmFAR", minutes_ago=5)
    return bound_to


def _ids(response) -> list[str]:
    return [row["external_userid"] for row in response.json()["results"]]


# ---- the list ------------------------------------------------------------------------------------


def test_an_rm_sees_their_own_contacts_the_active_unbound_first(api, rm01a, book):
    r = api(rm01a).get(LIST)
    assert r.status_code == 200
    assert _ids(r) == ["wmNEW", "wmBOUND", "wmLOST"]
    rows = {row["external_userid"]: row for row in r.json()["results"]}
    assert rows["wmBOUND"]["customer"] == "C0001"
    assert rows["wmBOUND"]["bind_method"] == "auto"
    assert rows["wmNEW"]["customer"] is None and rows["wmNEW"]["bind_method"] is None
    assert rows["wmLOST"]["status"] == "lost"
    assert rows["wmNEW"]["rm"] == {"username": "rm01a", "display_name": "张晓明"}
    assert rows["wmNEW"]["source"] == {"kind": "other", "material": None}


def test_the_filters_narrow_the_list(api, rm01a, book):
    assert _ids(api(rm01a).get(LIST, {"bound": "false"})) == ["wmNEW", "wmLOST"]
    assert _ids(api(rm01a).get(LIST, {"bound": "true"})) == ["wmBOUND"]
    assert _ids(api(rm01a).get(LIST, {"status": "lost"})) == ["wmLOST"]
    assert _ids(api(rm01a).get(LIST, {"bound": "false", "status": "active"})) == ["wmNEW"]


def test_a_lead_sees_the_branch_and_head_office_everyone(api, lead01, hq_admin, book):
    assert sorted(_ids(api(lead01).get(LIST))) == ["wmB", "wmBOUND", "wmLOST", "wmNEW"]
    assert len(_ids(api(hq_admin).get(LIST))) == 5


def test_compliance_may_not_list_contacts(api, compliance, book):
    assert api(compliance).get(LIST).status_code == 403


@pytest.mark.parametrize("params", [{"bound": "maybe"}, {"status": "gone"}])
def test_a_bad_filter_is_a_400_naming_it(api, rm01a, book, params):
    r = api(rm01a).get(LIST, params)
    assert r.status_code == 400
    assert set(r.json()) == set(params)


def test_the_list_costs_the_same_queries_for_many_contacts(api, rm01a, book):
    client = api(rm01a)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST, {"page_size": 50})
    for n in range(20):
        follow(rm01a, f"wmMANY{n}", customer=customer(rm01a, f"C9{n:03d}"))
    with CaptureQueriesContext(connection) as many:
        assert len(_ids(client.get(LIST, {"page_size": 50}))) == 23
    assert len(many) == len(few)


# ---- the detail ------------------------------------------------------------------------------


def test_the_owner_sees_the_contact_with_the_customers_masked_brief_and_open_opportunities(api, rm01a, book):
    rule = OpportunityRule.objects.create(
        code="maturity", name="到期提醒", kind="maintain", condition="aum > 0"
    )
    Opportunity.objects.create(
        rule=rule,
        customer=book,
        branch=book.branch,
        assignee=rm01a,
        due_at=timezone.now() + timedelta(days=2),
    )
    r = api(rm01a).get(detail("wmBOUND"))
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["contact"]["name"] == "老王"
    assert body["customer"]["cust_no"] == "C0001"
    assert body["customer"]["phone"] == "138****1111"
    assert body["remark_mobiles"] == ["138****1111"]
    assert "13800001111" not in r.content.decode()
    assert [o["rule"]["code"] for o in body["opportunities"]] == ["maturity"]


def test_an_unbound_contact_has_no_customer(api, rm01a, book):
    body = api(rm01a).get(detail("wmNEW")).json()
    assert body["customer"] is None and body["opportunities"] == []


def test_the_lead_sees_the_detail_another_branchs_rm_gets_404_head_office_403(
    api, lead01, rm02a, hq_admin, book
):
    assert api(lead01).get(detail("wmBOUND")).status_code == 200
    assert api(rm02a).get(detail("wmBOUND")).status_code == 404
    assert api(rm02a).get(detail("wmNOSUCH")).status_code == 404
    assert api(hq_admin).get(detail("wmBOUND")).status_code == 403


# ---- binding ---------------------------------------------------------------------------------


def test_the_owner_binds_and_gets_who_and_when(api, rm01a, book):
    target = customer(rm01a, "C0002", name="李雷")
    r = api(rm01a).post(bind("wmNEW"), {"customer": "C0002"}, format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["customer"], body["bind_method"]) == ("C0002", "manual")
    assert body["bound_by"] == {"username": "rm01a", "display_name": "张晓明"}
    assert body["bound_at"]
    target.refresh_from_db()
    assert target.wechat_external_id == "wmNEW"
    assert TimelineEvent.objects.filter(customer=target, kind="wecom_bind").count() == 1


def test_a_rebind_moves_the_binding_and_leaves_history_on_both_customers(api, rm01a, book):
    customer(rm01a, "C0003", name="真正的老王")
    Customer.objects.filter(pk=book.pk).update(wechat_external_id="wmBOUND")
    r = api(rm01a).post(bind("wmBOUND"), {"customer": "C0003"}, format="json")
    assert r.status_code == 200 and r.json()["customer"] == "C0003"
    book.refresh_from_db()
    assert book.wechat_external_id == ""
    assert TimelineEvent.objects.filter(customer=book, kind="wecom_unbind").count() == 1
    assert TimelineEvent.objects.filter(customer__cust_no="C0003", kind="wecom_bind").count() == 1
    # Binding the same customer again changes nothing.
    again = api(rm01a).post(bind("wmBOUND"), {"customer": "C0003"}, format="json")
    assert again.status_code == 200
    assert TimelineEvent.objects.filter(kind="wecom_bind").count() == 1


def test_a_customer_outside_the_rms_scope_is_404_and_nothing_changes(api, rm01a, rm01b, rm02a, book):
    customer(rm01b, "C0100")
    customer(rm02a, "C0200")
    for cust_no in ("C0100", "C0200", "NOSUCH"):
        r = api(rm01a).post(bind("wmNEW"), {"customer": cust_no}, format="json")
        assert r.status_code == 404, cust_no
        assert r["Content-Type"].startswith("application/json")
    assert ContactFollow.objects.get(contact__external_userid="wmNEW").customer is None


def test_only_the_owning_rm_binds(api, rm01a, rm01b, lead01, book):
    customer(rm01b, "C0101")
    assert api(rm01b).post(bind("wmNEW"), {"customer": "C0101"}, format="json").status_code == 404
    assert api(lead01).post(bind("wmNEW"), {"customer": "C0001"}, format="json").status_code == 403
    assert ContactFollow.objects.get(contact__external_userid="wmNEW").customer is None


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "customer"),
        ({"customer": ""}, "customer"),
        ({"customer": "C" * 33}, "customer"),
        ({"customer": "C0001", "force": True}, "force"),
        ([], "detail"),
    ],
)
def test_a_malformed_bind_is_a_400_and_nothing_changes(api, rm01a, book, body, field):
    r = api(rm01a).post(bind("wmNEW"), body, format="json")
    assert r.status_code == 400
    assert field in r.json()
    assert ContactFollow.objects.get(contact__external_userid="wmNEW").customer is None
