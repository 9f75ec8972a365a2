from __future__ import annotations

from tests.wecom_sim.test_contacts import pushed_event


def test_a_mass_message_is_pending_until_confirmed_and_reports_not_friends(sim):
    friend = sim.post("/_sim/add_customer", {"userid": "rm01a"})["external_userid"]
    lost = sim.post("/_sim/add_customer", {"userid": "rm01a"})["external_userid"]
    sim.post("/_sim/remove", {"userid": "rm01a", "external_userid": lost})
    token = sim.token()
    answer = sim.post(
        "/cgi-bin/externalcontact/add_msg_template",
        {
            "chat_type": "single",
            "sender": "rm01a",
            "external_userid": [friend, lost, "wmunknown"],
            "text": {"content": "理财新品"},
        },
        access_token=token,
    )
    assert answer["errcode"] == 0
    assert answer["fail_list"] == ["wmunknown"]
    query = {"msgid": answer["msgid"], "userid": "rm01a", "limit": 500}
    result = sim.post("/cgi-bin/externalcontact/get_groupmsg_send_result", query, access_token=token)
    statuses = {row["external_userid"]: row["status"] for row in result["send_list"]}
    assert statuses == {friend: 0, lost: 2}
    sim.post("/_sim/confirm_groupmsg", {"msgid": answer["msgid"]})
    result = sim.post("/cgi-bin/externalcontact/get_groupmsg_send_result", query, access_token=token)
    statuses = {row["external_userid"]: row["status"] for row in result["send_list"]}
    assert statuses == {friend: 1, lost: 2}
    assert result["next_cursor"] == ""


def test_a_second_mass_message_the_same_day_is_already_received(sim):
    friend = sim.post("/_sim/add_customer", {"userid": "rm01a"})["external_userid"]
    token = sim.token()
    body = {"sender": "rm01a", "external_userid": [friend], "text": {"content": "x"}}
    first = sim.post("/cgi-bin/externalcontact/add_msg_template", body, access_token=token)["msgid"]
    second = sim.post("/cgi-bin/externalcontact/add_msg_template", body, access_token=token)["msgid"]
    sim.post("/_sim/confirm_groupmsg", {"msgid": first})
    sim.post("/_sim/confirm_groupmsg", {"msgid": second})
    result = sim.post(
        "/cgi-bin/externalcontact/get_groupmsg_send_result",
        {"msgid": second, "userid": "rm01a"},
        access_token=token,
    )
    assert [row["status"] for row in result["send_list"]] == [3]


def test_send_results_page_with_a_cursor(sim):
    ids = [sim.post("/_sim/add_customer", {"userid": "rm01a"})["external_userid"] for _ in range(3)]
    token = sim.token()
    msgid = sim.post(
        "/cgi-bin/externalcontact/add_msg_template",
        {"sender": "rm01a", "external_userid": ids, "text": {"content": "x"}},
        access_token=token,
    )["msgid"]
    page = sim.post(
        "/cgi-bin/externalcontact/get_groupmsg_send_result",
        {"msgid": msgid, "userid": "rm01a", "limit": 2},
        access_token=token,
    )
    assert len(page["send_list"]) == 2
    rest = sim.post(
        "/cgi-bin/externalcontact/get_groupmsg_send_result",
        {"msgid": msgid, "userid": "rm01a", "limit": 2, "cursor": page["next_cursor"]},
        access_token=token,
    )
    assert [r["external_userid"] for r in page["send_list"] + rest["send_list"]] == ids
    assert rest["next_cursor"] == ""


def test_transfer_gives_mixed_results(sim, receiver):
    ids = [sim.post("/_sim/add_customer", {"userid": "rm01b"})["external_userid"] for _ in range(4)]
    sim.post("/_sim/transfer_limit", {"takeover_userid": "rm01a", "count": 1, "when": "now"})
    token = sim.token()
    answer = sim.post(
        "/cgi-bin/externalcontact/resigned/transfer_customer",
        {"handover_userid": "rm01b", "takeover_userid": "rm01a", "external_userid": [*ids[:3], "wmnobody"]},
        access_token=token,
    )
    assert answer["errcode"] == 0
    assert [c["errcode"] for c in answer["customer"]] == [40099, 0, 0, 84061]

    # One more accepted now that fails later: the takeover reaches the limit while WeCom works.
    sim.post("/_sim/transfer_limit", {"takeover_userid": "rm01a", "count": 1, "when": "later"})
    again = sim.post(
        "/cgi-bin/externalcontact/resigned/transfer_customer",
        {"handover_userid": "rm01b", "takeover_userid": "rm01a", "external_userid": [ids[3], ids[1]]},
        access_token=token,
    )
    assert [c["errcode"] for c in again["customer"]] == [0, 40100]

    query = {"handover_userid": "rm01b", "takeover_userid": "rm01a"}
    waiting = sim.post("/cgi-bin/externalcontact/resigned/transfer_result", query, access_token=token)
    assert [c["status"] for c in waiting["customer"]] == [2, 2, 2]

    completed = sim.post("/_sim/complete_transfers", {})
    assert completed["completed"] == 3
    final = sim.post("/cgi-bin/externalcontact/resigned/transfer_result", query, access_token=token)
    statuses = {c["external_userid"]: c["status"] for c in final["customer"]}
    assert statuses == {ids[1]: 1, ids[2]: 1, ids[3]: 4}
    assert all(c["takeover_time"] > 0 for c in final["customer"] if c["status"] == 1)

    event = pushed_event(receiver.requests[-1])
    assert event.findtext("ChangeType") == "transfer_fail"
    assert event.findtext("FailReason") == "customer_limit_exceed"
    assert event.findtext("ExternalUserID") == ids[3]

    moved = sim.get("/cgi-bin/externalcontact/get", access_token=token, external_userid=ids[1])
    assert [f["userid"] for f in moved["follow_user"]] == ["rm01a"]


def test_transfer_refuses_bad_parameters(sim):
    token = sim.token()
    for body in (
        {"handover_userid": "rm01b", "takeover_userid": "rm01b", "external_userid": ["wm1"]},
        {"handover_userid": "rm01b", "takeover_userid": "rm01a", "external_userid": []},
        {"handover_userid": "rm01b", "takeover_userid": "rm01a", "external_userid": ["wm"] * 101},
    ):
        answer = sim.post("/cgi-bin/externalcontact/resigned/transfer_customer", body, access_token=token)
        assert answer["errcode"] == 40058


def test_in_job_transfer_has_its_own_records_and_a_customer_may_refuse(sim, receiver):
    ids = [sim.post("/_sim/add_customer", {"userid": "rm01b"})["external_userid"] for _ in range(2)]
    assert sim.post("/_sim/transfer_refuse", {"external_userid": [ids[0]]})["transfer_refusals"] == [ids[0]]
    token = sim.token()
    body = {"handover_userid": "rm01b", "takeover_userid": "rm01a", "external_userid": ids}
    answer = sim.post("/cgi-bin/externalcontact/transfer_customer", body, access_token=token)
    assert [c["errcode"] for c in answer["customer"]] == [0, 0]
    query = {"handover_userid": "rm01b", "takeover_userid": "rm01a"}
    # The resigned API knows nothing of an in-job transfer.
    resigned = sim.post("/cgi-bin/externalcontact/resigned/transfer_result", query, access_token=token)
    assert resigned["customer"] == []
    sim.post("/_sim/complete_transfers", {})
    final = sim.post("/cgi-bin/externalcontact/transfer_result", query, access_token=token)
    assert {c["external_userid"]: c["status"] for c in final["customer"]} == {ids[0]: 3, ids[1]: 1}
    event = pushed_event(receiver.requests[-1])
    assert event.findtext("FailReason") == "customer_refused"
    assert event.findtext("ExternalUserID") == ids[0]
    kept = sim.get("/cgi-bin/externalcontact/get", access_token=token, external_userid=ids[0])
    assert [f["userid"] for f in kept["follow_user"]] == ["rm01b"]


def test_transfer_results_page_with_a_cursor(receiver):
    from tests.wecom_sim.conftest import Client, sim_config
    from wecom_sim.server import Simulator, serve_in_thread

    simulator = Simulator(sim_config(callback=receiver.url, transfer_page=2))
    server = serve_in_thread(simulator)
    try:
        sim = Client(simulator.config.public_url)
        ids = [sim.post("/_sim/add_customer", {"userid": "rm01b"})["external_userid"] for _ in range(3)]
        token = sim.token()
        body = {"handover_userid": "rm01b", "takeover_userid": "rm01a", "external_userid": ids}
        sim.post("/cgi-bin/externalcontact/resigned/transfer_customer", body, access_token=token)
        query = {"handover_userid": "rm01b", "takeover_userid": "rm01a"}
        first = sim.post("/cgi-bin/externalcontact/resigned/transfer_result", query, access_token=token)
        assert len(first["customer"]) == 2 and first["next_cursor"]
        rest = sim.post(
            "/cgi-bin/externalcontact/resigned/transfer_result",
            {**query, "cursor": first["next_cursor"]},
            access_token=token,
        )
        assert [c["external_userid"] for c in first["customer"] + rest["customer"]] == ids
        assert rest["next_cursor"] == ""
    finally:
        server.shutdown()
        server.server_close()


def test_wecoms_own_inheritance_drops_the_notes_and_remark_and_mark_tag_write_them(sim):
    external_userid = sim.post("/_sim/add_customer", {"userid": "rm01b"})["external_userid"]
    token = sim.token()
    who = {"userid": "rm01b", "external_userid": external_userid}
    assert (
        sim.post("/cgi-bin/externalcontact/remark", {**who, "remark": "王女士"}, access_token=token)[
            "errcode"
        ]
        == 0
    )
    assert (
        sim.post("/cgi-bin/externalcontact/mark_tag", {**who, "add_tag": ["et1"]}, access_token=token)[
            "errcode"
        ]
        == 0
    )
    body = {"handover_userid": "rm01b", "takeover_userid": "rm01a", "external_userid": [external_userid]}
    sim.post("/cgi-bin/externalcontact/resigned/transfer_customer", body, access_token=token)
    sim.post("/_sim/complete_transfers", {})
    (moved,) = sim.get("/cgi-bin/externalcontact/get", access_token=token, external_userid=external_userid)[
        "follow_user"
    ]
    assert (moved["userid"], moved["remark"], moved["tags"]) == ("rm01a", "", [])
    # The old member no longer has the contact: writing to it is refused.
    refused = sim.post("/cgi-bin/externalcontact/remark", {**who, "remark": "x"}, access_token=token)
    assert refused["errcode"] == 84061
    assert sim.post("/cgi-bin/externalcontact/mark_tag", {**who}, access_token=token)["errcode"] == 40058
