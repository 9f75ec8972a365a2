from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from rm_portal.notifications.models import Notification
from rm_portal.org.access import scope


def notification_list(*, user: User, unread: bool = False) -> QuerySet[Notification]:
    qs = scope(user, Notification.objects.all())
    if unread:
        qs = qs.filter(read_at=None)
    return qs.order_by("-created_at", "-id")


def notification_for(user: User, pk: int) -> Notification:
    """One of the person's own notifications; someone else's is the same 404 as a missing one."""
    return get_object_or_404(notification_list(user=user), pk=pk)


def unread_count(*, user: User) -> int:
    return notification_list(user=user, unread=True).count()
