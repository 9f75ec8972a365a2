"""Cards on the Today page: head office finds the import here; an RM sees deposits maturing."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from rm_portal.customers.models import Holding, HoldingType
from rm_portal.org.access import scope
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
