from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from rm_portal.notifications.models import Delivery, Notification
from rm_portal.notifications.services import notifications_deliver, notify


def test_my_notifications_newest_first_and_nobody_elses(api, rm01a, rm01b):
    notify(recipients=[rm01a], kind="test", title="第一条")
    notify(recipients=[rm01a, rm01b], kind="test", title="第二条")
    body = api(rm01a).get("/api/v1/notifications/").json()
    assert body["count"] == 2
    assert [n["title"] for n in body["results"]] == ["第二条", "第一条"]
    assert api(rm01b).get("/api/v1/notifications/").json()["count"] == 1


def test_mark_one_read_and_filter_unread(api, rm01a):
    first, second = notify(recipients=[rm01a, rm01a], kind="test", title="提醒")
    client = api(rm01a)
    r = client.post(f"/api/v1/notifications/{first.pk}/read/")
    assert r.status_code == 200 and r.json()["read"] is True
    unread = client.get("/api/v1/notifications/?unread=1").json()
    assert [n["id"] for n in unread["results"]] == [second.pk]


def test_mark_all_read(api, rm01a):
    notify(recipients=[rm01a] * 3, kind="test", title="提醒")
    assert api(rm01a).post("/api/v1/notifications/read-all/").json() == {"marked": 3}
    assert Notification.objects.filter(read_at=None).count() == 0


def test_reading_someone_elses_notification_is_a_404(api, rm01a, rm02a):
    (theirs,) = notify(recipients=[rm02a], kind="test", title="别人的")
    assert api(rm01a).post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_the_list_costs_the_same_queries_for_five_or_fifty(api, rm01a, django_assert_max_num_queries):
    client = api(rm01a)
    notify(recipients=[rm01a] * 5, kind="test", title="提醒")
    with django_assert_max_num_queries(6):
        client.get("/api/v1/notifications/")
    notify(recipients=[rm01a] * 45, kind="test", title="提醒")
    with django_assert_max_num_queries(6):
        client.get("/api/v1/notifications/")


def test_notifications_need_credentials(anon, db):
    assert anon.get("/api/v1/notifications/").status_code == 401


def test_unconfigured_wecom_records_what_it_would_send(rm01a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (notification,) = notify(recipients=[rm01a], kind="checklist", title="晨会提醒", body="07:30 晨会")
    delivery = Delivery.objects.get(notification=notification)
    assert delivery.status == Delivery.Status.RECORDED
    assert delivery.payload["touser"] == rm01a.staff.wechat_id
    assert delivery.payload["text"]["content"] == "晨会提醒\n07:30 晨会"


class FakeWeCom(BaseHTTPRequestHandler):
    """A WeCom-compatible HTTP endpoint on loopback, answering like the real API does."""

    calls: list[tuple[str, dict]] = []
    send_errcode = 0

    def do_GET(self) -> None:
        query = parse_qs(urlparse(self.path).query)
        FakeWeCom.calls.append(("gettoken", {k: v[0] for k, v in query.items()}))
        self._answer({"errcode": 0, "errmsg": "ok", "access_token": "TOKEN-1", "expires_in": 7200})

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        body = json.loads(self.rfile.read(length))
        token = parse_qs(urlparse(self.path).query)["access_token"][0]
        FakeWeCom.calls.append(("send", {"token": token, **body}))
        self._answer(
            {"errcode": FakeWeCom.send_errcode, "errmsg": "ok" if not FakeWeCom.send_errcode else "bad"}
        )

    def _answer(self, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def wecom(settings):  # type: ignore[no-untyped-def]
    FakeWeCom.calls = []
    FakeWeCom.send_errcode = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeWeCom)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.WECOM_API_BASE = f"http://127.0.0.1:{server.server_address[1]}"
    settings.WECOM_CORP_ID, settings.WECOM_SECRET, settings.WECOM_AGENT_ID = "corp", "secret", "1000002"
    yield FakeWeCom
    server.shutdown()


def test_configured_wecom_sends_an_application_message_once(rm01a, wecom):
    (notification,) = notify(recipients=[rm01a], kind="checklist", title="晨会提醒")
    assert notifications_deliver(notification_ids=[notification.pk]) == 1
    assert notifications_deliver(notification_ids=[notification.pk]) == 0  # a retry sends nothing twice
    kinds = [kind for kind, _ in wecom.calls]
    assert kinds == ["gettoken", "send"]
    sent = wecom.calls[1][1]
    assert sent["token"] == "TOKEN-1"
    assert (sent["touser"], sent["agentid"], sent["text"]["content"]) == (
        rm01a.staff.wechat_id,
        "1000002",
        "晨会提醒",
    )
    assert Delivery.objects.get(notification=notification).status == Delivery.Status.SENT


def test_the_access_token_is_reused_between_sends(rm01a, rm01b, wecom):
    rows = notify(recipients=[rm01a, rm01b], kind="checklist", title="晨会提醒")
    notifications_deliver(notification_ids=[r.pk for r in rows])
    assert [kind for kind, _ in wecom.calls] == ["gettoken", "send", "send"]


def test_a_wecom_error_is_recorded_as_failed(rm01a, wecom):
    wecom.send_errcode = 81013
    (notification,) = notify(recipients=[rm01a], kind="checklist", title="晨会提醒")
    notifications_deliver(notification_ids=[notification.pk])
    delivery = Delivery.objects.get(notification=notification)
    assert delivery.status == Delivery.Status.FAILED
    assert "81013" in delivery.response


def test_someone_without_a_wecom_account_is_skipped(rm01a, wecom):
    rm01a.staff.wechat_id = ""
    rm01a.staff.save()
    (notification,) = notify(recipients=[rm01a], kind="checklist", title="晨会提醒")
    notifications_deliver(notification_ids=[notification.pk])
    assert Delivery.objects.get(notification=notification).status == Delivery.Status.SKIPPED
    assert wecom.calls == []
