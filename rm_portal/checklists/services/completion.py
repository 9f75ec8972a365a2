"""Completing an item on the phone: a photo and a note, then the run is submitted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rm_portal.checklists.clock import bank_tz, local_moment
from rm_portal.checklists.models import ChecklistRun, ChecklistTemplate, RunItem
from rm_portal.checklists.photos import Photo, photo_process, photo_read
from rm_portal.checklists.services.runs import people
from rm_portal.core.errors import Conflict, DomainError, Invalid, TooLarge
from rm_portal.notifications.services import notify
from rm_portal.org.models import Role, Staff

Status = ChecklistRun.Status


def _flagged(taken_at: datetime | None, run: ChecklistRun) -> bool:
    # Taken on another day than the run's: the auditor should look twice (not a rejection).
    return taken_at is not None and timezone.localtime(taken_at, bank_tz()).date() != run.date


def _window_check(run: ChecklistRun, now: datetime) -> bool:
    """Whether the completion is early (before the window opens) and allowed: Conflict when the
    template refuses it, True when it is to be flagged."""
    opens = local_moment(run.date, run.template.time_of_day)
    if now >= opens:
        return False
    early = run.template.early
    if early == ChecklistTemplate.Early.REFUSE:
        at = timezone.localtime(opens, bank_tz())
        raise Conflict(
            _("%(name)s %(at)s 才开始，请到时再完成") % {"name": run.name, "at": at.strftime("%m-%d %H:%M")}
        )
    return early == ChecklistTemplate.Early.FLAG


def _run_locked(run_id: int) -> ChecklistRun:
    run = ChecklistRun.objects.select_for_update(of=("self",)).select_related("template").get(pk=run_id)
    if run.status == Status.APPROVED:
        raise Conflict(_("该动作已审核通过，不能再修改"))
    if run.status == Status.MISSED:
        raise Conflict(_("该动作已过期未完成，不能再补交"))
    return run


def _missing(item: RunItem, processed: Photo | None, note: str) -> Invalid | None:
    if item.requires_photo and processed is None and not item.photo:
        return Invalid(fields={"photo": _("该事项需要拍照上传")})
    if item.requires_note and not note.strip():
        return Invalid(fields={"note": _("该事项需要填写备注")})
    return None


def _apply(
    item: RunItem,
    run: ChecklistRun,
    *,
    by: User,
    processed: Photo | None,
    note: str,
    now: datetime,
    early: bool,
) -> None:
    """Write one item's answer (inside the caller's transaction, the run locked)."""
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
    item.early = early
    item.save()
    if old_photo:
        storage = item.photo.storage
        transaction.on_commit(lambda: storage.delete(old_photo))


def _submit_if_complete(run: ChecklistRun, now: datetime) -> None:
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
                recipients=people(leads.values_list("user_id", flat=True)),
                kind="checklist_resubmitted",
                title=_("%(name)s 已重新提交，请审核") % {"name": run.name},
                link=reverse("checklists:run", args=[run.pk]),
            )


def item_complete(
    *, item: RunItem, by: User, photo: File[bytes] | None = None, note: str = "", now: datetime | None = None
) -> RunItem:
    """Tick an item off. A photo over the cap is TooLarge, one that is no photo Invalid on
    `photo`; a required photo or note missing is Invalid; an approved or missed run Conflict, and
    so is a completion before the window opens on a template that refuses it."""
    processed = photo_process(photo_read(photo)) if photo is not None else None  # CPU work outside the lock
    with transaction.atomic():
        run = _run_locked(item.run_id)
        item = RunItem.objects.select_for_update().get(pk=item.pk)
        now = now or timezone.now()
        early = _window_check(run, now)
        refused = _missing(item, processed, note)
        if refused is not None:
            raise refused
        _apply(item, run, by=by, processed=processed, note=note, now=now, early=early)
        _submit_if_complete(run, now)
    return item


@dataclass(frozen=True)
class Answer:
    """One item's part of the one-form submit: ticked, with its photo (or none) and note."""

    item_id: int
    done: bool = False
    photo: File[bytes] | None = None
    note: str = ""


def _item_error(position: int, error: DomainError) -> str:
    reason = "；".join(str(m) for messages in error.fields.values() for m in messages) if error.fields else ""
    return _("第 %(n)d 项：%(reason)s") % {"n": position, "reason": reason or str(error.message)}


def run_complete(
    *, run: ChecklistRun, by: User, answers: Sequence[Answer], now: datetime | None = None
) -> list[RunItem]:
    """The whole run in one submit: every ticked item (or one given a photo or a note) is stored,
    or none is. A bad or missing photo or note on any item refuses all of them with
    Invalid(fields={"item_<position>": …}) naming the item by its number; an oversized photo is
    TooLarge naming it. The run is submitted when every item is then done."""
    items = {item.pk: item for item in run.items.all()}
    positions = {pk: n for n, pk in enumerate(items, start=1)}
    wanted = [a for a in answers if a.item_id in items and (a.done or a.photo is not None or a.note.strip())]
    processed: dict[int, Photo | None] = {}
    errors: dict[str, list[str]] = {}
    for answer in wanted:  # the CPU work, and the photo checks, before any lock or write
        n = positions[answer.item_id]
        try:
            processed[answer.item_id] = (
                photo_process(photo_read(answer.photo)) if answer.photo is not None else None
            )
        except TooLarge as error:
            raise TooLarge(_("第 %(n)d 项：%(reason)s") % {"n": n, "reason": error.message}) from None
        except Invalid as error:
            errors[f"item_{n}"] = [_item_error(n, error)]
    with transaction.atomic():
        locked = _run_locked(run.pk)
        now = now or timezone.now()
        early = _window_check(locked, now)
        rows = {row.pk: row for row in RunItem.objects.select_for_update().filter(run=locked)}
        for answer in wanted:
            n = positions[answer.item_id]
            if f"item_{n}" in errors:
                continue
            refused = _missing(rows[answer.item_id], processed[answer.item_id], answer.note)
            if refused is not None:
                errors[f"item_{n}"] = [_item_error(n, refused)]
        if not wanted and not errors:
            raise Invalid(_("请至少完成一项再提交"))
        if errors:
            raise Invalid(_("未保存任何一项，请改正后重新提交"), fields=errors)
        for answer in wanted:
            _apply(
                rows[answer.item_id],
                locked,
                by=by,
                processed=processed[answer.item_id],
                note=answer.note,
                now=now,
                early=early,
            )
        _submit_if_complete(locked, now)
    return [rows[a.item_id] for a in wanted]
