from __future__ import annotations

import base64
import hashlib
import io
import re
import struct
import urllib.parse
from xml.etree import ElementTree

import zxingcpp
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from PIL import Image

from tests.wecom_sim.conftest import AES_KEY, CORP_ID, TOKEN, Client, sim_config
from wecom_sim.server import Simulator, serve_in_thread


def independent_decrypt(encrypted: str) -> tuple[str, str]:
    """WeCom's published scheme, written here again with `cryptography` only: (message, receive id)."""
    key = base64.b64decode(AES_KEY + "=")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
    pad = plain[-1]
    assert 1 <= pad <= 32
    assert plain[-pad:] == bytes([pad]) * pad
    plain = plain[:-pad]
    (length,) = struct.unpack(">I", plain[16:20])
    return plain[20 : 20 + length].decode(), plain[20 + length :].decode()


def pushed_event(request: dict) -> ElementTree.Element:
    envelope = ElementTree.fromstring(request["body"])  # noqa: S314 - our own equipment's output
    encrypted = envelope.findtext("Encrypt")
    query = request["query"]
    expected = hashlib.sha1(  # noqa: S324 - WeCom's published signature
        "".join(sorted([TOKEN, query["timestamp"], query["nonce"], encrypted])).encode()
    ).hexdigest()
    assert query["msg_signature"] == expected
    assert envelope.findtext("ToUserName") == CORP_ID
    message, receive_id = independent_decrypt(encrypted)
    assert receive_id == CORP_ID
    return ElementTree.fromstring(message)  # noqa: S314


def test_add_contact_way_returns_a_qr_png_that_decodes_to_the_code_text(sim):
    token = sim.token()
    answer = sim.post(
        "/cgi-bin/externalcontact/add_contact_way",
        {"type": 1, "scene": 2, "user": ["rm01a"], "state": "rm:rm01a"},
        access_token=token,
    )
    assert answer["errcode"] == 0
    config_id = answer["config_id"]
    assert answer["qr_code"].endswith(f"/wwqrcode/{config_id}.png")
    path = urllib.parse.urlsplit(answer["qr_code"]).path
    image = Image.open(io.BytesIO(sim.raw(path)))
    assert image.format == "PNG"
    [code] = zxingcpp.read_barcodes(image)
    assert code.format == zxingcpp.BarcodeFormat.QRCode
    assert re.fullmatch(rf"https://.+/c/{config_id}", code.text)


def test_add_contact_way_refuses_bad_parameters(sim):
    token = sim.token()
    for body in (
        {"type": 3, "scene": 2, "user": ["rm01a"]},
        {"type": 1, "scene": 2, "user": []},
        {"type": 1, "scene": 2, "user": ["rm01a", "rm01b"]},
        {"type": 1, "scene": 2, "user": ["rm01a"], "state": "x" * 31},
    ):
        answer = sim.post("/cgi-bin/externalcontact/add_contact_way", body, access_token=token)
        assert answer["errcode"] == 40058, body
        assert "config_id" not in answer


def test_an_add_pushes_a_signed_encrypted_event_and_the_contact_can_be_read(sim, receiver):
    added = sim.post(
        "/_sim/add_customer",
        {"userid": "rm01a", "state": "poster:7", "name": "王女士", "mobile": "13800000001"},
    )
    assert added["delivered"] == {
        "change_type": "add_external_contact",
        "fields": added["delivered"]["fields"],
        "at": added["delivered"]["at"],
        "status": 200,
        "body": "success",
    }
    [request] = receiver.requests
    assert request["method"] == "POST"
    assert request["path"] == "/wecom/callback/"
    event = pushed_event(request)
    assert event.findtext("MsgType") == "event"
    assert event.findtext("Event") == "change_external_contact"
    assert event.findtext("ChangeType") == "add_external_contact"
    assert event.findtext("UserID") == "rm01a"
    assert event.findtext("ExternalUserID") == added["external_userid"]
    assert event.findtext("State") == "poster:7"
    assert event.findtext("WelcomeCode") == added["welcome_code"]

    answer = sim.get(
        "/cgi-bin/externalcontact/get", access_token=sim.token(), external_userid=added["external_userid"]
    )
    assert answer["errcode"] == 0
    assert answer["external_contact"]["name"] == "王女士"
    assert answer["external_contact"]["type"] == 1
    [follow] = answer["follow_user"]
    assert follow["userid"] == "rm01a"
    assert follow["state"] == "poster:7"
    assert follow["remark_mobiles"] == ["13800000001"]


def test_an_add_through_a_contact_way_carries_its_state(sim, receiver):
    way = sim.post(
        "/cgi-bin/externalcontact/add_contact_way",
        {"type": 1, "scene": 2, "user": ["rm02a"], "state": "share:42"},
        access_token=sim.token(),
    )
    added = sim.post("/_sim/add_customer", {"config_id": way["config_id"], "name": "李先生"})
    assert added["userid"] == "rm02a"
    assert pushed_event(receiver.requests[0]).findtext("State") == "share:42"


def test_the_welcome_code_sends_one_welcome(sim):
    added = sim.post("/_sim/add_customer", {"userid": "rm01a", "name": "王女士"})
    token = sim.token()
    welcome = {"welcome_code": added["welcome_code"], "text": {"content": "您好，我是您的客户经理"}}
    assert sim.post("/cgi-bin/externalcontact/send_welcome_msg", welcome, access_token=token)["errcode"] == 0
    assert (
        sim.post("/cgi-bin/externalcontact/send_welcome_msg", welcome, access_token=token)["errcode"] == 40058
    )
    [recorded] = sim.get("/_sim/state")["welcomes"]
    assert recorded["external_userid"] == added["external_userid"]
    assert recorded["text"]["content"] == "您好，我是您的客户经理"


def test_the_customer_removing_the_rm_pushes_del_follow_user(sim, receiver):
    added = sim.post("/_sim/add_customer", {"userid": "rm01a"})
    removed = sim.post("/_sim/remove", {"userid": "rm01a", "external_userid": added["external_userid"]})
    assert removed["delivered"]["status"] == 200
    event = pushed_event(receiver.requests[1])
    assert event.findtext("ChangeType") == "del_follow_user"
    assert event.findtext("ExternalUserID") == added["external_userid"]
    answer = sim.get(
        "/cgi-bin/externalcontact/get", access_token=sim.token(), external_userid=added["external_userid"]
    )
    assert answer["errcode"] == 84061


def test_the_rm_removing_the_customer_and_an_edit_push_their_events(sim, receiver):
    added = sim.post("/_sim/add_customer", {"userid": "rm01a"})
    sim.post(
        "/_sim/edit",
        {"userid": "rm01a", "external_userid": added["external_userid"], "remark_mobiles": ["1"]},
    )
    sim.post("/_sim/remove", {"userid": "rm01a", "external_userid": added["external_userid"], "by": "rm"})
    kinds = [pushed_event(r).findtext("ChangeType") for r in receiver.requests]
    assert kinds == ["add_external_contact", "edit_external_contact", "del_external_contact"]


def test_an_unknown_contact_is_84061(sim):
    answer = sim.get("/cgi-bin/externalcontact/get", access_token=sim.token(), external_userid="wmnobody")
    assert answer["errcode"] == 84061


def test_verify_url_sends_an_encrypted_echostr(sim, receiver):
    result = sim.post("/_sim/verify_url", {})
    [request] = receiver.requests
    assert request["method"] == "GET"
    message, receive_id = independent_decrypt(request["query"]["echostr"])
    assert receive_id == CORP_ID
    assert message.isdigit()
    # The receiver answers "success", not the echostr, so the simulator says it did not verify.
    assert result["verified"] is False


def test_a_value_that_looks_like_the_end_of_cdata_survives(sim, receiver):
    added = sim.post("/_sim/add_customer", {"userid": "rm01a", "state": "a]]>b<c>"})
    assert added["delivered"]["status"] == 200
    assert pushed_event(receiver.requests[0]).findtext("State") == "a]]>b<c>"


def test_an_edit_sets_tags_that_the_lookup_answers_in_wecoms_shape(sim):
    added = sim.post("/_sim/add_customer", {"userid": "rm01a"})
    sim.post(
        "/_sim/edit", {"userid": "rm01a", "external_userid": added["external_userid"], "tags": ["高净值"]}
    )
    answer = sim.get(
        "/cgi-bin/externalcontact/get", access_token=sim.token(), external_userid=added["external_userid"]
    )
    [tag] = answer["follow_user"][0]["tags"]
    assert (tag["tag_name"], tag["type"]) == ("高净值", 1) and tag["tag_id"]


def test_a_welcome_code_older_than_20_seconds_is_refused(receiver):
    simulator = Simulator(sim_config(callback=receiver.url))
    server = serve_in_thread(simulator)
    try:
        client = Client(simulator.config.public_url)
        added = client.post("/_sim/add_customer", {"userid": "rm01a"})
        simulator.state.welcome_codes[added["welcome_code"]]["issued_at"] -= 21
        welcome = {"welcome_code": added["welcome_code"], "text": {"content": "您好"}}
        answer = client.post(
            "/cgi-bin/externalcontact/send_welcome_msg", welcome, access_token=client.token()
        )
        assert answer["errcode"] == 40058
        assert client.get("/_sim/state")["welcomes"] == []
    finally:
        server.shutdown()
        server.server_close()
