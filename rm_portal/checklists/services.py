"""Writes for checklists: templates, the day's runs, reminders, completion with photos, audits."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from rm_portal.api.inputs import validated
from rm_portal.checklists.inputs import TemplateIn
from rm_portal.checklists.models import (
    ChecklistRun,
    ChecklistTemplate,
    Generation,
    Holiday,
    RunAudit,
    RunItem,
    TemplateItem,
)
from rm_portal.checklists.photos import photo_process
from rm_portal.core.errors import Conflict
from rm_portal.notifications.services import notify
from rm_portal.org.models import Branch, Role, Staff

Status = ChecklistRun.Status


def bank_tz():  # type: ignore[no-untyped-def]
    # The bank's zone (settings.TIME_ZONE), whatever zone the server's clock runs in.
    return timezone.get_default_timezone()


def local_moment(on: date, at: time) -> datetime:
    return datetime.combine(on, at, tzinfo=bank_tz())


def local_today(now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now(), bank_tz()).date()


# --- Templates -------------------------------------------------------------------------------


def _items_replace(template: ChecklistTemplate, items: Iterable[dict]) -> None:
    template.items.all().delete()
    TemplateItem.objects.bulk_create(
        [
            TemplateItem(
                template=template,
                order=position,
                text=item["text"],
                requires_photo=item.get("requires_photo", False),
                requires_note=item.get("requires_note", False),
            )
            for position, item in enumerate(items)
        ]
    )


@transaction.atomic
def template_create(
    *,
    name: str,
    time_of_day: time,
    weekdays: list[int],
    due_minutes: int,
    roles: list[str],
    items: list[dict],
    branches: Iterable[Branch] = (),
    skip_holidays: bool = True,
    active: bool = True,
    scope: str = ChecklistTemplate.Scope.PERSON,
) -> ChecklistTemplate:
    template = ChecklistTemplate.objects.create(
        name=name,
        time_of_day=time_of_day,
        weekdays=sorted(set(weekdays)),
        due_minutes=due_minutes,
        roles=sorted(set(roles)),
        skip_holidays=skip_holidays,
        active=active,
        scope=scope,
    )
    template.branches.set(list(branches))
    _items_replace(template, items)
    return template


@transaction.atomic
def template_update(
    *,
    template: ChecklistTemplate,
    name: str,
    time_of_day: time,
    weekdays: list[int],
    due_minutes: int,
    roles: list[str],
    items: list[dict],
    branches: Iterable[Branch] = (),
    skip_holidays: bool = True,
    active: bool = True,
    scope: str = ChecklistTemplate.Scope.PERSON,
) -> ChecklistTemplate:
    """A new version; runs already made keep the items they were made with (their snapshot)."""
    template = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
    template.name = name
    template.time_of_day = time_of_day
    template.weekdays = sorted(set(weekdays))
    template.due_minutes = due_minutes
    template.roles = sorted(set(roles))
    template.skip_holidays = skip_holidays
    template.active = active
    template.scope = scope
    template.version += 1
    template.save()
    template.branches.set(list(branches))
    _items_replace(template, items)
    return template


def template_save(*, data: object, template: ChecklistTemplate | None = None) -> ChecklistTemplate:
    """Create (template=None) or edit a template from raw input, API or page alike.

    Raises ValidationError (field -> messages, items as a list per item) and stores nothing
    when anything is wrong; an edit is a new version (see template_update).
    """
    fields = validated(TemplateIn, data, context={"template": template})
    fields["time_of_day"] = fields.pop("time")
    fields["items"] = [dict(item) for item in fields["items"]]
    if template is None:
        return template_create(**fields)
    return template_update(template=template, **fields)


def holidays_import(*, data: bytes) -> int:
    """A CSV of `date,name` rows (header optional); all rows valid or nothing is stored."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": [_("文件必须是 UTF-8 编码的 CSV")]}) from None
    rows: dict[date, str] = {}
    errors = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not "".join(row).strip():
            continue
        if number == 1 and row[0].strip().lower() in ("date", "日期"):
            continue
        try:
            day = date.fromisoformat(row[0].strip())
        except ValueError:
            errors.append(_("第 %(line)d 行：日期格式应为 YYYY-MM-DD") % {"line": number})
            continue
        rows[day] = (row[1].strip() if len(row) > 1 else "")[:64] or _("节假日")
    if errors:
        raise ValidationError({"file": errors[:20]})
    if not rows:
        raise ValidationError({"file": [_("文件中没有节假日")]})
    with transaction.atomic():
        for day, name in rows.items():
            Holiday.objects.update_or_create(date=day, defaults={"name": name})
    return len(rows)


# --- The day's runs and reminders ------------------------------------------------------------


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


def _claim(runs: QuerySet[ChecklistRun], field: str, now: datetime, fields: tuple[str, ...]) -> list[tuple]:
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


def _people(user_ids: Iterable[int]) -> list[User]:
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
        recipients=_people(recipients),
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
            recipients=_people(user_ids),
            kind="checklist_late",
            title=_("%(name)s 已超时，仍有事项未完成") % {"name": name},
            body=_("请尽快补完；超时完成将记为逾期。"),
            link=reverse("checklists:mine"),
        )
    leads = Staff.objects.filter(role=Role.BRANCH_LEAD, active=True, branch_id__in=list(by_branch))
    for user_id, branch_id in leads.values_list("user_id", "branch_id"):
        missed = by_branch[branch_id]
        notify(
            recipients=_people([user_id]),
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


# --- Completion and audit --------------------------------------------------------------------


def _flagged(taken_at: datetime | None, run: ChecklistRun) -> bool:
    # Taken on another day than the run's: the auditor should look twice (not a rejection).
    return taken_at is not None and timezone.localtime(taken_at, bank_tz()).date() != run.date


def item_complete(
    *, item: RunItem, by: User, photo: bytes | None = None, note: str = "", now: datetime | None = None
) -> RunItem:
    processed = photo_process(photo) if photo is not None else None  # CPU work outside the lock
    with transaction.atomic():
        run = (
            ChecklistRun.objects.select_for_update(of=("self",))
            .select_related("template")
            .get(pk=item.run_id)
        )
        item = RunItem.objects.select_for_update().get(pk=item.pk)
        if run.status == Status.APPROVED:
            raise Conflict(_("该动作已审核通过，不能再修改"))
        if run.status == Status.MISSED:
            raise Conflict(_("该动作已过期未完成，不能再补交"))
        if item.requires_photo and processed is None and not item.photo:
            raise ValidationError({"photo": [_("该事项需要拍照上传")]})
        if item.requires_note and not note.strip():
            raise ValidationError({"note": [_("该事项需要填写备注")]})
        now = now or timezone.now()
        old_photo = item.photo.name if processed is not None else ""
        if processed is not None:
            item.photo.save("photo.jpg", ContentFile(processed.content), save=False)
            item.photo_taken_at = processed.taken_at
            item.photo_flagged = _flagged(processed.taken_at, run)
        if note.strip() or not item.requires_note:
            item.note = note.strip()
        item.done = True
        item.completed_at = now
        item.completed_by = by
        item.late = now > run.due_at
        item.save()
        if old_photo:
            storage = item.photo.storage
            transaction.on_commit(lambda: storage.delete(old_photo))
        if run.status in (Status.OPEN, Status.REJECTED) and not run.items.filter(done=False).exists():
            resubmitted = run.status == Status.REJECTED
            if run.submitted_at is None:
                run.late = now > run.due_at  # on time or not is decided by the first submission
            run.status = Status.SUBMITTED
            run.submitted_at = now
            run.save(update_fields=["status", "submitted_at", "late"])
            if resubmitted:
                leads = Staff.objects.filter(role=Role.BRANCH_LEAD, active=True, branch_id=run.branch_id)
                notify(
                    recipients=_people(leads.values_list("user_id", flat=True)),
                    kind="checklist_resubmitted",
                    title=_("%(name)s 已重新提交，请审核") % {"name": run.name},
                    link=reverse("checklists:run", args=[run.pk]),
                )
    return item


@transaction.atomic
def run_audit(*, run: ChecklistRun, by: User, verdict: str, comment: str = "") -> RunAudit:
    run = ChecklistRun.objects.select_for_update(of=("self",)).select_related("template").get(pk=run.pk)
    if run.status != Status.SUBMITTED:
        raise Conflict(_("只能审核已提交、待审核的动作"))
    comment = comment.strip()
    if verdict == RunAudit.Verdict.REJECTED and not comment:
        raise ValidationError({"comment": [_("退回时请写明原因")]})
    audit = RunAudit.objects.create(run=run, verdict=verdict, comment=comment, by=by)
    run.status = Status.APPROVED if verdict == RunAudit.Verdict.APPROVED else Status.REJECTED
    run.save(update_fields=["status"])
    if run.status == Status.REJECTED:
        notify(
            recipients=_people(run_people(run)),
            kind="checklist_rejected",
            title=_("%(name)s 被退回，请重新完成") % {"name": run.name},
            body=comment,
            link=reverse("checklists:run", args=[run.pk]),
        )
    return audit


def runs_withdraw_for_leaver(leaver: User, successor: User) -> dict[str, int]:
    """Handover mover: a leaver's untouched open runs from today on are withdrawn, so they do not
    count as missed; history stays with the person who did it (evidence is not reassigned), and
    the successor already has runs of their own."""
    runs = ChecklistRun.objects.filter(
        assignee=leaver, status=Status.OPEN, date__gte=local_today(), per_branch=False
    )
    untouched = runs.exclude(items__done=True)
    _count, per_model = untouched.delete()
    # A branch run belongs to the branch: the successor answers for it instead.
    moved = ChecklistRun.objects.filter(
        assignee=leaver, per_branch=True, date__gte=local_today(), status__in=[Status.OPEN, Status.REJECTED]
    ).update(assignee=successor)
    counts = {"checklist_runs_withdrawn": per_model.get("checklists.ChecklistRun", 0)}
    if moved:
        counts["checklist_branch_runs_moved"] = moved
    return counts
