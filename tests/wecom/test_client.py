"""The WeCom client against a real HTTP server on loopback: tokens, refreshes, retries, errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from rm_portal.wecom.client import WeComClient, WeComError, WeComUnavailable, app_client, contact_client
from tests.wecom.conftest import HTTP_503, NOT_JSON, SLOW

SEND = "/cgi-bin/message/send"
MESSAGE = {"touser": "rm01a", "msgtype": "text", "agentid": "1000002", "text": {"content": "晨会"}}


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(wecom_server, sleeps):
    return WeComClient(corp_id="ww-test-corp", secret="app-secret", sleep=sleeps.append)


def paths(server) -> list[str]:
    return [path for path, _, _ in server.calls]


def tokens(server) -> list[str]:
    return [query.get("access_token", "") for path, query, _ in server.calls if path == SEND]


def test_a_call_fetches_a_token_once_and_every_process_shares_it(wecom_server, client):
    assert client.post(SEND, MESSAGE)["errcode"] == 0
    # Another client (another process would build its own) finds the token in the shared cache.
    assert app_client().post(SEND, MESSAGE)["errcode"] == 0
    assert paths(wecom_server) == ["/cgi-bin/gettoken", SEND, SEND]
    _, query, _ = wecom_server.calls[0]
    assert query == {"corpid": "ww-test-corp", "corpsecret": "app-secret"}
    assert tokens(wecom_server) == ["TOKEN-1", "TOKEN-1"]
    assert wecom_server.calls[1][2] == MESSAGE  # the body arrives as sent, Chinese included


def test_each_secret_has_its_own_token(wecom_server):
    app_client().post(SEND, MESSAGE)
    contact_client().get("/cgi-bin/externalcontact/list", {"userid": "rm01a"})
    secrets = [query["corpsecret"] for path, query, _ in wecom_server.calls if path == "/cgi-bin/gettoken"]
    assert secrets == ["app-secret", "contact-secret"]
    assert app_client().token_key != contact_client().token_key
    assert "app-secret" not in app_client().token_key  # the secret never shows in a cache key


def test_the_token_is_cached_for_expires_in_less_a_margin(wecom_server, client):
    wecom_server.expires_in = 600  # cached for 300 s
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.post(SEND, MESSAGE)
        traveller.shift(timedelta(seconds=290))
        client.post(SEND, MESSAGE)
        traveller.shift(timedelta(seconds=20))
        client.post(SEND, MESSAGE)
    assert tokens(wecom_server) == ["TOKEN-1", "TOKEN-1", "TOKEN-2"]


@pytest.mark.parametrize("errcode", [42001, 40014, 40001])
def test_a_lapsed_token_is_refreshed_and_the_call_made_once_more(wecom_server, client, errcode):
    wecom_server.script[SEND] = [{"errcode": errcode, "errmsg": "access_token expired"}]
    assert client.post(SEND, MESSAGE)["errcode"] == 0
    assert paths(wecom_server) == ["/cgi-bin/gettoken", SEND, "/cgi-bin/gettoken", SEND]
    assert tokens(wecom_server) == ["TOKEN-1", "TOKEN-2"]
    client.post(SEND, MESSAGE)  # the fresh token is the cached one now
    assert tokens(wecom_server)[-1] == "TOKEN-2"


def test_a_token_refused_twice_is_raised_after_one_refresh(wecom_server, client):
    wecom_server.script[SEND] = [{"errcode": 42001, "errmsg": "expired"}] * 2
    with pytest.raises(WeComError) as raised:
        client.post(SEND, MESSAGE)
    assert (raised.value.errcode, raised.value.path) == (42001, SEND)
    assert paths(wecom_server).count(SEND) == 2


def test_a_rate_limit_is_waited_out_with_a_back_off(wecom_server, client, sleeps):
    wecom_server.script[SEND] = [{"errcode": 45009, "errmsg": "api freq out of limit"}] * 2
    assert client.post(SEND, MESSAGE)["errcode"] == 0
    assert paths(wecom_server).count(SEND) == 3
    assert sleeps == [0.5, 1.0]


def test_a_rate_limit_that_lasts_is_raised_after_the_last_attempt(wecom_server, client, sleeps):
    wecom_server.script[SEND] = [{"errcode": 45009, "errmsg": "api freq out of limit"}] * 5
    with pytest.raises(WeComError) as raised:
        client.post(SEND, MESSAGE)
    assert raised.value.errcode == 45009
    assert paths(wecom_server).count(SEND) == client.attempts == 3
    assert sleeps == [0.5, 1.0]


def test_a_timeout_is_tried_again(wecom_server, sleeps):
    client = WeComClient(corp_id="ww-test-corp", secret="app-secret", timeout=0.5, sleep=sleeps.append)
    wecom_server.script[SEND] = [SLOW]
    assert client.post(SEND, MESSAGE)["errcode"] == 0
    assert paths(wecom_server).count(SEND) == 2
    assert sleeps == [0.5]


def test_an_unreachable_wecom_is_tried_a_bounded_number_of_times(db, sleeps):
    client = WeComClient(
        corp_id="ww-test-corp",
        secret="app-secret",
        base="http://127.0.0.1:9",  # the discard port: connection refused
        attempts=5,
        sleep=sleeps.append,
    )
    with pytest.raises(WeComUnavailable) as raised:
        client.post(SEND, MESSAGE)
    assert raised.value.path == "/cgi-bin/gettoken"
    assert sleeps == [0.5, 1.0, 2.0, 4.0]  # doubling, never above longest_backoff


def test_an_unknown_errcode_is_raised_with_its_message_and_call_and_not_retried(wecom_server, client):
    wecom_server.script[SEND] = [{"errcode": 60020, "errmsg": "not allow to access from your ip"}]
    with pytest.raises(WeComError) as raised:
        client.post(SEND, MESSAGE)
    error = raised.value
    assert (error.errcode, error.errmsg, error.path) == (60020, "not allow to access from your ip", SEND)
    assert "60020" in str(error) and "TOKEN-1" not in str(error)
    assert paths(wecom_server).count(SEND) == 1


def test_a_refused_gettoken_is_raised_not_looped(wecom_server, client):
    wecom_server.script["/cgi-bin/gettoken"] = [{"errcode": 40001, "errmsg": "invalid credential"}]
    with pytest.raises(WeComError) as raised:
        client.post(SEND, MESSAGE)
    assert (raised.value.errcode, raised.value.path) == (40001, "/cgi-bin/gettoken")
    assert paths(wecom_server) == ["/cgi-bin/gettoken"]


@pytest.mark.parametrize(("answer", "reason"), [(HTTP_503, "HTTP 503"), (NOT_JSON, "not JSON")])
def test_an_http_error_or_a_page_is_unavailable_at_once(wecom_server, client, sleeps, answer, reason):
    wecom_server.script[SEND] = [answer]
    with pytest.raises(WeComUnavailable) as raised:
        client.post(SEND, MESSAGE)
    assert reason in str(raised.value)
    assert paths(wecom_server).count(SEND) == 1 and sleeps == []


def test_get_passes_its_parameters_and_the_token(wecom_server, client):
    client.get("/cgi-bin/externalcontact/get", {"external_userid": "wmABC"})
    path, query, _ = wecom_server.calls[-1]
    assert path == "/cgi-bin/externalcontact/get"
    assert query == {"external_userid": "wmABC", "access_token": "TOKEN-1"}
