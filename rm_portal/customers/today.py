"""Cards on the Today page: head office finds the import here; an RM sees deposits maturing; a lead
sees the recent handovers whose follow-up work (the WeCom transfer) is still going or failed."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from rm_portal.customers.models import Handover, Holding, HoldingType
from rm_portal.org.access import scope
from rm_portal.org.handover import followups
from rm_portal.org.models import Role
from rm_portal.web.today import Card, provides


@provides
def customers_card(user: User, role: str) -> Card | None:
    if role == Role.HEAD_OFFICE:
        return Card("customers/_today_import.html", {}, order=40)
    if role in (Role.RM, Role.BRANCH_LEAD):
        today = timezone.localdate()
        due = (
            scope(user, Holding.objects.all())
            .filter(
                type=HoldingType.TIME_DEPOSIT,
                maturity_date__gte=today,
                maturity_date__lte=today + timedelta(days=7),
            )
            .select_related("customer")
            .order_by("maturity_date", "id")
        )
        return Card("customers/_today_due.html", {"due": list(due[:5]), "count": due.count()}, order=20)
    return None


RECENT_HANDOVERS = timedelta(days=14)


@provides
def handovers_card(user: User, role: str) -> Card | None:
    """Only when something needs the lead's eye: work still going, or contacts that did not move."""
    if role != Role.BRANCH_LEAD:
        return None
    since = timezone.now() - RECENT_HANDOVERS
    recent = (
        scope(user, Handover.objects.filter(created_at__gte=since))
        .select_related("leaver__staff", "successor__staff")
        .order_by("-created_at", "-pk")[:5]
    )
    rows = []
    for handover in recent:
        for followup in followups(handover.pk):
            if not followup.done or followup.failures:
                rows.append({"handover": handover, "followup": followup})
    if not rows:
        return None
    return Card("customers/_today_handovers.html", {"rows": rows}, order=15)
