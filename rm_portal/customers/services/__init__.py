from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.db.models import Model
from django.utils import timezone

from rm_portal.customers.models import Customer, TimelineEvent
from rm_portal.customers.phones import phone_tail_of as phone_tail_of  # the import and seed keep the tail


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
    detail: dict[str, object] | None = None,
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


def timeline_record_many(*, events: list[TimelineEvent]) -> int:
    """Many touches at once (a handover moving hundreds of customers): one INSERT, not hundreds."""
    for event in events:
        event.title = event.title[:200]
        event.occurred_at = event.occurred_at or timezone.now()
    return len(TimelineEvent.objects.bulk_create(events, batch_size=1000))
