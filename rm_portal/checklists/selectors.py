"""Reads for checklists, always through the one access policy (`checklists.access`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from rm_portal.checklists.models import ChecklistRun, ChecklistTemplate, RunAudit, RunItem
from rm_portal.org.access import actionable, scope
from rm_portal.org.models import Branch

Status = ChecklistRun.Status
COMPLETED = Q(status__in=[Status.SUBMITTED, Status.APPROVED])

# --- Templates -----------------------------------------------------------------------------------


def template_list() -> QuerySet[ChecklistTemplate]:
    # Templates are configuration every member of staff may read.
    return ChecklistTemplate.objects.prefetch_related("items", "branches")


def template_for(user: User, pk: int) -> ChecklistTemplate:
    return get_object_or_404(template_list(), pk=pk)


def template_name_taken(name: str, *, exclude: int | None = None) -> bool:
    """Another template already has this name (case-insensitive); a template may keep its own."""
    others = ChecklistTemplate.objects.filter(name__iexact=name.strip())
    if exclude is not None:
        others = others.exclude(pk=exclude)
    return others.exists()


# --- Runs and items ------------------------------------------------------------------------------


def _with_items(qs: QuerySet[ChecklistRun]) -> QuerySet[ChecklistRun]:
    return qs.select_related("template", "branch").prefetch_related(
        Prefetch(
            "items", queryset=RunItem.objects.select_related("completed_by__staff").order_by("order", "id")
        )
    )


def my_runs(*, user: User, on: date) -> QuerySet[ChecklistRun]:
    """The runs of the day that are the user's to do: their own and their branch's branch runs."""
    return _with_items(actionable(user, ChecklistRun.objects.filter(date=on))).order_by("due_at", "id")


def my_recent_runs(*, user: User, since: date, until: date) -> QuerySet[ChecklistRun]:
    runs = actionable(user, ChecklistRun.objects.filter(date__gte=since, date__lte=until))
    return runs.order_by("-date", "due_at").only("id", "name", "date", "status", "late")


def run_list(
    *, user: User, on: date | None = None, branch: str = "", status: str = ""
) -> QuerySet[ChecklistRun]:
    qs = scope(user, ChecklistRun.objects.all())
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
    qs = _with_items(ChecklistRun.objects.select_related("assignee__staff")).prefetch_related(
        Prefetch("audits", queryset=RunAudit.objects.select_related("by__staff"))
    )
    return get_object_or_404(scope(user, qs), pk=pk)


def may_complete(user: User, run: ChecklistRun) -> bool:
    return actionable(user, ChecklistRun.objects.filter(pk=run.pk)).exists()


def item_for(user: User, pk: int) -> RunItem:
    """An item the user may see (its photo, say): seen exactly as its run is."""
    return get_object_or_404(scope(user, RunItem.objects.select_related("run")), pk=pk)


@dataclass(frozen=True)
class NotDone:
    """One of today's templates and who of the branch has not submitted it yet."""

    name: str
    at: time
    names: list[str]


def not_done_today(*, user: User, on: date) -> list[NotDone]:
    """For a lead's 今日: per template of the day, in time order, the people (of the runs the
    lead sees) whose run is still open or sent back. One query."""
    runs = (
        scope(user, ChecklistRun.objects.filter(date=on, per_branch=False))
        .filter(status__in=[ChecklistRun.Status.OPEN, ChecklistRun.Status.REJECTED])
        .select_related("assignee__staff", "template")
        .order_by("template__time_of_day", "template_id", "assignee__staff__name", "assignee_id")
    )
    found: dict[int, NotDone] = {}
    for run in runs:
        entry = found.setdefault(
            run.template_id, NotDone(name=run.name, at=run.template.time_of_day, names=[])
        )
        staff = getattr(run.assignee, "staff", None)
        entry.names.append(staff.name if staff else run.assignee.username)
    return list(found.values())


def run_to_complete_for(user: User, pk: int) -> ChecklistRun:
    """A run the user may complete in one form (its assignee, a member on a branch run); anyone
    else, the lead who only sees it included, gets the same 404 as for a missing run."""
    return get_object_or_404(actionable(user, _with_items(ChecklistRun.objects.all())), pk=pk)


def item_to_complete_for(user: User, pk: int) -> RunItem:
    """An item the user may tick off: the assignee's, or a branch member's on a branch run. The
    branch lead who may only see it gets the same 404 as for one that does not exist."""
    return get_object_or_404(actionable(user, RunItem.objects.select_related("run")), pk=pk)


# --- Figures -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    total: int
    completed: int
    on_time: int
    missed: int
    rejected: int

    @property
    def completion_rate(self) -> float | None:
        return round(self.completed / self.total, 4) if self.total else None

    @property
    def on_time_rate(self) -> float | None:
        return round(self.on_time / self.total, 4) if self.total else None


@dataclass(frozen=True)
class BranchFigures(Figures):
    branch: Branch


@dataclass(frozen=True)
class PersonFigures(Figures):
    rm: User
    branch_code: str


@dataclass(frozen=True)
class DayFigures(Figures):
    date: date


@dataclass(frozen=True)
class TemplateFigures(Figures):
    template_id: int
    name: str


@dataclass(frozen=True)
class Dashboard:
    since: date
    until: date
    overall: Figures
    by_branch: list[BranchFigures]
    by_rm: list[PersonFigures]
    by_day: list[DayFigures]
    by_template: list[TemplateFigures]


FIGURES = {
    "total": Count("id"),
    "completed": Count("id", filter=COMPLETED),
    "on_time": Count("id", filter=COMPLETED & Q(late=False)),
    "missed": Count("id", filter=Q(status=Status.MISSED)),
    "rejected": Count("id", filter=Q(status=Status.REJECTED)),
}


def _counts(row: dict[str, Any]) -> dict[str, int]:
    return {name: row[name] for name in FIGURES}


def _grouped(runs: QuerySet[ChecklistRun], *fields: str) -> list[dict[str, Any]]:
    return list(runs.values(*fields).annotate(**FIGURES).order_by(*fields))


def dashboard(*, user: User, since: date, until: date, branch: str = "") -> Dashboard:
    """Completion and on-time rates overall, per branch, per RM (person runs), per day and template."""
    qs = scope(user, ChecklistRun.objects.filter(date__gte=since, date__lte=until))
    if branch:
        qs = qs.filter(branch__code=branch)
    branch_rows = _grouped(qs, "branch__code", "branch_id")
    branches = Branch.objects.in_bulk([row["branch_id"] for row in branch_rows])
    rm_rows = _grouped(qs.filter(per_branch=False), "branch__code", "assignee__username", "assignee_id")
    people = User.objects.select_related("staff").in_bulk([row["assignee_id"] for row in rm_rows])
    return Dashboard(
        since=since,
        until=until,
        overall=Figures(**_counts(qs.aggregate(**FIGURES))),
        by_branch=[BranchFigures(**_counts(r), branch=branches[r["branch_id"]]) for r in branch_rows],
        by_rm=[
            PersonFigures(**_counts(r), rm=people[r["assignee_id"]], branch_code=r["branch__code"])
            for r in rm_rows
        ],
        by_day=[DayFigures(**_counts(r), date=r["date"]) for r in _grouped(qs, "date")],
        by_template=[
            TemplateFigures(**_counts(r), template_id=r["template_id"], name=r["template__name"])
            for r in _grouped(qs, "template_id", "template__name")
        ],
    )
