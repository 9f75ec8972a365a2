"""Reads for checklists, always through the one access policy."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User
from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from rm_portal.checklists.models import ChecklistRun, ChecklistTemplate, RunAudit, RunItem
from rm_portal.org.access import scope, staff_of

Status = ChecklistRun.Status
COMPLETED = Q(status__in=[Status.SUBMITTED, Status.APPROVED])


def template_list() -> QuerySet[ChecklistTemplate]:
    # Templates are configuration every member of staff may read (DESIGN §4).
    return ChecklistTemplate.objects.prefetch_related("items", "branches")


def _member_rule(user: User) -> Q | None:
    """Branch runs the user may see and complete as an assignee-role member of the run's branch."""
    staff = staff_of(user)
    if staff is None or staff.branch_id is None:
        return None
    branch_templates = ChecklistTemplate.objects.filter(scope=ChecklistTemplate.Scope.BRANCH)
    # Roles are a JSON list (no `contains` on SQLite); the templates are few.
    ids = [pk for pk, roles in branch_templates.values_list("id", "roles") if staff.role in roles]
    if not ids:
        return None
    return Q(per_branch=True, branch_id=staff.branch_id, template_id__in=ids)


def mine_rule(user: User) -> Q:
    """The runs that are the user's to do: their own, and their branch's branch runs."""
    staff = staff_of(user)
    if staff is None:
        return Q(pk__in=[])
    member = _member_rule(user)
    return Q(assignee=user) | member if member is not None else Q(assignee=user)


def visible_runs(user: User, qs: QuerySet[ChecklistRun] | None = None) -> QuerySet[ChecklistRun]:
    """The access policy's runs, plus the branch runs of the user's branch for its members."""
    qs = ChecklistRun.objects.all() if qs is None else qs
    member = _member_rule(user)
    scoped = scope(user, qs)
    return scoped if member is None else scoped | qs.filter(member)


def my_runs(*, user: User, on: date) -> QuerySet[ChecklistRun]:
    return (
        ChecklistRun.objects.filter(mine_rule(user), date=on)
        .select_related("template", "branch")
        .prefetch_related(Prefetch("items", queryset=RunItem.objects.select_related("completed_by__staff")))
        .order_by("due_at", "id")
    )


def run_list(
    *, user: User, on: date | None = None, branch: str = "", status: str = ""
) -> QuerySet[ChecklistRun]:
    qs = visible_runs(user)
    if on is not None:
        qs = qs.filter(date=on)
    if branch:
        qs = qs.filter(branch__code=branch)
    if status:
        qs = qs.filter(status=status)
    return (
        qs.select_related("branch", "assignee__staff", "template")
        .annotate(
            items_total=Count("items", distinct=True),
            items_done=Count("items", filter=Q(items__done=True), distinct=True),
        )
        .order_by("-date", "branch__code", "due_at", "assignee__username", "id")
    )


def run_for(user: User, pk: int) -> ChecklistRun:
    qs = ChecklistRun.objects.select_related("branch", "assignee__staff", "template").prefetch_related(
        Prefetch(
            "items", queryset=RunItem.objects.select_related("completed_by__staff").order_by("order", "id")
        ),
        Prefetch("audits", queryset=RunAudit.objects.select_related("by__staff")),
    )
    return get_object_or_404(visible_runs(user, qs), pk=pk)


def may_complete(user: User, run: ChecklistRun) -> bool:
    return ChecklistRun.objects.filter(mine_rule(user), pk=run.pk).exists()


def own_item_for(user: User, pk: int) -> RunItem:
    """Only the assignee (for a branch run, any assignee-role member of the branch) completes an
    item: the branch lead who may only see it still gets a 404."""
    mine = ChecklistRun.objects.filter(mine_rule(user)).values("pk")
    return get_object_or_404(RunItem.objects.filter(run__in=mine).select_related("run"), pk=pk)


def visible_item_for(user: User, pk: int) -> RunItem:
    runs = visible_runs(user).values("pk")
    return get_object_or_404(RunItem.objects.filter(run__in=runs).select_related("run"), pk=pk)


def _rates(row: dict) -> dict:
    total = row["total"]
    row["completion_rate"] = round(row["completed"] / total, 4) if total else None
    row["on_time_rate"] = round(row["on_time"] / total, 4) if total else None
    return row


def dashboard(*, user: User, since: date, until: date, branch: str = "") -> dict:
    """Completion and on-time rates per branch, per RM, per day and per template."""
    qs = visible_runs(user, ChecklistRun.objects.filter(date__gte=since, date__lte=until))
    if branch:
        qs = qs.filter(branch__code=branch)
    figures = {
        "total": Count("id"),
        "completed": Count("id", filter=COMPLETED),
        "on_time": Count("id", filter=COMPLETED & Q(late=False)),
        "missed": Count("id", filter=Q(status=Status.MISSED)),
        "rejected": Count("id", filter=Q(status=Status.REJECTED)),
    }

    def grouped_by(runs: QuerySet[ChecklistRun], *fields: str) -> list[dict]:
        return [_rates(dict(row)) for row in runs.values(*fields).annotate(**figures).order_by(*fields)]

    def grouped(*fields: str) -> list[dict]:
        return grouped_by(qs, *fields)

    overall = _rates(dict(qs.aggregate(**figures)))
    by_branch = [
        {"branch": {"code": r.pop("branch__code"), "name": r.pop("branch__name")}, **r}
        for r in grouped("branch__code", "branch__name")
    ]
    by_rm = [
        {
            "rm": {"username": r.pop("assignee__username"), "display_name": r.pop("assignee__staff__name")},
            "branch": r.pop("branch__code"),
            **r,
        }
        for r in grouped_by(
            qs.filter(per_branch=False), "branch__code", "assignee__username", "assignee__staff__name"
        )
    ]
    by_day = [{"date": r.pop("date").isoformat(), **r} for r in grouped("date")]
    by_template = [
        {"template": {"id": r.pop("template_id"), "name": r.pop("template__name")}, **r}
        for r in grouped("template_id", "template__name")
    ]
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "overall": overall,
        "by_branch": by_branch,
        "by_rm": by_rm,
        "by_day": by_day,
        "by_template": by_template,
    }
