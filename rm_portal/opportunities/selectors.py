"""Reads of the opportunities app; every one takes the acting user and goes through scope()."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import Count, F, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from rm_portal.opportunities.models import Opportunity, OpportunityRule
from rm_portal.org.access import get_scoped_or_404, scope, staff_of
from rm_portal.org.models import Role

STATUSES = ("open", "overdue", "done")


def opportunity_list(*, user: User, status: str = "open") -> QuerySet[Opportunity]:
    qs = scope(
        user,
        Opportunity.objects.select_related(
            "rule", "customer", "branch", "assignee__staff", "reviewer__staff"
        ),
    )
    now = timezone.now()
    if status == "done":
        return qs.filter(status=Opportunity.Status.DONE).order_by("-completed_at", "-id")
    qs = qs.filter(status=Opportunity.Status.OPEN)
    if status == "overdue":
        qs = qs.filter(due_at__lt=now)
    return qs.order_by("due_at", "-rule__priority", "id")


def opportunity_for(*, user: User, pk: int) -> Opportunity:
    return get_scoped_or_404(
        user,
        Opportunity.objects.select_related(
            "rule", "customer", "branch", "assignee__staff", "reviewer__staff"
        ),
        pk=pk,
    )


def opportunity_for_assignee(*, user: User, pk: int) -> Opportunity:
    """Only the assignee may complete; for the ownerless queue that is the branch's lead.
    Anyone else gets the same 404 as for a missing opportunity."""
    opportunity = opportunity_for(user=user, pk=pk)
    staff = staff_of(user)
    if opportunity.assignee_id == user.pk:
        return opportunity
    if (
        opportunity.assignee_id is None
        and staff is not None
        and staff.role == Role.BRANCH_LEAD
        and staff.branch_id == opportunity.branch_id
    ):
        return opportunity
    raise Http404


def review_queue(*, user: User) -> QuerySet[Opportunity]:
    return (
        scope(user, Opportunity.objects.select_related("rule", "customer", "assignee__staff"))
        .filter(status=Opportunity.Status.DONE, reviewed_at=None)
        .order_by("completed_at", "id")
    )


def reason_words(reason: dict) -> str:
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


def _money(value: object) -> str:
    """Sums as text with two decimals on every database (SQLite sums to 100, PostgreSQL to 100.00)."""
    return str(Decimal(str(value or 0)).quantize(Decimal("0.01")))


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


STAT_FIELDS = {
    "generated": Count("id"),
    "completed": Count("id", filter=Q(status=Opportunity.Status.DONE)),
    "converted": Count("id", filter=Q(outcome=Opportunity.Outcome.CONVERTED)),
    "total_amount": Sum("amount", filter=Q(status=Opportunity.Status.DONE)),
    "reviewed": Count("id", filter=Q(accurate__isnull=False)),
    "accurate": Count("id", filter=Q(accurate=True)),
}


def _figures(row: dict) -> dict:
    return {
        "generated": row["generated"],
        "completed": row["completed"],
        "converted": row["converted"],
        # Of the opportunities worked (completed), the share that converted.
        "conversion_rate": _rate(row["converted"], row["completed"]),
        "amount": _money(row["total_amount"]),
        "reviewed": row["reviewed"],
        # Of the reviewed ones, the share the branch lead judged accurate.
        "accuracy": _rate(row["accurate"], row["reviewed"]),
    }


def rule_stats(*, user: User, rule: OpportunityRule) -> dict:
    row = scope(user, Opportunity.objects.filter(rule=rule)).aggregate(**STAT_FIELDS)
    return {"rule": rule.code, "name": rule.name, **_figures(row)}


def rules_stats(*, user: User) -> list[dict]:
    """Every rule with its figures in the caller's scope: one grouped query plus the rules."""
    rows = {
        row["rule_id"]: row
        for row in scope(user, Opportunity.objects.all()).values("rule_id").annotate(**STAT_FIELDS).order_by()
    }
    empty = dict.fromkeys(STAT_FIELDS, 0)
    return [
        {"rule": rule.code, "name": rule.name, "kind": rule.kind, **_figures(rows.get(rule.pk, empty))}
        for rule in OpportunityRule.objects.all()
    ]


def leaderboard(*, branch_id: int | None = None) -> list[dict]:
    """绩效评比: per-RM figures, ranked by converted amount, then conversions, then completions.
    Counted over every opportunity of the branch (or the bank), not the caller's scope:
    a ranking is shown to everyone it ranks."""
    qs = Opportunity.objects.filter(assignee__staff__role=Role.RM)
    if branch_id is not None:
        qs = qs.filter(assignee__staff__branch_id=branch_id)
    now = timezone.now()
    rows = (
        qs.values(
            username=F("assignee__username"),
            display_name=F("assignee__staff__name"),
            branch_code=F("assignee__staff__branch__code"),
            branch_name=F("assignee__staff__branch__name"),
        )
        .annotate(
            **STAT_FIELDS,
            converted_amount=Sum("amount", filter=Q(outcome=Opportunity.Outcome.CONVERTED)),
            overdue=Count("id", filter=Q(status=Opportunity.Status.OPEN, due_at__lt=now)),
        )
        .order_by()
    )
    board = []
    for row in rows:
        board.append(
            {
                "username": row["username"],
                "display_name": row["display_name"],
                "branch": {"code": row["branch_code"], "name": row["branch_name"]},
                **_figures(row),
                "converted_amount": _money(row["converted_amount"]),
                "overdue": row["overdue"],
            }
        )
    board.sort(
        key=lambda r: (-Decimal(r["converted_amount"]), -r["converted"], -r["completed"], r["username"])
    )
    for rank, row in enumerate(board, start=1):
        row["rank"] = rank
    return board


def my_counts(*, user: User) -> dict[str, int]:
    now = timezone.now()
    return scope(user, Opportunity.objects.filter(status=Opportunity.Status.OPEN)).aggregate(
        open=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now))
    )
