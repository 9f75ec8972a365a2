"""The RM's 今日 card: mass messages WeCom waits for them to confirm in the client."""

from __future__ import annotations

from django.contrib.auth.models import User

from rm_portal.org.models import Role
from rm_portal.web.today import Card, provides


@provides
def outreach_card(user: User, role: str) -> Card | None:
    if role != Role.RM:
        return None
    from rm_portal.outreach.selectors import awaiting_confirmation

    count = awaiting_confirmation(user=user)
    if not count:
        return None
    return Card("outreach/_today_card.html", {"outreach_waiting": count}, order=15)
