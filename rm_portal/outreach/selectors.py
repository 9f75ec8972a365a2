from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Count, QuerySet
from django.utils import timezone

from rm_portal.org.access import get_scoped_or_404, scope
from rm_portal.outreach.models import OutreachChunk, OutreachRecipient, OutreachTask

RESULT_KEYS = ["sent", "not_friend", "already_received", "pending", "failed"]


def outreach_list(*, user: User, status: str = "") -> QuerySet[OutreachTask]:
    qs = scope(user, OutreachTask.objects.select_related("created_by__staff", "approved_by__staff"))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk")


def outreach_for(user: User, pk: int) -> OutreachTask:
    return get_scoped_or_404(
        user,
        OutreachTask.objects.select_related("created_by__staff", "approved_by__staff", "material"),
        pk=pk,
    )


@dataclass
class SenderResult:
    username: str
    name: str
    counts: dict[str, int]


def results_per_sender(*, task: OutreachTask) -> list[SenderResult]:
    """Per sending RM: sent, not a friend, already received that day, still pending, failed."""
    people: dict[int, SenderResult] = {}
    for sender_id, username, name, status, n in (
        OutreachRecipient.objects.filter(task=task, sender__isnull=False)
        .exclude(status=OutreachRecipient.Status.EXCLUDED)
        .values("sender_id", "sender__username", "sender__staff__name", "status")
        .annotate(n=Count("pk"))
        .values_list("sender_id", "sender__username", "sender__staff__name", "status", "n")
        .order_by("sender__username")
    ):
        entry = people.setdefault(
            sender_id, SenderResult(username, name or username, dict.fromkeys(RESULT_KEYS, 0))
        )
        key = "pending" if status == OutreachRecipient.Status.QUEUED else status
        entry.counts[key] = entry.counts.get(key, 0) + n
    return list(people.values())


def totals(results: list[SenderResult]) -> dict[str, int]:
    out = dict.fromkeys(RESULT_KEYS, 0)
    for r in results:
        for k, v in r.counts.items():
            out[k] = out.get(k, 0) + v
    return out


def awaiting_confirmation(*, user: User) -> int:
    """Mass messages WeCom waits for this RM to confirm in the client (今日: N 条群发待确认)."""
    return (
        OutreachChunk.objects.filter(
            sender=user,
            status=OutreachChunk.Status.HANDED,
            results_final=False,
            task__poll_until__gt=timezone.now(),
            rows__status=OutreachRecipient.Status.PENDING,
        )
        .values("task_id")
        .distinct()
        .count()
    )
