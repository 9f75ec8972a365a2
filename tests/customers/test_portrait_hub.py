"""The portrait as the hub: call through a logged reveal (the page never carries the full number),
a follow-up note on the timeline (stored as text, shown escaped), open opportunities completed in
place, send links pre-filled with the customer, consent state and recommendations."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from rm_portal.customers.models import (
    Customer,
    CustomerTag,
    Holding,
    PortraitAccess,
    TagDefinition,
    TimelineEvent,
)
from rm_portal.customers.services import timeline_record
from rm_portal.opportunities.models import Opportunity
from rm_portal.web.calls import CALL_TOKEN_MAX_AGE
from tests.customers.factories import customer, indicators
from tests.opportunities.factories import rule

pytestmark = pytest.mark.django_db

FULL = "13812341234"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def mine(b01, b02, rm01a, rm01b, rm02a):
    indicators()
    made = customer(
        "A1",
        rm01a,
        b01,
        {"aum": 2_000_000, "td_maturing_days": 3},
        name="王大明",
        phone=FULL,
        risk_rating="C3",
        consents={"wealth": True},
    )
    customer("X1", rm02a, b02, {}, name="城西客户", phone="13900001234")
    return made


def call_link(client: Client, cust_no: str) -> str:
    html = client.get(f"/customers/{cust_no}/").content.decode()
    found = re.search(r'href="(/customers/[^/]+/call/\?t=[^"]+)"[^>]*data-testid="call"', html)
    assert found, "no call button"
    return found.group(1).replace("&amp;", "&")


def test_no_portrait_carries_the_full_number(mine, rm01a, lead01, hq_admin):
    for user in (rm01a, lead01, hq_admin):
        html = signed_in(user).get("/customers/A1/").content.decode()
        assert FULL not in html and "tel:" not in html and "138****1234" in html


def test_the_owner_calls_through_a_logged_step(mine, rm01a):
    client = signed_in(rm01a)
    r = client.get(call_link(client, "A1"))
    assert r.status_code == 302 and r["Location"] == f"tel:+86{FULL}"
    assert r["Cache-Control"] == "no-store"
    assert PortraitAccess.objects.filter(user=rm01a, customer=mine, action="reveal").count() == 1
    assert TimelineEvent.objects.get(kind="call").actor == rm01a


def test_only_the_owner_gets_a_call_button_and_a_link_is_theirs_alone(mine, rm01a, rm01b, lead01):
    link = call_link(signed_in(rm01a), "A1")
    assert 'data-testid="call"' not in signed_in(lead01).get("/customers/A1/").content.decode()
    assert signed_in(rm01b).get(link).status_code == 404  # another RM: not theirs to work
    assert signed_in(lead01).get(link).status_code == 403  # not an RM page
    assert not PortraitAccess.objects.filter(action="reveal").exists()


def test_an_old_or_forged_link_reveals_nothing(mine, rm01a):
    client = signed_in(rm01a)
    link = call_link(client, "A1")
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=CALL_TOKEN_MAX_AGE + 5)):
        r = client.get(link)
    assert r.status_code == 302 and r["Location"] == "/customers/A1/"
    assert client.get("/customers/A1/call/?t=forged").status_code == 302
    assert not PortraitAccess.objects.filter(action="reveal").exists()


def test_call_api_reveals_once_for_the_owner(api, mine, rm01a, rm01b, lead01, rm02a):
    r = api(rm01a).post("/api/v1/customers/A1/call/")
    assert r.status_code == 200 and r.json() == {"tel": f"tel:+86{FULL}"}
    assert api(rm01b).post("/api/v1/customers/A1/call/").status_code == 404
    assert api(rm02a).post("/api/v1/customers/A1/call/").status_code == 404
    assert api(lead01).post("/api/v1/customers/A1/call/").status_code == 403
    assert PortraitAccess.objects.filter(action="reveal").count() == 1
    Customer.objects.filter(pk=mine.pk).update(phone="")
    assert api(rm01a).post("/api/v1/customers/A1/call/").status_code == 409


# ---- notes -------------------------------------------------------------------------------------

NASTY = "<script>alert(\"x\")</script><b>加粗</b> 100% _tail_ 'q'"


def test_a_note_lands_on_the_timeline_stored_as_text_shown_escaped(mine, rm01a):
    client = signed_in(rm01a)
    r = client.post("/customers/A1/notes/", {"text": NASTY})
    assert r.status_code == 302 and r["Location"] == "/customers/A1/#timeline"
    event = TimelineEvent.objects.get(kind="note")
    assert event.detail["text"] == NASTY and event.actor == rm01a
    html = client.get("/customers/A1/").content.decode()
    assert "<script>alert" not in html and "<b>加粗</b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;加粗&lt;/b&gt;" in html


def test_a_note_of_10000_characters_is_kept_whole_one_more_is_a_clear_400(api, mine, rm01a):
    client = api(rm01a)
    long = "跟" * 10_000
    r = client.post("/api/v1/customers/A1/notes/", {"text": long}, format="json")
    assert r.status_code == 201 and r.json()["kind"] == "note"
    assert TimelineEvent.objects.get(kind="note").detail["text"] == long
    r = client.post("/api/v1/customers/A1/notes/", {"text": long + "x"}, format="json")
    assert r.status_code == 400 and "10,000" in r.json()["text"][0]
    r = client.post("/api/v1/customers/A1/notes/", {"text": "   "}, format="json")
    assert r.status_code == 400 and "text" in r.json()
    r = client.post("/api/v1/customers/A1/notes/", {"text": "x" * 30_000}, format="json")
    assert r.status_code == 400
    r = client.post("/api/v1/customers/A1/notes/", {"text": "ok", "extra": 1}, format="json")
    assert r.status_code == 400
    assert TimelineEvent.objects.filter(kind="note").count() == 1
    # The page says the same words and stores nothing.
    page = signed_in(rm01a).post("/customers/A1/notes/", {"text": long + "x"}, follow=True)
    assert "10,000" in page.content.decode()
    assert TimelineEvent.objects.filter(kind="note").count() == 1


def test_notes_scope_and_roles(api, mine, rm01b, rm02a, lead01, lead02, compliance, hq_admin):
    def note(user):
        return api(user).post("/api/v1/customers/A1/notes/", {"text": "x"}, format="json").status_code

    assert [note(u) for u in (rm01b, lead02, compliance, hq_admin)] == [404, 404, 403, 403]
    assert signed_in(rm02a).post("/customers/A1/notes/", {"text": "x"}).status_code == 404
    assert not TimelineEvent.objects.filter(kind="note").exists()
    r = api(lead01).post("/api/v1/customers/A1/notes/", {"text": "网点负责人回访"}, format="json")
    assert r.status_code == 201


# ---- opportunities in place, sending, consent, recommendations ----------------------------------


def test_open_opportunities_complete_in_place_and_come_back(mine, rm01a):
    o = Opportunity.objects.create(
        rule=rule(),
        customer=mine,
        assignee=rm01a,
        branch=mine.branch,
        due_at=timezone.now() + timezone.timedelta(days=2),
    )
    client = signed_in(rm01a)
    html = client.get("/customers/A1/").content.decode()
    assert 'data-testid="complete-inline-form"' in html and "规则td7" in html
    r = client.post(
        f"/opportunities/{o.pk}/complete/",
        {"outcome": "contacted", "note": "已电话沟通", "next": "/customers/A1/"},
    )
    assert r.status_code == 302 and r["Location"] == "/customers/A1/"
    o.refresh_from_db()
    assert o.status == "done" and o.note == "已电话沟通"
    assert "规则td7" not in client.get("/customers/A1/").content.decode().split('data-testid="timeline"')[0]
    # Any other `next` is ignored: back to the inbox as before.
    o2 = Opportunity.objects.create(
        rule=rule("r2"), customer=mine, assignee=rm01a, branch=mine.branch, due_at=timezone.now()
    )
    r = client.post(
        f"/opportunities/{o2.pk}/complete/", {"outcome": "contacted", "next": "https://evil.example/"}
    )
    assert r["Location"] == "/opportunities/"


def test_send_links_prefill_the_customer(mine, rm01a, lead01, hq_admin):
    from tests.matching.conftest import material

    html = signed_in(rm01a).get("/customers/A1/").content.decode()
    assert "/materials/?kind=script&amp;customer=A1" in html
    script = material("script", "问候", by=hq_admin, body="您好{customer_name}")
    listing = signed_in(rm01a).get("/materials/?kind=script&customer=A1").content.decode()
    assert f"/materials/{script.pk}/?customer=A1" in listing
    share = signed_in(rm01a).get(f"/materials/{script.pk}/?customer=A1").content.decode()
    assert 'value="A1"' in share and "data-picker" in share
    assert 'data-testid="send-script"' not in signed_in(lead01).get("/customers/A1/").content.decode()


def test_consent_state_and_the_wecom_slot_renders_nothing_yet(mine, rm01a):
    html = signed_in(rm01a).get("/customers/A1/").content.decode()
    consents = html.split('data-testid="consents"')[1].split("</section>")[0]
    assert "理财：已授权" in consents and "基金：未授权" in consents


def test_portrait_in_constant_queries(
    mine, rm01a, hq_admin, django_assert_num_queries, django_assert_max_num_queries
):
    from materials.models import Kind
    from tests.matching.conftest import holding, material

    client = signed_in(rm01a)
    client.get("/customers/A1/")
    with django_assert_max_num_queries(50) as one:
        client.get("/customers/A1/")
    tag = TagDefinition.objects.create(code="t0", name="标签0", rule="aum > 1")
    CustomerTag.objects.create(customer=mine, tag=tag, since=timezone.now())
    holding(mine, "产品0", "wealth", 1000, days=3)
    timeline_record(customer=mine, kind="x", title="动态0")
    Opportunity.objects.create(
        rule=rule(), customer=mine, assignee=rm01a, branch=mine.branch, due_at=timezone.now()
    )
    with django_assert_max_num_queries(50) as first:
        client.get("/customers/A1/")
    for i in range(1, 20):
        tag = TagDefinition.objects.create(code=f"t{i}", name=f"标签{i}", rule="aum > 1")
        CustomerTag.objects.create(customer=mine, tag=tag, since=timezone.now())
        holding(mine, f"产品{i}", "wealth", 1000, days=i)
        timeline_record(customer=mine, kind="x", title=f"动态{i}")
        material(Kind.SCRIPT, f"话术{i}", by=hq_admin)
        Opportunity.objects.create(
            rule=rule(f"r{i}"), customer=mine, assignee=rm01a, branch=mine.branch, due_at=timezone.now()
        )
    assert Holding.objects.filter(customer=mine).count() == 20
    with django_assert_num_queries(len(first.captured_queries)):
        html = client.get("/customers/A1/").content.decode()
    assert "产品19" in html and "动态19" in html
    assert len(first.captured_queries) <= len(one.captured_queries) + 3  # the open-opportunity reads
