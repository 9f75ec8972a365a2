"""The chat toolbar sidebar: the simulator's signed context decides the contact (never an editable
parameter), the masked brief, scripts filled in, the bind flow first for an unbound contact, and
发送 checked and recorded. The JS-SDK signature is computed from the simulator's jsapi_ticket."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from materials.models import ShareToken
from rm_portal.customers.models import TimelineEvent
from rm_portal.opportunities.models import Opportunity, OpportunityRule
from rm_portal.wecom import sidebar
from rm_portal.wecom.client import WeComClient
from tests.compliance.factories import demo_terms
from tests.materials.factories import script
from tests.outreach.conftest import contact, customer
from tests.wecom_sim.conftest import APP_SECRET, CORP_ID, Client, Receiver, sim_config
from wecom_sim.server import Simulator, serve_in_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def app_sim(settings):
    receiver = Receiver()
    simulator = Simulator(sim_config(callback=receiver.url))
    server = serve_in_thread(simulator)
    settings.WECOM_API_BASE = simulator.config.public_url
    settings.WECOM_CORP_ID = CORP_ID
    settings.WECOM_SECRET = APP_SECRET
    settings.WECOM_AGENT_ID = "1000002"
    yield Client(simulator.config.public_url)
    server.shutdown()
    server.server_close()
    receiver.server.shutdown()
    receiver.server.server_close()


def signed(sim: Client, rm, external_userid: str) -> str:
    body = {"userid": rm.staff.wechat_id, "external_userid": external_userid}
    return sim.post("/_sim/sidebar_context", body)["context"]


def test_the_signed_contact_shows_the_masked_brief_and_the_filled_script(client, rm01a, app_sim):
    book = customer(rm01a)
    book.name, book.phone = "王美丽", "13800001111"
    book.save()
    follow = contact(rm01a, book, None)
    rule = OpportunityRule.objects.create(
        code="m", name="到期提醒", kind="maintain", condition="aum > 0", script="x"
    )
    Opportunity.objects.create(
        rule=rule,
        customer=book,
        branch=book.branch,
        assignee=rm01a,
        due_at=timezone.now() + timedelta(days=2),
        script="王女士您好，您的定期下周到期。",
    )
    client.force_login(rm01a)
    page = client.get("/sidebar/", {"ctx": signed(app_sim, rm01a, follow.contact.external_userid)})
    html = page.content.decode()
    assert page.status_code == 200
    assert "王**" in html and "138****1111" in html and "王美丽" not in html
    assert "王女士您好，您的定期下周到期。" in html


def test_a_tampered_or_someone_elses_context_is_refused(client, rm01a, rm01b, app_sim):
    mine = contact(rm01a, customer(rm01a), None)
    theirs = contact(rm01b, customer(rm01b), None)
    client.force_login(rm01a)
    good = signed(app_sim, rm01a, mine.contact.external_userid)
    encoded, mac = good.split(".")
    assert client.get("/sidebar/", {"ctx": encoded + "." + "0" * len(mac)}).status_code == 403
    # Signed for another member: not this RM's chat.
    assert (
        client.get("/sidebar/", {"ctx": signed(app_sim, rm01b, theirs.contact.external_userid)}).status_code
        == 403
    )
    # Signed for this member but another RM's contact: not one of theirs.
    assert (
        client.get("/sidebar/", {"ctx": signed(app_sim, rm01a, theirs.contact.external_userid)}).status_code
        == 404
    )
    assert client.get(f"/sidebar/c/{theirs.contact.external_userid}/").status_code == 404


def test_an_unbound_contact_shows_the_bind_flow_first(client, rm01a, app_sim):
    follow = contact(rm01a, None, None)
    client.force_login(rm01a)
    html = client.get(
        "/sidebar/", {"ctx": signed(app_sim, rm01a, follow.contact.external_userid)}
    ).content.decode()
    assert f"/wecom/contacts/{follow.contact.external_userid}/bind/" in html
    assert "sidebar-opportunities" not in html


def test_send_checks_then_answers_what_send_chat_message_sends_and_records_it(
    client, rm01a, hq_admin, app_sim
):
    demo_terms()
    book = customer(rm01a)
    follow = contact(rm01a, book, None)
    url = f"/sidebar/c/{follow.contact.external_userid}/send/"
    client.force_login(rm01a)
    json_only = {"HTTP_ACCEPT": "application/json"}
    refused = client.post(url, {"text": "保证收益，快买"}, **json_only)
    assert refused.status_code == 400 and [h["term"] for h in refused.json()["hits"]] == ["保证收益"]
    assert not TimelineEvent.objects.filter(kind="wecom_chat_send").exists()
    text = client.post(url, {"text": "您好"}, **json_only).json()
    assert text == {"msgtype": "text", "text": {"content": "您好"}}
    assert TimelineEvent.objects.filter(customer=book, kind="wecom_chat_send").count() == 1
    material = script(hq_admin)
    news = client.post(url, {"material": material.pk}, **json_only).json()
    share = ShareToken.objects.get(material=material, rm=rm01a, customer=book)
    assert news["msgtype"] == "news" and news["news"]["link"].endswith(f"/s/{share.token}")
    # Without JavaScript the same send is recorded and the page comes back with what to paste.
    back = client.post(url, {"text": "您好"})
    assert back.status_code == 302 and back.url == f"/sidebar/c/{follow.contact.external_userid}/"


def test_agent_config_is_signed_with_the_apps_jsapi_ticket_and_the_ticket_is_cached(app_sim):
    quick = WeComClient(corp_id=CORP_ID, secret=APP_SECRET, sleep=lambda s: None)
    config = sidebar.agent_config(url="https://rm.example/sidebar/#x", client=quick)
    sidebar.agent_config(url="https://rm.example/sidebar/", client=quick)
    tickets = app_sim.get("/_sim/state")["tickets"]
    assert len(tickets) == 1  # the second page asked WeCom nothing
    plain = (
        f"jsapi_ticket={tickets[0]}&noncestr={config['nonceStr']}"
        f"&timestamp={config['timestamp']}&url=https://rm.example/sidebar/"
    )
    assert config["signature"] == hashlib.sha1(plain.encode(), usedforsecurity=False).hexdigest()
    assert (config["corpid"], config["agentid"]) == (CORP_ID, "1000002")
