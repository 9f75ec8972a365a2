"""The Today card: my open and overdue opportunities (a lead: the branch's)."""

from __future__ import annotations

from django.contrib.auth.models import User

from rm_portal.opportunities.selectors import my_counts
from rm_portal.org.models import Role
from rm_portal.web.today import Card, provides


@provides
def opportunities_card(user: User, role: str) -> Card | None:
    if role not in (Role.RM, Role.BRANCH_LEAD):
        return None
    return Card("opportunities/_today_card.html", my_counts(user=user), order=20)
