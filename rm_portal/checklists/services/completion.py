"""Completing an item on the phone: a photo and a note, then the run is submitted."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rm_portal.checklists.clock import bank_tz
from rm_portal.checklists.models import ChecklistRun, RunItem
from rm_portal.checklists.photos import photo_process, photo_read
from rm_portal.checklists.services.runs import people
from rm_portal.core.errors import Conflict, Invalid
from rm_portal.notifications.services import notify
from rm_portal.org.models import Role, Staff

Status = ChecklistRun.Status


def _flagged(taken_at: datetime | None, run: ChecklistRun) -> bool:
    # Taken on another day than the run's: the auditor should look twice (not a rejection).
    return taken_at is not None and timezone.localtime(taken_at, bank_tz()).date() != run.date


def item_complete(
    *, item: RunItem, by: User, photo: File[bytes] | None = None, note: str = "", now: datetime | None = None
) -> RunItem:
    """Tick an item off. A photo over the cap is TooLarge, one that is no photo Invalid on
    `photo`; a required photo or note missing is Invalid; an approved or missed run Conflict."""
    processed = photo_process(photo_read(photo)) if photo is not None else None  # CPU work outside the lock
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
            raise Invalid(fields={"photo": _("该事项需要拍照上传")})
        if item.requires_note and not note.strip():
            raise Invalid(fields={"note": _("该事项需要填写备注")})
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
                    recipients=people(leads.values_list("user_id", flat=True)),
                    kind="checklist_resubmitted",
                    title=_("%(name)s 已重新提交，请审核") % {"name": run.name},
                    link=reverse("checklists:run", args=[run.pk]),
                )
    return item
