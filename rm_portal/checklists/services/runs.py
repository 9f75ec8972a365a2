"""The day's runs: generation from templates, reminders, late reminders, missed days, handover."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rm_portal.checklists.clock import bank_tz, local_moment, local_today
from rm_portal.checklists.models import ChecklistRun, ChecklistTemplate, Generation, Holiday, RunItem
from rm_portal.notifications.services import notify
from rm_portal.org.handover import SAMPLE_SIZE, Preview, preview_of
from rm_portal.org.models import Role, Staff

Status = ChecklistRun.Status


def template_applies(template: ChecklistTemplate, on: date) -> bool:
    if not template.active or on.isoweekday() not in template.weekdays:
        return False
    return not (template.skip_holidays and Holiday.objects.filter(date=on).exists())


def _responsible(staff: QuerySet[Staff]) -> dict[int, int]:
    """branch id -> the person answering for the branch's run: its first active lead (by user id),
    else its first assignee-role member."""
    members: dict[int, int] = {}
    for user_id, branch_id in staff.order_by("branch_id", "user_id").values_list("user_id", "branch_id"):
        members.setdefault(branch_id, user_id)
    leads = Staff.objects.filter(
        role=Role.BRANCH_LEAD, active=True, user__is_active=True, branch_id__in=list(members)
    ).order_by("branch_id", "user_id")
    chosen: dict[int, int] = {}
    for user_id, branch_id in leads.values_list("user_id", "branch_id"):
        chosen.setdefault(branch_id, user_id)
    return {branch_id: chosen.get(branch_id, user_id) for branch_id, user_id in members.items()}


@transaction.atomic
def runs_generate(*, template: ChecklistTemplate, on: date) -> int:
    """Every assignee's run for the day (a per-branch template: every branch's), set-based; safe
    to run any number of times.

    The unique (template, assignee, date) constraint — (template, branch, date) for branch runs —
    makes a second call a no-op, whoever makes it: a second beat tick, a restarted worker, or
    `generate_checklists --date`.
    """
    if not template_applies(template, on):
        return 0
    staff = Staff.objects.filter(
        active=True, user__is_active=True, role__in=template.roles, branch_id__isnull=False
    )
    branch_ids = list(template.branches.values_list("id", flat=True))
    if branch_ids:
        staff = staff.filter(branch_id__in=branch_ids)
    per_branch = template.scope == ChecklistTemplate.Scope.BRANCH
    if per_branch:
        owners = [(user_id, branch_id) for branch_id, user_id in _responsible(staff).items()]
    else:
        owners = list(staff.values_list("user_id", "branch_id"))
    due_at = local_moment(on, template.time_of_day) + timedelta(minutes=template.due_minutes)
    before = ChecklistRun.objects.filter(template=template, date=on).count()
    ChecklistRun.objects.bulk_create(
        [
            ChecklistRun(
                template=template,
                template_version=template.version,
                name=template.name,
                per_branch=per_branch,
                assignee_id=user_id,
                branch_id=branch_id,
                date=on,
                due_at=due_at,
            )
            for user_id, branch_id in owners
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    items = list(template.items.all())
    fresh = ChecklistRun.objects.filter(template=template, date=on, items__isnull=True)
    RunItem.objects.bulk_create(
        [
            RunItem(
                run_id=run_id,
                order=item.order,
                text=item.text,
                requires_photo=item.requires_photo,
                requires_note=item.requires_note,
            )
            for run_id in fresh.values_list("id", flat=True)
            for item in items
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    after = ChecklistRun.objects.filter(template=template, date=on).count()
    return after - before


def _claim(
    runs: QuerySet[ChecklistRun], field: str, now: datetime, fields: tuple[str, ...]
) -> list[tuple[Any, ...]]:
    """Claim the runs whose `field` is still empty, in the caller's transaction; return what was won.

    The rows are locked (PostgreSQL; SQLite's IMMEDIATE transactions serialise writers anyway)
    and locked ones are skipped, so two workers at the same instant never both win a run; the
    conditional update is the second belt: it only ever fills an empty field.
    """
    won = list(
        runs.select_for_update(skip_locked=True, of=("self",)).order_by("id").values_list("id", *fields)
    )
    if not won:
        return []
    ChecklistRun.objects.filter(id__in=[row[0] for row in won], **{field: None}).update(**{field: now})
    return [row[1:] for row in won]


def people(user_ids: Iterable[int]) -> list[User]:
    # notify() needs only the key of each recipient: no need to load 1,500 users.
    return [User(pk=user_id) for user_id in dict.fromkeys(user_ids)]


def _members(branch_ids: Iterable[int], roles: Iterable[str]) -> dict[int, list[tuple[int, str]]]:
    """branch id -> its active (user id, role) of the given roles: who a branch run is for."""
    found: dict[int, list[tuple[int, str]]] = defaultdict(list)
    staff = Staff.objects.filter(
        active=True, user__is_active=True, branch_id__in=set(branch_ids), role__in=set(roles)
    ).order_by("user_id")
    for user_id, branch_id, role in staff.values_list("user_id", "branch_id", "role"):
        found[branch_id].append((user_id, role))
    return found


def run_people(run: ChecklistRun) -> list[int]:
    """Who a run is for: its assignee, or every assignee-role member of the branch for a branch run."""
    if not run.per_branch:
        return [run.assignee_id]
    return [user_id for user_id, _role in _members([run.branch_id], run.template.roles)[run.branch_id]]


@transaction.atomic
def reminders_send(*, template: ChecklistTemplate, on: date, now: datetime | None = None) -> int:
    """The start-of-window reminder, once per run: a conditional claim decides who sends it."""
    now = now or timezone.now()
    claimed = _claim(
        ChecklistRun.objects.filter(template=template, date=on, reminded_at=None, status=Status.OPEN),
        "reminded_at",
        now,
        ("assignee_id", "due_at", "per_branch", "branch_id"),
    )
    if not claimed:
        return 0
    due = timezone.localtime(claimed[0][1], bank_tz())
    # A branch run: every assignee-role member of the branch hears once (the claim is per run).
    members = _members([row[3] for row in claimed if row[2]], template.roles)
    recipients = [
        user_id
        for assignee_id, _due, per_branch, branch_id in claimed
        for user_id in ([u for u, _role in members.get(branch_id, [])] if per_branch else [assignee_id])
    ]
    if not recipients:
        return len(claimed)
    notify(
        recipients=people(recipients),
        kind="checklist_reminder",
        title=_("%(name)s：请开始打卡") % {"name": template.name},
        body=_("请在 %(due)s 前完成各项并拍照上传。") % {"due": due.strftime("%H:%M")},
        link=reverse("checklists:mine"),
    )
    return len(claimed)


@transaction.atomic
def runs_mark_missed(*, today: date, now: datetime | None = None) -> int:
    """A run still open after its day (and after its window, for one that ends past midnight)
    is missed for good."""
    now = now or timezone.now()
    return ChecklistRun.objects.filter(status=Status.OPEN, date__lt=today, due_at__lte=now).update(
        status=Status.MISSED
    )


@transaction.atomic
def late_reminders_send(*, now: datetime | None = None) -> int:
    """Once per run when its window ends with items open; each branch lead hears who missed."""
    now = now or timezone.now()
    # Yesterday's too, for a window that ends after midnight; older ones are only marked missed
    # (after downtime, a late reminder for last week would be noise).
    since = local_today(now) - timedelta(days=1)
    claimed = _claim(
        ChecklistRun.objects.filter(
            status=Status.OPEN, due_at__lte=now, late_reminded_at=None, date__gte=since
        ),
        "late_reminded_at",
        now,
        ("assignee_id", "branch_id", "name", "assignee__staff__name", "per_branch", "template_id"),
    )
    if not claimed:
        return 0
    claimed.sort(key=lambda row: (row[1], row[2], row[3] or ""))
    branch_rows = [row for row in claimed if row[4]]
    roles = dict(
        ChecklistTemplate.objects.filter(id__in={row[5] for row in branch_rows}).values_list("id", "roles")
    )
    members = _members(
        [row[1] for row in branch_rows], {role for wanted in roles.values() for role in wanted}
    )
    by_name: dict[str, list[int]] = defaultdict(list)
    by_branch: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for user_id, branch_id, name, person, per_branch, template_id in claimed:
        if per_branch:
            wanted = roles.get(template_id, [])
            by_name[name] += [u for u, role in members.get(branch_id, []) if role in wanted]
            by_branch[branch_id].append((name, _("全网点")))
        else:
            by_name[name].append(user_id)
            by_branch[branch_id].append((name, person or ""))
    for name, user_ids in by_name.items():
        if not user_ids:
            continue
        notify(
            recipients=people(user_ids),
            kind="checklist_late",
            title=_("%(name)s 已超时，仍有事项未完成") % {"name": name},
            body=_("请尽快补完；超时完成将记为逾期。"),
            link=reverse("checklists:mine"),
        )
    leads = Staff.objects.filter(role=Role.BRANCH_LEAD, active=True, branch_id__in=list(by_branch))
    for user_id, branch_id in leads.values_list("user_id", "branch_id"):
        missed = by_branch[branch_id]
        notify(
            recipients=people([user_id]),
            kind="checklist_missed",
            title=_("%(count)d 人未按时完成标准化动作") % {"count": len(missed)},
            body="\n".join(f"{name}：{person}" for name, person in missed),
            link=reverse("checklists:queue"),
        )
    return len(claimed)


def template_fire(*, template: ChecklistTemplate, on: date, now: datetime) -> tuple[int, int]:
    """The template's moment has come: runs, reminders, then the mark that it fired today.

    The mark is written last: a worker dying half-way leaves no mark, and the next tick redoes
    the (idempotent) steps. Runs made earlier by `generate_checklists` still get their reminder.
    """
    generated = runs_generate(template=template, on=on)
    reminded = reminders_send(template=template, on=on, now=now)
    Generation.objects.bulk_create(
        [Generation(template=template, date=on, runs=generated)], ignore_conflicts=True
    )
    return generated, reminded


@dataclass(frozen=True)
class Tick:
    generated: int
    reminded: int
    late: int
    missed: int


def checklists_tick(*, now: datetime | None = None) -> Tick:
    """The beat job: fire every template whose local time has come today and not yet fired.

    Idempotent by construction: a Generation row marks a template's day, the unique run
    constraint stops duplicates and the reminder claims stop a second reminder.
    """
    now = now or timezone.now()
    local = timezone.localtime(now, bank_tz())
    today = local.date()
    fired = set(Generation.objects.filter(date=today).values_list("template_id", flat=True))
    due = ChecklistTemplate.objects.filter(active=True, time_of_day__lte=local.time().replace(tzinfo=None))
    generated = reminded = 0
    for template in due.exclude(id__in=fired):
        made, sent = template_fire(template=template, on=today, now=now)
        generated += made
        reminded += sent
    late = late_reminders_send(now=now)
    missed = runs_mark_missed(today=today, now=now)  # after the late sweep: late reminder first
    return Tick(generated=generated, reminded=reminded, late=late, missed=missed)


def day_generate(*, on: date, now: datetime | None = None) -> tuple[int, int]:
    """`generate_checklists --date`: the day's runs of every template; reminders only for today
    and only for templates whose time has come (a reminder for another day means nothing)."""
    now = now or timezone.now()
    local = timezone.localtime(now, bank_tz())
    generated = reminded = 0
    for template in ChecklistTemplate.objects.filter(active=True):
        if on == local.date() and template.time_of_day <= local.time().replace(tzinfo=None):
            made, sent = template_fire(template=template, on=on, now=now)
            generated += made
            reminded += sent
        else:
            generated += runs_generate(template=template, on=on)
    return generated, reminded


def runs_withdraw_for_leaver(leaver: User, successor: User) -> dict[str, int]:
    """Handover mover: a leaver's untouched open runs from today on are withdrawn, so they do not
    count as missed; history stays with the person who did it (evidence is not reassigned), and
    the successor already has runs of their own."""
    _count, per_model = _runs_to_withdraw(leaver).delete()
    # A branch run belongs to the branch: the successor answers for it instead.
    moved = _branch_runs_to_move(leaver).update(assignee=successor)
    counts = {"checklist_runs_withdrawn": per_model.get("checklists.ChecklistRun", 0)}
    if moved:
        counts["checklist_branch_runs_moved"] = moved
    return counts


def _runs_to_withdraw(leaver: User) -> QuerySet[ChecklistRun]:
    runs = ChecklistRun.objects.filter(
        assignee=leaver, status=Status.OPEN, date__gte=local_today(), per_branch=False
    )
    return runs.exclude(items__done=True)


def _branch_runs_to_move(leaver: User) -> QuerySet[ChecklistRun]:
    return ChecklistRun.objects.filter(
        assignee=leaver, per_branch=True, date__gte=local_today(), status__in=[Status.OPEN, Status.REJECTED]
    )


def runs_preview_for_leaver(leaver: User, successor: User) -> dict[str, Preview]:
    """What `runs_withdraw_for_leaver` would do: the untouched runs it withdraws, the branch runs
    it hands on (that key only when there is one, as the mover answers)."""
    previews = {}
    for key, runs in (
        ("checklist_runs_withdrawn", _runs_to_withdraw(leaver)),
        ("checklist_branch_runs_moved", _branch_runs_to_move(leaver)),
    ):
        rows = list(runs.order_by("date", "pk").values_list("pk", "name", "date"))
        if rows or key == "checklist_runs_withdrawn":
            names = [f"{name} {day:%m-%d}" for _pk, name, day in rows[:SAMPLE_SIZE]]
            previews[key] = preview_of([pk for pk, _n, _d in rows], names)
    return previews
