"""Pushing notifications through the outside channels, attempt by attempt.

The worker's task calls `notifications_deliver`; it records every attempt as a Delivery row. A
failed attempt that may succeed later is recorded as `retry`, and the task tries again after a
back-off; after `MAX_ATTEMPTS` the failure is final (`failed`, logged as a warning, listed in the
admin). A notification that reached an end on a channel is never pushed through it again, so a
second run of the task, or a run racing another worker, sends nothing twice.

This module enqueues nothing, so the task may import it while `services` imports the task.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from rm_portal.notifications.channels import outside_channels
from rm_portal.notifications.models import Delivery, Notification
from rm_portal.org.models import Staff

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
FIRST_RETRY_SECONDS = 30
LONGEST_RETRY_SECONDS = 3600


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
    for notification_id, channel_name, attempt, status in Delivery.objects.filter(
        notification_id__in=notification_ids
    ).values_list("notification_id", "channel", "attempt", "status"):
        key = (notification_id, channel_name)
        tried[key] = max(tried.get(key, 0), attempt)
        if status in Delivery.FINAL:
            ended.add(key)
    result = DeliveryRound()
    retry: set[int] = set()
    for channel in outside_channels():
        for notification in notifications:
            key = (notification.pk, channel.name)
            if key in ended:
                continue
            attempt = tried.get(key, 0) + 1
            outcome = channel.send(notification, wechat_ids.get(notification.recipient_id, ""))
            status = outcome.status
            if status == Delivery.Status.FAILED and outcome.retryable and attempt < MAX_ATTEMPTS:
                status = Delivery.Status.RETRY
            try:
                with transaction.atomic():
                    Delivery.objects.create(
                        notification=notification,
                        channel=channel.name,
                        attempt=attempt,
                        status=status,
                        payload=outcome.payload,
                        response=outcome.response[:4000],
                    )
            except IntegrityError:
                continue  # another worker recorded this attempt first
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
