"""The WeCom adds card on the lead's and head office's Today page."""

from __future__ import annotations

from django.contrib.auth.models import User

from rm_portal.org.models import Role
from rm_portal.web.today import Card, provides


@provides
def adds_card(user: User, role: str) -> Card | None:
    if role not in (Role.BRANCH_LEAD, Role.HEAD_OFFICE):
        return None
    from rm_portal.wecom.stats_views import today_card_context

    return Card("wecom/_today_card.html", today_card_context(user, role), order=65)
