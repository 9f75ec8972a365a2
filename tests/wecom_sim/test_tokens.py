from __future__ import annotations

from tests.wecom_sim.conftest import APP_SECRET, CONTACT_SECRET, CORP_ID


def test_gettoken_issues_a_token_with_expires_in(sim):
    answer = sim.get("/cgi-bin/gettoken", corpid=CORP_ID, corpsecret=CONTACT_SECRET)
    assert answer["errcode"] == 0
    assert answer["errmsg"] == "ok"
    assert answer["expires_in"] == 7200
    assert len(answer["access_token"]) == 64


def test_gettoken_refuses_a_wrong_secret_or_corp(sim):
    assert sim.get("/cgi-bin/gettoken", corpid=CORP_ID, corpsecret="nope")["errcode"] == 40001
    assert sim.get("/cgi-bin/gettoken", corpid="wwother", corpsecret=CONTACT_SECRET)["errcode"] == 40013


def test_a_missing_or_unknown_token_is_refused(sim):
    assert sim.get("/cgi-bin/externalcontact/get", external_userid="wm1")["errcode"] == 41001
    answer = sim.get("/cgi-bin/externalcontact/get", access_token="forged", external_userid="wm1")
    assert answer["errcode"] == 40014
    assert set(answer) == {"errcode", "errmsg"}


def test_tokens_expire_on_demand_and_a_new_one_works(sim):
    token = sim.token()
    body = {"type": 1, "scene": 2, "user": ["rm01a"]}
    assert sim.post("/cgi-bin/externalcontact/add_contact_way", body, access_token=token)["errcode"] == 0
    assert sim.post("/_sim/expire_tokens", {})["expired"] == 1
    assert sim.post("/cgi-bin/externalcontact/add_contact_way", body, access_token=token)["errcode"] == 42001
    fresh = sim.token()
    assert sim.post("/cgi-bin/externalcontact/add_contact_way", body, access_token=fresh)["errcode"] == 0


def test_rate_limit_on_demand_answers_45009_then_recovers(sim):
    token = sim.token(APP_SECRET)
    message = {"touser": "rm01a", "msgtype": "text", "agentid": 1000002, "text": {"content": "你好"}}
    sim.post("/_sim/rate_limit", {"count": 2, "path": "/cgi-bin/message/send"})
    assert sim.post("/cgi-bin/message/send", message, access_token=token)["errcode"] == 45009
    assert sim.post("/cgi-bin/message/send", message, access_token=token)["errcode"] == 45009
    answer = sim.post("/cgi-bin/message/send", message, access_token=token)
    assert answer["errcode"] == 0
    assert answer["msgid"]
    assert sim.get("/_sim/state")["messages"][0]["touser"] == ["rm01a"]


def test_message_send_checks_the_agent_and_the_content(sim):
    token = sim.token(APP_SECRET)
    wrong_agent = {"touser": "rm01a", "msgtype": "text", "agentid": 9, "text": {"content": "x"}}
    assert sim.post("/cgi-bin/message/send", wrong_agent, access_token=token)["errcode"] == 40056
    no_content = {"touser": "rm01a", "msgtype": "text", "agentid": 1000002}
    assert sim.post("/cgi-bin/message/send", no_content, access_token=token)["errcode"] == 40058


def test_bad_json_answers_wecoms_shape(sim):
    import json
    import urllib.request

    request = urllib.request.Request(
        f"{sim.base}/cgi-bin/message/send?access_token={sim.token()}", data=b"{not json", method="POST"
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        answer = json.loads(response.read())
    assert answer["errcode"] == 47001
