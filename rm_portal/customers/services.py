from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.db.models import Model
from django.utils import timezone

from rm_portal.customers.models import Customer, TimelineEvent


def ref_of(obj: Model | None) -> str:
    if obj is None:
        return ""
    return f"{obj._meta.label_lower}:{obj.pk}"


def timeline_record(
    *,
    customer: Customer,
    kind: str,
    title: str,
    actor: User | None = None,
    ref: Model | None = None,
    detail: dict | None = None,
    at: datetime | None = None,
) -> TimelineEvent:
    """Add one touch to the customer's timeline; every app calls this, never the model."""
    return TimelineEvent.objects.create(
        customer=customer,
        kind=kind,
        title=title[:200],
        actor=actor,
        ref=ref_of(ref),
        detail=detail or {},
        occurred_at=at or timezone.now(),
    )
