"""The materials card on the Today page: the last 7 days of the RM's (or the branch's) outreach."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import User
from django.db.models import Count
from django.utils import timezone

from materials.models import ShareToken, ViewEvent
from rm_portal.org.access import scope
from rm_portal.org.models import Role
from rm_portal.web.today import Card, provides


@provides
def outreach_card(user: User, role: str) -> Card | None:
    if role not in (Role.RM, Role.BRANCH_LEAD):
        return None
    since = timezone.now() - timedelta(days=7)
    shares = scope(user, ShareToken.objects.all()).filter(created_at__gte=since).count()
    views = (
        scope(user, ViewEvent.objects.all())
        .filter(at__gte=since)
        .aggregate(
            views=Count("id"),
            visitors=Count("visitor", distinct=True),
        )
    )
    return Card("materials/_today_card.html", {"shares": shares, **views}, order=60)
