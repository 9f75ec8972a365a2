"""Pushing notifications through the outside channels, attempt by attempt.

The worker's task calls `notifications_deliver`; it records every attempt as a Delivery row. A
failed attempt that may succeed later is recorded as `retry`, and the task tries again after a
back-off; after `MAX_ATTEMPTS` the failure is final (`failed`, logged as a warning, listed in the
admin). A notification that reached an end on a channel is never pushed through it again, so a
second run of the task sends nothing twice. An attempt is claimed (its row inserted, `sending`)
before anything is sent, and the row is unique per attempt: a run racing another worker on the same
attempt loses the insert and sends nothing.

A delivery whose task was lost (a worker killed, Redis restarted) has no row, or a last row that is
not final and whose next attempt is long overdue; `undelivered` finds them for the beat sweeper,
which enqueues the task again.

This module enqueues nothing, so the task may import it while `services` imports the task.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from rm_portal.notifications.channels import outside_channels
from rm_portal.notifications.models import Delivery, Notification
from rm_portal.org.models import Staff

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
FIRST_RETRY_SECONDS = 30
LONGEST_RETRY_SECONDS = 3600
# The sweeper leaves a delivery alone while its task may still be queued or running (a busy queue),
# and gives up on one older than the horizon: a reminder two days late is noise, and the in-app
# notification was there all along.
SWEEP_GRACE = timedelta(minutes=10)
SWEEP_HORIZON = timedelta(hours=48)


def retry_delay(attempt: int) -> int:
    """Seconds to wait after failed attempt `attempt` (1, 2, …): 30 s, 1 min, 2 min, 4 min, … ≤ 1 h."""
    return min(FIRST_RETRY_SECONDS << max(attempt - 1, 0), LONGEST_RETRY_SECONDS)


@dataclass
class DeliveryRound:
    sent: int = 0
    retry: list[int] = field(default_factory=list)  # notifications with an attempt still to come
    attempt: int = 0  # the highest attempt number of this round, for the back-off


def notifications_deliver(*, notification_ids: list[int]) -> DeliveryRound:
    """One attempt per notification and channel that has not reached an end yet."""
    notifications = list(Notification.objects.filter(pk__in=notification_ids).order_by("pk"))
    wechat_ids = dict(
        Staff.objects.filter(user_id__in=[n.recipient_id for n in notifications]).values_list(
            "user_id", "wechat_id"
        )
    )
    tried: dict[tuple[int, str], int] = {}
    ended: set[tuple[int, str]] = set()
    in_flight: set[tuple[int, str]] = set()  # last attempt claimed moments ago by another runner
    claimed_lately = timezone.now() - SWEEP_GRACE
    for notification_id, channel_name, attempt, status, attempted_at in Delivery.objects.filter(
        notification_id__in=notification_ids
    ).values_list("notification_id", "channel", "attempt", "status", "attempted_at"):
        key = (notification_id, channel_name)
        if attempt > tried.get(key, 0):
            tried[key] = attempt
            if status == Delivery.Status.SENDING and attempted_at >= claimed_lately:
                in_flight.add(key)
            else:
                in_flight.discard(key)
        if status in Delivery.FINAL:
            ended.add(key)
    result = DeliveryRound()
    retry: set[int] = set()
    for channel in outside_channels():
        for notification in notifications:
            key = (notification.pk, channel.name)
            if key in ended or key in in_flight:
                continue
            attempt = tried.get(key, 0) + 1
            try:
                with transaction.atomic():
                    claim = Delivery.objects.create(
                        notification=notification,
                        channel=channel.name,
                        attempt=attempt,
                        status=Delivery.Status.SENDING,
                    )
            except IntegrityError:
                continue  # another worker claimed this attempt first: it sends, this one does not
            outcome = channel.send(notification, wechat_ids.get(notification.recipient_id, ""))
            status = outcome.status
            if status == Delivery.Status.FAILED and outcome.retryable and attempt < MAX_ATTEMPTS:
                status = Delivery.Status.RETRY
            Delivery.objects.filter(pk=claim.pk).update(
                status=status, payload=outcome.payload, response=outcome.response[:4000]
            )
            result.attempt = max(result.attempt, attempt)
            if status == Delivery.Status.RETRY:
                retry.add(notification.pk)
            elif status == Delivery.Status.FAILED:
                logger.warning(
                    "notification %s: %s delivery failed for good after %d attempt(s): %s",
                    notification.pk,
                    channel.name,
                    attempt,
                    outcome.response[:200],
                )
            result.sent += status == Delivery.Status.SENT
    result.retry = sorted(retry)
    return result


def undelivered(*, now: datetime) -> list[int]:
    """Notifications of the last SWEEP_HORIZON whose delivery on some channel is lost: no attempt
    at all SWEEP_GRACE after it was written, or a last attempt that did not end (`retry`, or
    `sending` from a worker that died) whose next attempt is overdue by SWEEP_GRACE."""
    recent = Notification.objects.filter(
        created_at__gte=now - SWEEP_HORIZON, created_at__lt=now - SWEEP_GRACE
    )
    found: set[int] = set()
    for channel in outside_channels():
        on_channel = Delivery.objects.filter(notification=OuterRef("pk"), channel=channel.name)
        found.update(recent.filter(~Exists(on_channel)).values_list("pk", flat=True))
        open_ended = (
            Delivery.objects.filter(channel=channel.name, notification__in=recent)
            .exclude(
                notification__in=Delivery.objects.filter(
                    channel=channel.name, status__in=Delivery.FINAL
                ).values("notification")
            )
            .values("notification")
            .annotate(last=Max("attempt"), at=Max("attempted_at"))
            .filter(at__lt=now - SWEEP_GRACE - timedelta(seconds=FIRST_RETRY_SECONDS))
        )
        for row in open_ended:
            if row["at"] < now - SWEEP_GRACE - timedelta(seconds=retry_delay(row["last"])):
                found.add(row["notification"])
    return sorted(found)
