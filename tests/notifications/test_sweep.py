"""Nothing accepted is lost: a notification whose delivery task vanished (a worker killed, Redis
restarted) is found by the beat sweeper and enqueued again, and enqueueing it twice sends nothing
twice."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from rm_portal.celery import app
from rm_portal.notifications.delivery import (
    MAX_ATTEMPTS,
    SWEEP_GRACE,
    SWEEP_HORIZON,
    notifications_deliver,
    retry_delay,
)
from rm_portal.notifications.models import Delivery, Notification
from rm_portal.notifications.services import notifications_sweep, notify
from tests.notifications.test_notifications import attempts

pytestmark = pytest.mark.django_db


def later(delta: timedelta):
    return timezone.now() + delta


def notified_but_task_lost(user) -> Notification:
    """notify() with no worker and the enqueue never happening: the on-commit callback that would
    send the task is captured and dropped, as a broker restart drops a queued message."""
    app.conf.task_always_eager = False
    (notification,) = notify(recipients=[user], kind="checklist", title="晨会提醒")
    app.conf.task_always_eager = True
    return notification


def test_a_notification_whose_task_never_ran_is_delivered_by_the_sweep(
    rm01a,
    wecom,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False) as lost:
        notification = notified_but_task_lost(rm01a)
    assert len(lost) == 1 and attempts(notification) == []
    assert notifications_sweep(now=later(SWEEP_GRACE - timedelta(minutes=1))) == 0  # may still be queued
    assert notifications_sweep(now=later(SWEEP_GRACE + timedelta(minutes=1))) == 1
    assert attempts(notification) == [(1, "sent")]
    assert [kind for kind, _ in wecom.calls] == ["gettoken", "send"]
    # Delivered: later sweeps leave it alone.
    assert notifications_sweep(now=later(SWEEP_GRACE + timedelta(minutes=6))) == 0
    assert [kind for kind, _ in wecom.calls] == ["gettoken", "send"]


def test_a_retry_whose_next_attempt_never_came_is_swept_once_it_is_overdue(rm01a, wecom):
    wecom.failing_sends = 1
    (notification,) = notify(recipients=[rm01a], kind="checklist", title="晨会提醒")
    # The first attempt fails; the task's retry (its countdown) is lost with the worker.
    assert notifications_deliver(notification_ids=[notification.pk]).retry == [notification.pk]
    due = timedelta(seconds=retry_delay(1))
    assert notifications_sweep(now=later(due)) == 0  # the retry is not overdue yet
    assert notifications_sweep(now=later(due + SWEEP_GRACE + timedelta(minutes=1))) == 1
    assert attempts(notification) == [(1, "retry"), (2, "sent")]


def test_an_attempt_left_sending_by_a_dead_worker_is_followed_by_the_next(rm01a, wecom):
    (notification,) = notify(recipients=[rm01a], kind="checklist", title="晨会提醒")
    Delivery.objects.create(notification=notification, channel="wecom", attempt=1, status="sending")
    # Claimed moments ago: another runner is sending it, and a second runner keeps out.
    assert notifications_deliver(notification_ids=[notification.pk]).sent == 0
    assert wecom.calls == []
    # Still `sending` long after: that runner died; the sweeper enqueues the next attempt.
    Delivery.objects.filter(notification=notification).update(attempted_at=timezone.now() - 2 * SWEEP_GRACE)
    assert notifications_sweep(now=later(SWEEP_GRACE + timedelta(minutes=1))) == 1
    assert attempts(notification) == [(1, "sending"), (2, "sent")]


@pytest.mark.django_db(transaction=True)
def test_a_second_run_while_the_first_is_sending_sends_nothing(rm01a, wecom):
    """The sweeper may enqueue a notification whose first task was only slow: two workers then run
    the same delivery. The first claims attempt 1 and is mid-send (WeCom holds its answer); the
    second, on its own connection, finds the claim and keeps out."""
    notification = Notification.objects.create(recipient=rm01a, kind="checklist", title="晨会提醒")
    wecom.held = threading.Event()
    first = threading.Thread(target=deliver_in_thread, args=(notification.pk,))
    first.start()
    assert wecom.sending.wait(timeout=30), "the first run never reached WeCom"
    assert notifications_deliver(notification_ids=[notification.pk]).sent == 0
    wecom.held.set()
    first.join(timeout=30)
    assert [kind for kind, _ in wecom.calls].count("send") == 1
    assert attempts(notification) == [(1, "sent")]


def deliver_in_thread(notification_id: int) -> None:
    try:
        notifications_deliver(notification_ids=[notification_id])
    finally:
        connection.close()


def test_ended_and_old_deliveries_are_not_swept(rm01a, rm01b, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (ended,) = notify(recipients=[rm01a], kind="checklist", title="已记录")
    assert attempts(ended) == [(1, "recorded")]
    with django_capture_on_commit_callbacks(execute=False):
        (old,) = notify(recipients=[rm01b], kind="checklist", title="太旧")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - SWEEP_HORIZON)
    assert notifications_sweep(now=later(SWEEP_GRACE + timedelta(minutes=1))) == 0


def test_a_failed_last_attempt_is_final_for_the_sweeper_too(rm01a, wecom):
    (notification,) = notify(recipients=[rm01a], kind="checklist", title="晨会提醒")
    for attempt in range(1, MAX_ATTEMPTS):
        Delivery.objects.create(notification=notification, channel="wecom", attempt=attempt, status="retry")
    Delivery.objects.create(notification=notification, channel="wecom", attempt=MAX_ATTEMPTS, status="failed")
    assert notifications_sweep(now=later(timedelta(hours=2))) == 0
    assert wecom.calls == []


def test_the_sweep_is_on_the_beat_schedule():
    app.finalize()
    sweep = app.conf.beat_schedule["notifications-sweep"]
    assert sweep["task"] == "rm_portal.notifications.tasks.notifications_sweep"
    assert sweep["task"] in app.tasks
