"""Writes of notifications. Outside delivery is the worker's: `notify` enqueues it after commit,
and the task runs `notifications.delivery`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from rm_portal.notifications.delivery import undelivered
from rm_portal.notifications.models import Notification
from rm_portal.notifications.tasks import notifications_deliver

SWEEP_BATCH = 200  # notification ids per re-enqueued task


def notify(
    *, recipients: Iterable[User], kind: str, title: str, body: str = "", link: str = ""
) -> list[Notification]:
    """In-app at once (one bulk insert), outside channels by the worker after commit."""
    rows = Notification.objects.bulk_create(
        [Notification(recipient=user, kind=kind, title=title, body=body, link=link) for user in recipients]
    )
    ids = [row.pk for row in rows]
    if ids:
        transaction.on_commit(lambda: notifications_deliver.delay(ids))
    return rows


def notifications_sweep(*, now: datetime | None = None) -> int:
    """Enqueue the delivery again of every notification whose task was lost (a worker killed, a
    broker restarted): nothing accepted stays undelivered. Enqueueing one twice is harmless, since
    each attempt is claimed before it is sent. Returns how many notifications were re-enqueued."""
    ids = undelivered(now=now or timezone.now())
    for start in range(0, len(ids), SWEEP_BATCH):
        batch = ids[start : start + SWEEP_BATCH]
        notifications_deliver.delay(batch)  # the sweep writes nothing: no commit to wait for
    return len(ids)


def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at=None).update(read_at=timezone.now())
