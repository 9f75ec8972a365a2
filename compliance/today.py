"""Cards on the Today page: the officer's open alerts, the RM's compose-and-check box."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import Count

from compliance.models import AlertStatus
from compliance.selectors import alert_list
from rm_portal.org.models import Role
from rm_portal.web.today import Card, provides


@provides
def compliance_card(user: User, role: str) -> Card | None:
    if role == Role.COMPLIANCE:
        counts = dict(
            alert_list(user=user, status=AlertStatus.OPEN)
            .order_by()
            .values_list("severity")
            .annotate(n=Count("id"))
            .values_list("severity", "n")
        )
        return Card(
            "compliance/_card_alerts.html", {"counts": counts, "total": sum(counts.values())}, order=10
        )
    if role == Role.RM:
        return Card("compliance/_card_check.html", {}, order=60)
    return None
