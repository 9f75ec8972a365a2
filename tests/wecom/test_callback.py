"""/wecom/callback/ with genuinely encrypted events (made with rm_portal.wecom.crypto.encrypt)."""

from __future__ import annotations

import logging
import time
from urllib.parse import urlencode

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rm_portal.wecom import crypto, events
from rm_portal.wecom.models import CallbackEvent
from rm_portal.wecom.services import callback_event_handle
from tests.wecom import test_crypto as sample

pytestmark = pytest.mark.django_db

URL = "/wecom/callback/"
TOKEN = "callback-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
CORP_ID = "ww-test-corp"

ADD_CONTACT = (
    "<xml><ToUserName><![CDATA[ww-test-corp]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>"
    "<CreateTime>{created}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
    "<Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[add_external_contact]]></ChangeType>"
    "<UserID><![CDATA[rm01a]]></UserID><ExternalUserID><![CDATA[wmEXTERNAL01]]></ExternalUserID>"
    "<State><![CDATA[poster-7]]></State><WelcomeCode><![CDATA[WELCOME]]></WelcomeCode></xml>"
)


@pytest.fixture(autouse=True)
def configured(settings):
    settings.WECOM_CALLBACK_TOKEN = TOKEN
    settings.WECOM_CALLBACK_AES_KEY = AES_KEY
    settings.WECOM_CORP_ID = CORP_ID


@pytest.fixture
def wecom_client():
    return Client(enforce_csrf_checks=True)  # WeCom has no CSRF cookie: the view must not need one


def event_xml(created: int = 1700000000, **replace: str) -> bytes:
    text = ADD_CONTACT.format(created=created)
    for old, new in replace.items():
        text = text.replace(old, new)
    return text.encode()


def signed(
    plain: bytes,
    *,
    token: str = TOKEN,
    aes_key: str = AES_KEY,
    corp_id: str = CORP_ID,
    timestamp: int | None = None,
    nonce: str = "n0nce",
) -> tuple[str, str]:
    """The query and the body WeCom would send for `plain`."""
    encrypted = crypto.encrypt(plain, aes_key=aes_key, corp_id=corp_id)
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    query = urlencode(
        {
            "msg_signature": crypto.signature(token, stamp, nonce, encrypted),
            "timestamp": stamp,
            "nonce": nonce,
        }
    )
    body = (
        f"<xml><ToUserName><![CDATA[{corp_id}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt>"
        "<AgentID><![CDATA[218]]></AgentID></xml>"
    )
    return query, body


def post(client: Client, query: str, body: str):
    return client.post(f"{URL}?{query}", body, content_type="text/xml")


# --- URL verification ---------------------------------------------------------------------


def test_url_verification_answers_the_decrypted_echostr_as_text(wecom_client):
    echostr = crypto.encrypt(b"8217354631923", aes_key=AES_KEY, corp_id=CORP_ID)
    stamp = str(int(time.time()))
    query = urlencode(
        {
            "msg_signature": crypto.signature(TOKEN, stamp, "42", echostr),
            "timestamp": stamp,
            "nonce": "42",
            "echostr": echostr,
        }
    )
    r = wecom_client.get(f"{URL}?{query}")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/plain")
    assert r.content == b"8217354631923"


def test_url_verification_of_wecoms_published_sample(wecom_client, settings):
    settings.WECOM_CALLBACK_TOKEN = sample.TOKEN
    settings.WECOM_CALLBACK_AES_KEY = sample.AES_KEY
    settings.WECOM_CORP_ID = sample.CORP_ID
    query = urlencode(
        {
            "msg_signature": sample.VERIFY_SIGNATURE,
            "timestamp": sample.VERIFY_TIMESTAMP,
            "nonce": sample.VERIFY_NONCE,
            "echostr": sample.VERIFY_ECHOSTR,
        }
    )
    with time_machine.travel(int(sample.VERIFY_TIMESTAMP) + 30, tick=False):
        r = wecom_client.get(f"{URL}?{query}")
    assert (r.status_code, r.content) == (200, b"1616140317555161061")
    with time_machine.travel(int(sample.VERIFY_TIMESTAMP) + 301, tick=False):  # replayed later
        assert wecom_client.get(f"{URL}?{query}").status_code == 403


def test_url_verification_with_a_bad_signature_is_refused(wecom_client):
    echostr = crypto.encrypt(b"123", aes_key=AES_KEY, corp_id=CORP_ID)
    stamp = str(int(time.time()))
    query = urlencode({"msg_signature": "0" * 40, "timestamp": stamp, "nonce": "42", "echostr": echostr})
    assert wecom_client.get(f"{URL}?{query}").status_code == 403
    assert wecom_client.get(URL).status_code == 403


# --- events -------------------------------------------------------------------------------


def test_an_event_is_stored_and_handled_by_the_worker_after_commit(
    wecom_client, contact_added, django_capture_on_commit_callbacks
):
    query, body = signed(event_xml())
    with django_capture_on_commit_callbacks(execute=False) as queued:
        r = post(wecom_client, query, body)
    assert (r.status_code, r.content) == (200, b"success")
    assert r["Content-Type"].startswith("text/plain")
    event = CallbackEvent.objects.get()
    assert (event.event, event.change_type, event.status) == (
        "change_external_contact",
        "add_external_contact",
        CallbackEvent.Status.RECEIVED,
    )
    assert event.fields["ExternalUserID"] == "wmEXTERNAL01" and event.fields["State"] == "poster-7"
    assert len(queued) == 1
    assert contact_added.seen == []  # nothing handled before the commit
    queued[0]()  # the worker's turn (eager in tests)
    event.refresh_from_db()
    assert event.status == CallbackEvent.Status.HANDLED and contact_added.seen == [event.pk]
    assert event.handled_at is not None


def test_an_event_without_a_handler_is_recorded_as_ignored(wecom_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        query, body = signed(event_xml(**{"change_external_contact": "change_external_chat"}))
        assert post(wecom_client, query, body).content == b"success"
    event = CallbackEvent.objects.get()
    assert event.status == CallbackEvent.Status.IGNORED and event.handled_at is not None


def test_the_same_event_twice_changes_nothing_the_second_time(
    wecom_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as first:
        query, body = signed(event_xml(), nonce="one")
        assert post(wecom_client, query, body).content == b"success"
    before = CallbackEvent.objects.values().get()
    # WeCom's redelivery: the same event, encrypted afresh, signed with another nonce.
    with django_capture_on_commit_callbacks(execute=True) as second:
        query, body = signed(event_xml(), nonce="two")
        assert post(wecom_client, query, body).content == b"success"
        assert post(wecom_client, query, body).content == b"success"  # and the very same request
    assert (len(first), len(second)) == (1, 0)
    assert CallbackEvent.objects.values().get() == before


def test_a_new_event_costs_one_insert_and_nothing_else(wecom_client, django_capture_on_commit_callbacks):
    """The callback answers within WeCom's patience at campaign scale only if it does no lookups:
    a new event is one INSERT (no SELECT first, no handler in the request); a redelivery adds one
    SELECT of the stored row and enqueues nothing."""
    query, body = signed(event_xml(), nonce="one")
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as queued:
        assert post(wecom_client, query, body).content == b"success"
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert [s for s in statements if s in {"SELECT", "INSERT", "UPDATE", "DELETE"}] == ["INSERT"]
    assert len(queued) == 1
    query, body = signed(event_xml(), nonce="two")
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as queued:
        assert post(wecom_client, query, body).content == b"success"
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert [s for s in statements if s in {"SELECT", "INSERT", "UPDATE", "DELETE"}] == ["INSERT", "SELECT"]
    assert len(queued) == 0 and CallbackEvent.objects.count() == 1


def test_the_cipher_is_built_once_per_key():
    crypto._cipher.cache_clear()
    for _ in range(3):
        plain = b"<xml><a>1</a></xml>"
        assert (
            crypto.decrypt(
                crypto.encrypt(plain, aes_key=AES_KEY, corp_id=CORP_ID), aes_key=AES_KEY, corp_id=CORP_ID
            )
            == plain
        )
    info = crypto._cipher.cache_info()
    assert (info.misses, info.hits) == (1, 5)


def test_two_different_events_are_two_rows(wecom_client):
    for created in (1700000000, 1700000001):
        query, body = signed(event_xml(created))
        assert post(wecom_client, query, body).status_code == 200
    assert CallbackEvent.objects.count() == 2


def test_a_message_is_keyed_by_its_msg_id(wecom_client):
    message = (
        b"<xml><ToUserName>ww-test-corp</ToUserName><MsgType>text</MsgType><Content>hello</Content>"
        b"<MsgId>4561255354251345929</MsgId><AgentID>218</AgentID></xml>"
    )
    query, body = signed(message)
    assert post(wecom_client, query, body).status_code == 200
    event = CallbackEvent.objects.get()
    assert (event.key, event.event) == ("msg:4561255354251345929", "text")


# --- refusals: every one changes nothing ----------------------------------------------------


def refused(client, query: str, body: str, status: int) -> None:
    r = post(client, query, body)
    assert r.status_code == status, r.content
    assert r.content != b"success"
    assert CallbackEvent.objects.count() == 0


def test_a_bad_signature_is_403_logged_and_changes_nothing(wecom_client, caplog):
    query, body = signed(event_xml(), token="not-the-token")
    with caplog.at_level(logging.WARNING, logger="rm_portal.wecom.views"):
        refused(wecom_client, query, body, 403)
    assert "bad signature" in caplog.text


def test_a_signature_over_another_ciphertext_is_403(wecom_client):
    query, _ = signed(event_xml())
    _, other_body = signed(event_xml(1700000009))
    refused(wecom_client, query, other_body, 403)


@pytest.mark.parametrize(
    "body",
    [
        "",
        "not xml at all",
        "<xml><ToUserName>ww-test-corp</ToUserName></xml>",  # no <Encrypt>
        "<other><Encrypt>abc</Encrypt></other>",
        '<!DOCTYPE xml [<!ENTITY e "x">]><xml><Encrypt>&e;</Encrypt></xml>',
    ],
)
def test_a_body_with_nothing_signed_in_it_is_403(wecom_client, body):
    query, _ = signed(event_xml())
    refused(wecom_client, query, body, 403)


def test_a_huge_body_is_not_even_parsed(wecom_client):
    query, _ = signed(event_xml())
    refused(wecom_client, query, "<xml>" + "x" * 300_000 + "</xml>", 413)


def test_missing_query_parameters_are_403(wecom_client):
    _, body = signed(event_xml())
    refused(wecom_client, "", body, 403)


# A margin over the 300 s window: the request reaches the view a moment after the test reads the clock.
@pytest.mark.parametrize("offset", [-330, 330, -3600 * 24])
def test_a_timestamp_outside_five_minutes_is_a_replay_and_403(wecom_client, offset):
    query, body = signed(event_xml(), timestamp=int(time.time()) + offset)
    refused(wecom_client, query, body, 403)


def test_a_timestamp_inside_five_minutes_is_accepted(wecom_client):
    query, body = signed(event_xml(), timestamp=int(time.time()) - 290)
    assert post(wecom_client, query, body).status_code == 200


def test_a_timestamp_that_is_not_a_number_is_403(wecom_client):
    encrypted = crypto.encrypt(event_xml(), aes_key=AES_KEY, corp_id=CORP_ID)
    query = urlencode(
        {"msg_signature": crypto.signature(TOKEN, "soon", "n", encrypted), "timestamp": "soon", "nonce": "n"}
    )
    refused(wecom_client, query, f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>", 403)


def test_an_event_for_another_corp_is_400(wecom_client):
    query, body = signed(event_xml(), corp_id="ww-another-corp")
    refused(wecom_client, query, body, 400)


def test_an_inner_addressee_of_another_corp_is_400(wecom_client):
    query, body = signed(event_xml(**{"ww-test-corp": "ww-another-corp"}))
    refused(wecom_client, query, body, 400)


def test_signed_but_encrypted_under_another_key_is_400(wecom_client):
    query, body = signed(event_xml(), aes_key="B" * 43)
    refused(wecom_client, query, body, 400)


@pytest.mark.parametrize(
    "plain",
    [
        b"not xml",
        b"<xml><Event>unclosed</xml>",
        b"<notxml><Event>x</Event></notxml>",
        b"<xml></xml>",
        # An entity bomb or an external entity inside: defusedxml refuses the DTD.
        b'<!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
        b"<xml><Event>&b;</Event></xml>",
        b'<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><Event>&x;</Event></xml>',
    ],
)
def test_a_signed_event_that_is_not_good_xml_is_400(wecom_client, plain):
    query, body = signed(plain)
    refused(wecom_client, query, body, 400)


def test_an_unconfigured_callback_refuses_everything(wecom_client, settings):
    query, body = signed(event_xml())
    settings.WECOM_CALLBACK_TOKEN = ""
    refused(wecom_client, query, body, 403)


def test_other_methods_are_not_allowed(wecom_client):
    assert wecom_client.put(URL, "x", content_type="text/xml").status_code == 405


# --- handlers -----------------------------------------------------------------------------


@pytest.fixture
def contact_added():
    """A handler of the test's own in the place of the real add handler (which asks WeCom)."""
    seen: list[int] = []

    def handler(event: CallbackEvent) -> None:
        if handler.fail:
            raise RuntimeError("WeCom unreachable")
        seen.append(event.pk)

    handler.fail = False
    handler.seen = seen
    with events.override("change_external_contact", "add_external_contact", handler):
        yield handler


def test_a_registered_handler_runs_once(wecom_client, contact_added, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        query, body = signed(event_xml())
        post(wecom_client, query, body)
    event = CallbackEvent.objects.get()
    assert contact_added.seen == [event.pk]
    assert event.status == CallbackEvent.Status.HANDLED and event.attempts == 1
    assert callback_event_handle(event_id=event.pk) == "handled"  # a second run does nothing
    assert contact_added.seen == [event.pk]


def test_a_failing_handler_is_tried_again_and_fails_for_good_on_the_last_attempt(wecom_client, contact_added):
    contact_added.fail = True
    query, body = signed(event_xml())
    post(wecom_client, query, body)
    event = CallbackEvent.objects.get()
    with pytest.raises(RuntimeError):
        callback_event_handle(event_id=event.pk)
    event.refresh_from_db()
    assert (event.status, event.attempts) == (CallbackEvent.Status.RECEIVED, 1)
    assert "WeCom unreachable" in event.error
    with pytest.raises(RuntimeError):
        callback_event_handle(event_id=event.pk, last_attempt=True)
    event.refresh_from_db()
    assert (event.status, event.attempts) == (CallbackEvent.Status.FAILED, 2)


def test_a_change_type_without_its_own_handler_falls_back_to_the_events_handler(db):
    @events.handles("change_external_contact")
    def any_change(event: CallbackEvent) -> None:
        pass

    try:
        assert events.handler_for("change_external_contact", "edit_external_contact") is not any_change
        assert events.handler_for("change_external_contact", "a_future_change") is any_change
        assert events.handler_for("change_external_chat", "create") is None
        with pytest.raises(ValueError, match="already has a handler"):
            events.handles("change_external_contact")(lambda event: None)
    finally:
        events.unregister("change_external_contact")


def test_an_event_whose_task_was_lost_is_swept_and_handled(wecom_client, contact_added):
    from datetime import timedelta

    from django.utils import timezone

    from rm_portal.wecom.services import callback_events_sweep, callback_events_unhandled

    query, body = signed(event_xml())
    post(wecom_client, query, body)  # on-commit callbacks never run here: the task is "lost"
    event = CallbackEvent.objects.get()
    assert callback_events_unhandled(now=timezone.now()) == []  # it may still be on its way
    assert callback_events_unhandled(now=timezone.now() + timedelta(minutes=11)) == [event.pk]
    assert callback_events_unhandled(now=timezone.now() + timedelta(hours=49)) == []  # too old
    CallbackEvent.objects.filter(pk=event.pk).update(received_at=timezone.now() - timedelta(minutes=11))
    assert callback_events_sweep() == 1
    event.refresh_from_db()
    assert event.status == CallbackEvent.Status.HANDLED and contact_added.seen == [event.pk]
    assert callback_events_sweep() == 0
