"""The chat toolbar's pieces: the agent_config jsapi_ticket and the signed sidebar context."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from tests.wecom_sim.conftest import APP_SECRET, CONTACT_SECRET, CORP_ID


def test_agent_config_ticket_needs_the_app_token(sim):
    answer = sim.get("/cgi-bin/ticket/get", access_token=sim.token(APP_SECRET), type="agent_config")
    assert answer["errcode"] == 0 and len(answer["ticket"]) == 86 and answer["expires_in"] == 7200
    assert sim.get("/_sim/state")["tickets"] == [answer["ticket"]]
    refused = sim.get("/cgi-bin/ticket/get", access_token=sim.token(CONTACT_SECRET), type="agent_config")
    assert refused["errcode"] == 40014
    wrong = sim.get("/cgi-bin/ticket/get", access_token=sim.token(APP_SECRET), type="jsapi")
    assert wrong["errcode"] == 40058


def test_sidebar_context_is_signed_with_the_app_secret(sim):
    context = sim.post("/_sim/sidebar_context", {"userid": "rm01a", "external_userid": "wmX"})["context"]
    encoded, mac = context.split(".")
    assert hmac.compare_digest(
        mac, hmac.new(APP_SECRET.encode(), encoded.encode(), hashlib.sha256).hexdigest()
    )
    payload = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    assert (payload["corpid"], payload["userid"], payload["external_userid"]) == (CORP_ID, "rm01a", "wmX")
    assert sim.post("/_sim/sidebar_context", {"userid": "rm01a"})["errcode"] == 40058


def test_add_msg_template_refuses_more_than_10000_ids_and_reports_statuses(sim):
    token = sim.token()
    over = sim.post(
        "/cgi-bin/externalcontact/add_msg_template",
        {"sender": "rm01a", "external_userid": [f"wm{i}" for i in range(10001)], "text": {"content": "x"}},
        access_token=token,
    )
    assert over["errcode"] == 40058
    sim.post("/_sim/add_customer", {"userid": "rm01a", "external_userid": "wmA"})
    sim.post("/_sim/add_customer", {"userid": "rm01b", "external_userid": "wmB"})
    sent = sim.post(
        "/cgi-bin/externalcontact/add_msg_template",
        {"sender": "rm01a", "external_userid": ["wmA", "wmB", "wmNone"], "text": {"content": "x"}},
        access_token=token,
    )
    assert sent["fail_list"] == ["wmNone"]
    result = sim.post(
        "/cgi-bin/externalcontact/get_groupmsg_send_result",
        {"msgid": sent["msgid"], "userid": "rm01a"},
        access_token=token,
    )
    assert {r["external_userid"]: r["status"] for r in result["send_list"]} == {"wmA": 0, "wmB": 2}
    sim.post("/_sim/confirm_groupmsg", {"msgid": sent["msgid"]})
    result = sim.post(
        "/cgi-bin/externalcontact/get_groupmsg_send_result",
        {"msgid": sent["msgid"], "userid": "rm01a"},
        access_token=token,
    )
    assert {r["external_userid"]: r["status"] for r in result["send_list"]} == {"wmA": 1, "wmB": 2}
