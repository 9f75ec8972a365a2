from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import QuerySet

from rm_portal.notifications.models import Notification
from rm_portal.org.access import scope


def notification_list(*, user: User, unread: bool = False) -> QuerySet[Notification]:
    qs = scope(user, Notification.objects.all())
    if unread:
        qs = qs.filter(read_at=None)
    return qs.order_by("-created_at", "-id")


def unread_count(*, user: User) -> int:
    return notification_list(user=user, unread=True).count()
