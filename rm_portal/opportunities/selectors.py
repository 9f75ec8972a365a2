"""Reads of the opportunities app; every one takes the acting user and goes through scope()."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypedDict

from django.contrib.auth.models import User
from django.db.models import Count, F, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from rm_portal.opportunities.models import Opportunity, OpportunityRule, RuleKind
from rm_portal.org.access import actionable, get_actionable_or_404, get_scoped_or_404, scope, staff_of
from rm_portal.org.models import Branch, Role

STATUSES = ("open", "overdue", "done")
LEADERBOARD_SCOPES = ("branch", "bank")


def _opportunities() -> QuerySet[Opportunity]:
    return Opportunity.objects.select_related(
        "rule", "customer", "branch", "assignee__staff", "reviewer__staff"
    )


# ---- access: one function per object --------------------------------------------------------


def opportunity_for(user: User, pk: int) -> Opportunity:
    """An opportunity the user sees; the same 404 for a missing one and one outside their scope."""
    return get_scoped_or_404(user, _opportunities(), pk=pk)


def opportunity_to_work_for(user: User, pk: int) -> Opportunity:
    """An opportunity the user may work (complete): the assignee's, or for the ownerless queue the
    branch lead's. Anyone else gets the same 404 as for a missing one."""
    return get_actionable_or_404(user, _opportunities(), pk=pk)


def opportunity_workable(user: User, opportunity: Opportunity) -> bool:
    """Whether the user may still complete it: theirs to work, and open."""
    return (
        opportunity.status == Opportunity.Status.OPEN
        and actionable(user, Opportunity.objects.filter(pk=opportunity.pk)).exists()
    )


def rule_for(user: User, code: str) -> OpportunityRule:
    return get_scoped_or_404(user, OpportunityRule.objects.all(), code=code)


# ---- lists ------------------------------------------------------------------------------------


def rule_list(*, user: User) -> QuerySet[OpportunityRule]:
    return scope(user, OpportunityRule.objects.all())


def opportunity_list(*, user: User, status: str = "open") -> QuerySet[Opportunity]:
    qs = scope(user, _opportunities())
    if status == "done":
        return qs.filter(status=Opportunity.Status.DONE).order_by("-completed_at", "-id")
    qs = qs.filter(status=Opportunity.Status.OPEN)
    if status == "overdue":
        qs = qs.filter(due_at__lt=timezone.now())
    return qs.order_by("due_at", "-rule__priority", "id")


def review_queue(*, user: User) -> QuerySet[Opportunity]:
    return (
        scope(user, Opportunity.objects.select_related("rule", "customer", "assignee__staff"))
        .filter(status=Opportunity.Status.DONE, reviewed_at=None)
        .order_by("completed_at", "id")
    )


def reason_words(reason: dict[str, Any]) -> str:
    """The stored reason as one sentence for the RM: 最近定期到期天数 5 天；标签：定期到期。"""
    parts = []
    for item in reason.get("indicators", []):
        value = item.get("value")
        if value is None:
            continue
        if value is True:
            value = _("是")
        elif value is False:
            value = _("否")
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        parts.append(f"{item.get('name')} {value}{item.get('unit') or ''}")
    if reason.get("tags"):
        parts.append(_("标签：") + "、".join(t["name"] for t in reason["tags"]))
    if reason.get("became"):
        parts.append(_("新近成为：") + "、".join(t["name"] for t in reason["became"]))
    return "；".join(parts)


# ---- figures ----------------------------------------------------------------------------------


class Figures(TypedDict):
    generated: int
    completed: int
    converted: int  # conversions a branch lead reviewed as accurate (CONFIRMED_CONVERSION)
    conversion_rate: float | None  # of the opportunities worked (completed), the share confirmed converted
    amount: Decimal  # summed over the completed ones reviewed as accurate
    reviewed: int
    accuracy: float | None  # of the reviewed ones, the share the branch lead judged accurate


class RuleFigures(Figures):
    rule: str  # the rule's code
    name: str
    kind: RuleKind


class Standing(Figures):
    """One RM's line of the 绩效评比."""

    rank: int
    username: str
    display_name: str
    branch: Branch
    converted_amount: Decimal
    overdue: int


@dataclass(frozen=True)
class Leaderboard:
    scope: str
    results: list[Standing]


def _money(value: object) -> Decimal:
    """Sums with two decimals on every database (SQLite sums to 100, PostgreSQL to 100.00)."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


# A conversion and its amount are the RM's own declaration until a branch lead has reviewed the
# opportunity as accurate: only then do they count in any figure (rule stats, the leaderboard), so
# a typed 99,999,999,999.99 moves nothing before someone else has looked at it.
CONFIRMED = Q(status=Opportunity.Status.DONE, accurate=True)
CONFIRMED_CONVERSION = CONFIRMED & Q(outcome=Opportunity.Outcome.CONVERTED)

STAT_FIELDS = {
    "generated": Count("id"),
    "completed": Count("id", filter=Q(status=Opportunity.Status.DONE)),
    "converted": Count("id", filter=CONFIRMED_CONVERSION),
    "total_amount": Sum("amount", filter=CONFIRMED),
    "reviewed": Count("id", filter=Q(accurate__isnull=False)),
    # Not named "accurate": an annotation of that name would shadow the field in later filters.
    "judged_accurate": Count("id", filter=Q(accurate=True)),
}


def _figures(row: dict[str, Any]) -> Figures:
    return {
        "generated": row["generated"],
        "completed": row["completed"],
        "converted": row["converted"],
        "conversion_rate": _rate(row["converted"], row["completed"]),
        "amount": _money(row["total_amount"]),
        "reviewed": row["reviewed"],
        "accuracy": _rate(row["judged_accurate"], row["reviewed"]),
    }


def _rule_figures(rule: OpportunityRule, row: dict[str, Any]) -> RuleFigures:
    return {"rule": rule.code, "name": rule.name, "kind": RuleKind(rule.kind), **_figures(row)}


def rule_stats(*, user: User, rule: OpportunityRule) -> RuleFigures:
    """One rule's figures over the opportunities the caller sees (a branch lead: the branch)."""
    return _rule_figures(rule, scope(user, Opportunity.objects.filter(rule=rule)).aggregate(**STAT_FIELDS))


def rules_stats(*, user: User) -> list[RuleFigures]:
    """Every rule with its figures in the caller's scope: one grouped query plus the rules."""
    rows = {
        row["rule_id"]: row
        for row in scope(user, Opportunity.objects.all()).values("rule_id").annotate(**STAT_FIELDS).order_by()
    }
    empty: dict[str, Any] = dict.fromkeys(STAT_FIELDS, 0)
    return [_rule_figures(rule, rows.get(rule.pk, empty)) for rule in rule_list(user=user)]


def leaderboard(*, user: User, scope_name: str = "branch", branch_code: str = "") -> Leaderboard:
    """绩效评比 of the caller's branch (head office: of `branch_code`, or every branch) or, with
    scope `bank`, of the whole bank. An unknown branch code is a 404."""
    branch_id: int | None = None
    if scope_name == "branch":
        staff = staff_of(user)
        branch_id = staff.branch_id if staff is not None else None
        if branch_code and staff is not None and staff.role == Role.HEAD_OFFICE:
            branch_id = get_object_or_404(Branch, code=branch_code).pk
    return Leaderboard(scope=scope_name, results=standings(branch_id=branch_id))


def standings(*, branch_id: int | None = None) -> list[Standing]:
    """Per-RM figures, ranked by converted amount, then conversions, then completions.
    Counted over every opportunity of the branch (or the bank), not the caller's scope:
    a ranking is shown to everyone it ranks."""
    qs = Opportunity.objects.filter(assignee__staff__role=Role.RM)
    if branch_id is not None:
        qs = qs.filter(assignee__staff__branch_id=branch_id)
    now = timezone.now()
    rows = list(
        qs.values(
            username=F("assignee__username"),
            display_name=F("assignee__staff__name"),
            staff_branch_id=F("assignee__staff__branch_id"),
        )
        .annotate(
            **STAT_FIELDS,
            converted_amount=Sum("amount", filter=CONFIRMED_CONVERSION),
            overdue=Count("id", filter=Q(status=Opportunity.Status.OPEN, due_at__lt=now)),
        )
        .order_by()
    )
    branches = Branch.objects.in_bulk({row["staff_branch_id"] for row in rows})
    board: list[Standing] = [
        {
            "rank": 0,
            "username": row["username"],
            "display_name": row["display_name"],
            "branch": branches[row["staff_branch_id"]],
            **_figures(row),
            "converted_amount": _money(row["converted_amount"]),
            "overdue": row["overdue"],
        }
        for row in rows
    ]
    board.sort(key=lambda r: (-r["converted_amount"], -r["converted"], -r["completed"], r["username"]))
    for rank, row in enumerate(board, start=1):
        row["rank"] = rank
    return board


def my_counts(*, user: User) -> dict[str, int]:
    now = timezone.now()
    counts: dict[str, int] = scope(
        user, Opportunity.objects.filter(status=Opportunity.Status.OPEN)
    ).aggregate(open=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now)))
    return counts
