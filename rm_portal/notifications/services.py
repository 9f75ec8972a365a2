from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from rm_portal.notifications.channels import outside_channels
from rm_portal.notifications.models import Delivery, Notification
from rm_portal.org.models import Staff


def notify(
    *, recipients: Iterable[User], kind: str, title: str, body: str = "", link: str = ""
) -> list[Notification]:
    """In-app at once (one bulk insert), outside channels by the worker after commit."""
    rows = Notification.objects.bulk_create(
        [Notification(recipient=user, kind=kind, title=title, body=body, link=link) for user in recipients]
    )
    ids = [row.pk for row in rows]
    if ids:
        from rm_portal.notifications.tasks import notifications_deliver

        transaction.on_commit(lambda: notifications_deliver.delay(ids))
    return rows


def notifications_deliver(*, notification_ids: list[int]) -> int:
    """Push each notification once per outside channel; a second run sends nothing twice."""
    notifications = list(Notification.objects.filter(pk__in=notification_ids))
    wechat_ids = dict(
        Staff.objects.filter(user_id__in=[n.recipient_id for n in notifications]).values_list(
            "user_id", "wechat_id"
        )
    )
    done = set(
        Delivery.objects.filter(notification_id__in=notification_ids).values_list(
            "notification_id", "channel"
        )
    )
    sent = 0
    for channel in outside_channels():
        for notification in notifications:
            if (notification.pk, channel.name) in done:
                continue
            outcome = channel.send(notification, wechat_ids.get(notification.recipient_id, ""))
            try:
                Delivery.objects.create(
                    notification=notification,
                    channel=channel.name,
                    status=outcome.status,
                    payload=outcome.payload,
                    response=outcome.response[:4000],
                )
            except IntegrityError:
                continue  # another worker recorded it first
            sent += outcome.status == Delivery.Status.SENT
    return sent


def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at=None).update(read_at=timezone.now())
