"""Triage (分拣) of the opportunities a person sees: the list's sorts and filters, and the
"today" view grouped by what to do first. Reads only, through scope(); the API and the page
parse their input into a `Triage` and call the same functions.

The today view's order (docs/opportunities.md): 已逾期, 今日到期, 高优先级, 三日内到期, 其他.
Each open opportunity is in exactly one group, the first whose condition it meets, because the
groups' conditions are written to exclude the earlier ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rm_portal.opportunities.models import Opportunity, RuleKind
from rm_portal.org.access import scope

# sort key -> ordering; every one ends in a unique key so pages never repeat or skip a row.
SORTS: dict[str, tuple[str, ...]] = {
    "due": ("due_at", "-rule__priority", "id"),
    "priority": ("-rule__priority", "due_at", "id"),
    "aum": ("-customer__aum", "due_at", "id"),
    "rule": ("rule__name", "due_at", "id"),
}
SORT_LABELS: dict[str, Promise] = {
    "due": _("截止时间"),
    "priority": _("优先级"),
    "aum": _("客户资产"),
    "rule": _("规则"),
}
# due window -> bank days it covers, today included
WINDOWS: dict[str, int] = {"today": 1, "3d": 3, "7d": 7}
WINDOW_LABELS: dict[str, Promise] = {"today": _("今日到期"), "3d": _("3 天内到期"), "7d": _("7 天内到期")}
KINDS = tuple(RuleKind.values)
HIGH_PRIORITY = 80  # a rule at or above this is 高优先级 in the today view
GROUP_SIZE = 10  # rows shown per group in the today view; the group links to the whole list


def _opportunities() -> QuerySet[Opportunity]:
    # what OpportunityOut and the page's rows read, in the same query
    return Opportunity.objects.select_related(
        "rule", "customer", "branch", "assignee__staff", "reviewer__staff"
    )


@dataclass(frozen=True)
class Triage:
    """What the RM asked for. Empty values mean "any"; `sort` empty means the status's own order."""

    status: str = "open"
    sort: str = ""
    kind: str = ""
    rule: str = ""
    due: str = ""
    overdue: bool | None = None


def _end_of_bank_day(now: datetime, days: int) -> datetime:
    """The end of the bank's day `days - 1` after today (1: tonight's midnight, Beijing time)."""
    local = timezone.localtime(now)
    return datetime.combine(local.date() + timedelta(days=days), time.min, tzinfo=local.tzinfo)


def opportunity_triage(*, user: User, triage: Triage, now: datetime | None = None) -> QuerySet[Opportunity]:
    """The list as the person asked for it. The due window counts bank days and holds only what
    is not yet overdue (overdue is its own filter); `overdue=True` is the open ones past due,
    `overdue=False` everything else."""
    now = now or timezone.now()
    qs = scope(user, _opportunities())
    if triage.status == "done":
        qs = qs.filter(status=Opportunity.Status.DONE)
        default: tuple[str, ...] = ("-completed_at", "-id")
    else:
        qs = qs.filter(status=Opportunity.Status.OPEN)
        if triage.status == "overdue":
            qs = qs.filter(due_at__lt=now)
        default = SORTS["due"]
    if triage.kind:
        qs = qs.filter(rule__kind=triage.kind)
    if triage.rule:
        qs = qs.filter(rule__code=triage.rule)
    if triage.due:
        qs = qs.filter(due_at__gte=now, due_at__lt=_end_of_bank_day(now, WINDOWS[triage.due]))
    overdue = Q(status=Opportunity.Status.OPEN, due_at__lt=now)
    if triage.overdue is True:
        qs = qs.filter(overdue)
    elif triage.overdue is False:
        qs = qs.exclude(overdue)
    return qs.order_by(*(SORTS[triage.sort] if triage.sort else default))


@dataclass(frozen=True)
class Group:
    key: str
    title: str
    hint: str  # why it is in this place of the day
    count: int
    results: list[Opportunity]
    link: dict[str, str]  # the list's query parameters that show the whole group (page and API)


# group key -> the order of its rows: past due and high priority by weight, the rest by the clock
_GROUP_ORDER = {
    "overdue": SORTS["priority"],
    "due_today": SORTS["due"],
    "high_priority": SORTS["priority"],
    "due_soon": SORTS["due"],
    "later": SORTS["due"],
}


def _groups(now: datetime) -> list[tuple[str, Promise, Promise, Q, dict[str, str]]]:
    tonight = _end_of_bank_day(now, 1)
    in_3_days = _end_of_bank_day(now, 3)
    high = Q(rule__priority__gte=HIGH_PRIORITY)
    return [
        ("overdue", _("已逾期"), _("已过截止时间，先处理"), Q(due_at__lt=now), {"overdue": "true"}),
        (
            "due_today",
            _("今日到期"),
            _("今天下班前要联系"),
            Q(due_at__gte=now, due_at__lt=tonight),
            {"due": "today"},
        ),
        (
            "high_priority",
            _("高优先级"),
            _("定期到期、资金流出等影响大的商机"),
            Q(due_at__gte=tonight) & high,
            {"sort": "priority", "overdue": "false"},
        ),
        (
            "due_soon",
            _("三日内到期"),
            _("这几天内安排联系"),
            Q(due_at__gte=tonight, due_at__lt=in_3_days) & ~high,
            {"due": "3d"},
        ),
        ("later", _("其他"), _("时间充裕，按截止时间排"), Q(due_at__gte=in_3_days) & ~high, {"sort": "due"}),
    ]


def triage_today(*, user: User, now: datetime | None = None, size: int = GROUP_SIZE) -> list[Group]:
    """The open opportunities the person sees, in the groups of the day: one query for every
    group's count, one per non-empty group for its first `size` rows."""
    now = now or timezone.now()
    open_rows = scope(user, _opportunities()).filter(status=Opportunity.Status.OPEN)
    groups = _groups(now)
    counts = open_rows.aggregate(**{key: Count("id", filter=cond) for key, _l, _h, cond, _q in groups})
    out = []
    for key, label, hint, cond, link in groups:
        n = counts[key] or 0
        rows = list(open_rows.filter(cond).order_by(*_GROUP_ORDER[key])[:size]) if n else []
        out.append(Group(key=key, title=str(label), hint=str(hint), count=n, results=rows, link=link))
    return out
