from __future__ import annotations

import pytest

from rm_portal.notifications.delivery import MAX_ATTEMPTS, notifications_deliver, retry_delay
from rm_portal.notifications.models import Delivery, Notification
from rm_portal.notifications.services import notify


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


def test_configured_wecom_sends_an_application_message_once(rm01a, wecom):
    (notification,) = notify(recipients=[rm01a], kind="checklist", title="晨会提醒")
    assert notifications_deliver(notification_ids=[notification.pk]).sent == 1
    assert notifications_deliver(notification_ids=[notification.pk]).sent == 0  # a rerun sends nothing twice
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


def test_a_wecom_refusal_is_recorded_as_failed_and_not_retried(rm01a, wecom):
    wecom.send_errcode = 81013  # the recipient is outside the application's range: no retry helps
    (notification,) = notify(recipients=[rm01a], kind="checklist", title="晨会提醒")
    assert notifications_deliver(notification_ids=[notification.pk]).retry == []
    delivery = Delivery.objects.get(notification=notification)
    assert delivery.status == Delivery.Status.FAILED
    assert "81013" in delivery.response
    notifications_deliver(notification_ids=[notification.pk])
    assert Delivery.objects.filter(notification=notification).count() == 1


@pytest.fixture
def retries_run_inline():
    """Eager tasks that retry the way a worker does: Celery re-applies an eager task on `retry()`
    (at once, without the back-off) unless eager errors propagate, so propagation is off here."""
    from rm_portal.celery import app

    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = True


def attempts(notification: Notification) -> list[tuple[int, str]]:
    return list(
        Delivery.objects.filter(notification=notification)
        .order_by("attempt")
        .values_list("attempt", "status")
    )


def test_a_failed_send_is_recorded_and_retried_until_it_goes_through(
    rm01a, wecom, django_capture_on_commit_callbacks, retries_run_inline
):
    wecom.failing_sends = 2
    # The real path: notify enqueues the task on commit; the task retries while an attempt may
    # still succeed.
    with django_capture_on_commit_callbacks(execute=True):
        (notification,) = notify(recipients=[rm01a], kind="checklist", title="晨会提醒")
    assert attempts(notification) == [(1, "retry"), (2, "retry"), (3, "sent")]
    assert "503" in Delivery.objects.get(notification=notification, attempt=1).response
    assert [kind for kind, _ in wecom.calls] == ["gettoken", "send", "send", "send"]


def test_delivery_gives_up_after_the_last_attempt_and_says_so(
    rm01a, wecom, django_capture_on_commit_callbacks, retries_run_inline, caplog
):
    wecom.failing_sends = 100
    with django_capture_on_commit_callbacks(execute=True):
        (notification,) = notify(recipients=[rm01a], kind="checklist", title="晨会提醒")
    assert attempts(notification) == [(n, "retry") for n in range(1, MAX_ATTEMPTS)] + [
        (MAX_ATTEMPTS, "failed")
    ]
    assert "failed for good" in caplog.text
    # The end is the end: a later run of the task sends nothing more.
    assert notifications_deliver(notification_ids=[notification.pk]).sent == 0
    assert len(attempts(notification)) == MAX_ATTEMPTS


def test_an_unreachable_wecom_is_retried_too(rm01a, settings):
    settings.WECOM_API_BASE = "http://127.0.0.1:9"  # the discard port: connection refused
    settings.WECOM_CORP_ID, settings.WECOM_SECRET, settings.WECOM_AGENT_ID = "corp", "secret", "1000002"
    settings.WECOM_TIMEOUT_SECONDS = 2
    (notification,) = notify(recipients=[rm01a], kind="checklist", title="晨会提醒")
    assert notifications_deliver(notification_ids=[notification.pk]).retry == [notification.pk]
    assert attempts(notification) == [(1, "retry")]


def test_retries_back_off_and_stay_bounded():
    delays = [retry_delay(attempt) for attempt in range(1, 12)]
    assert delays[:4] == [30, 60, 120, 240]
    assert delays == sorted(delays) and max(delays) == 3600


def test_someone_without_a_wecom_account_is_skipped(rm01a, wecom):
    rm01a.staff.wechat_id = ""
    rm01a.staff.save()
    (notification,) = notify(recipients=[rm01a], kind="checklist", title="晨会提醒")
    notifications_deliver(notification_ids=[notification.pk])
    assert Delivery.objects.get(notification=notification).status == Delivery.Status.SKIPPED
    assert wecom.calls == []
