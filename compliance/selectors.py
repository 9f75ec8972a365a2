"""Reads: archive search (scoped by role), highlights, alerts, the lexicon, the audit log, and the
one access function per object (`term_for`, `alert_for`, `conversation_for`): the same 404 for a
row that does not exist and for one the user may not see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Case, Exists, OuterRef, QuerySet, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from compliance.matching import DETECTOR_KINDS, compact, compact_with_map
from compliance.models import Alert, Conversation, DetectorSetting, Message, SearchAudit, Severity, Term
from rm_portal.org.access import scope

MAX_QUERY = 100


@dataclass(frozen=True)
class SearchFilters:
    q: str = ""
    rm: str = ""
    customer: str = ""
    branch: str = ""
    since: date | None = None
    until: date | None = None
    category: str = ""
    has_hits: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        """The filters as given (what the search audit records): empty ones left out."""
        out: dict[str, Any] = {}
        for name, value in self.__dict__.items():
            if value not in ("", None):
                out[name] = value.isoformat() if isinstance(value, date) else value
        return out


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def message_search(*, user: User, filters: SearchFilters) -> QuerySet[Message]:
    """The archive as the user may see it, filtered. `q` is literal text matched against the
    normalised content, so 加 微 信 is found by 加微信 and % or .* are just characters."""
    qs = scope(
        user, Message.objects.select_related("conversation__rm__staff", "conversation__customer", "alert")
    )
    if filters.rm:
        qs = qs.filter(conversation__rm__username=filters.rm)
    if filters.customer:
        qs = qs.filter(conversation__customer__cust_no=filters.customer)
    if filters.branch:
        qs = qs.filter(conversation__branch__code=filters.branch)
    if filters.since:
        qs = qs.filter(sent_at__gte=_day_start(filters.since))
    if filters.until:
        qs = qs.filter(sent_at__lt=_day_start(filters.until) + timedelta(days=1))
    if filters.category:
        qs = qs.filter(alert__categories__contains=f",{filters.category},")
    if filters.has_hits is not None:
        has = Exists(Alert.objects.filter(message=OuterRef("pk")))
        qs = qs.filter(has) if filters.has_hits else qs.exclude(has)
    needle = compact(filters.q)[:MAX_QUERY]
    if needle:
        if connection.vendor == "postgresql" and len(needle) >= 2:
            # The bigram GIN index (migration 0002) narrows the rows; LIKE confirms adjacency.
            qs = qs.extra(
                where=["compliance_bigrams(compliance_message.normalized) @> compliance_bigrams(%s)"],
                params=[needle],
            )
        qs = qs.filter(normalized__contains=needle)
    elif filters.q:
        # Only separators asked for ("%", "_"): they are text too, matched in the raw content.
        qs = qs.filter(content__contains=filters.q[:MAX_QUERY])
    return qs.order_by("-sent_at", "-id")


def highlight(content: str, q: str) -> list[tuple[str, bool]]:
    """The content cut into (text, is_match) pieces for the ORIGINAL text of every match of `q`."""
    needle = compact(q)[:MAX_QUERY]
    if not needle:
        return [(content, False)]
    packed, positions = compact_with_map(content)
    spans: list[tuple[int, int]] = []
    start = packed.find(needle)
    while start != -1:
        spans.append((positions[start], positions[start + len(needle) - 1] + 1))
        start = packed.find(needle, start + len(needle))
    pieces: list[tuple[str, bool]] = []
    cursor = 0
    for a, b in spans:
        if a > cursor:
            pieces.append((content[cursor:a], False))
        pieces.append((content[a:b], True))
        cursor = b
    if cursor < len(content):
        pieces.append((content[cursor:], False))
    return pieces


SEVERITY_ORDER = (Severity.BLOCK, Severity.WARN, Severity.RECORD)


def alert_list(
    *, user: User, status: str = "", category: str = "", severity: str = "", branch: str = "", rm: str = ""
) -> QuerySet[Alert]:
    qs = scope(
        user,
        Alert.objects.select_related("message__conversation__customer", "rm__staff", "branch"),
    )
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(categories__contains=f",{category},")
    if severity:
        qs = qs.filter(severity=severity)
    if branch:
        qs = qs.filter(branch__code=branch)
    if rm:
        qs = qs.filter(rm__username=rm)
    # The queue is worked from the top: what must be stopped (拦截) before what needs a look
    # (提醒) before what is only on record (记录); within a level the newest first.
    rank = Case(*(When(severity=s, then=Value(i)) for i, s in enumerate(SEVERITY_ORDER)), default=Value(9))
    return qs.order_by(rank, "-created_at", "-id")


def message_context(*, user: User, message: Message, around: int = 5) -> list[Message]:
    """The messages before and after `message` in its conversation."""
    qs = scope(user, Message.objects.filter(conversation_id=message.conversation_id))
    return list(qs.filter(seq__gte=message.seq - around, seq__lte=message.seq + around).order_by("seq"))


def audit_list(*, user: User) -> QuerySet[SearchAudit]:
    return scope(user, SearchAudit.objects.select_related("user__staff"))


def term_list(*, user: User, category: str = "", q: str = "") -> QuerySet[Term]:
    """The lexicon (compliance and head office see it); `q` is a substring of the term."""
    qs = scope(user, Term.objects.all())
    if category:
        qs = qs.filter(category=category)
    if q:
        qs = qs.filter(term__contains=q[:64])
    return qs


def term_for(user: User, pk: int) -> Term:
    return get_object_or_404(term_list(user=user), pk=pk)


def alert_for(user: User, pk: int) -> Alert:
    return get_object_or_404(alert_list(user=user), pk=pk)


def conversation_for(user: User, pk: int) -> Conversation:
    return get_object_or_404(scope(user, Conversation.objects.select_related("rm__staff", "customer")), pk=pk)


def conversation_messages(*, user: User, conversation: Conversation) -> QuerySet[Message]:
    """The conversation's messages the user may see, in chain order."""
    return scope(user, Message.objects.filter(conversation=conversation)).order_by("seq")


def detector_rows(rows: list[DetectorSetting]) -> list[DetectorSetting]:
    """One row per kind, in the order of KINDS: the stored ones, the others unsaved with defaults."""
    stored = {row.kind: row for row in rows}
    return [
        stored.get(kind) or DetectorSetting(kind=kind, enabled=True, severity=severity, allow_domains=[])
        for kind, (_label, severity) in DETECTOR_KINDS.items()
    ]


def detector_list(*, user: User) -> list[DetectorSetting]:
    """Every built-in detector with its setting (compliance and head office see them)."""
    return detector_rows(list(scope(user, DetectorSetting.objects.select_related("updated_by__staff"))))


def detector_for(user: User, kind: str) -> DetectorSetting:
    for row in detector_list(user=user):
        if row.kind == kind:
            return row
    raise Http404
