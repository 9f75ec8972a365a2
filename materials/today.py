"""The materials cards on the Today page: the last 7 days of the RM's (or the branch's) outreach;
for head office, the drafts nobody sees yet."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import User
from django.db.models import Count
from django.utils import timezone

from materials.models import Material, ShareToken, ViewEvent
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


@provides
def drafts_card(user: User, role: str) -> Card | None:
    """Head office's reminder that saved materials are not out: a draft is never published by itself."""
    if role != Role.HEAD_OFFICE:
        return None
    drafts = list(scope(user, Material.objects.filter(publish_from__isnull=True)).order_by("-updated_at")[:3])
    if not drafts:
        return None
    total = scope(user, Material.objects.filter(publish_from__isnull=True)).count()
    return Card("materials/_today_drafts.html", {"drafts": drafts, "total": total}, order=55)
