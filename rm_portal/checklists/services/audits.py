"""The branch lead's verdict on a submitted run."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from rm_portal.checklists.models import ChecklistRun, RunAudit, RunItem
from rm_portal.checklists.services.runs import people, run_people
from rm_portal.core.errors import Conflict, Invalid, NotAllowed
from rm_portal.notifications.services import notify

Status = ChecklistRun.Status


def _did_it_themselves(run: ChecklistRun, by: User) -> bool:
    """The auditor's own run (a person run of theirs), or a run with any item they completed. A
    branch run the lead only answers for, completed by the branch's members, is not their own."""
    if not run.per_branch and run.assignee_id == by.pk:
        return True
    return RunItem.objects.filter(run=run, completed_by=by).exists()


@transaction.atomic
def run_audit(*, run: ChecklistRun, by: User, verdict: str, comment: str = "") -> RunAudit:
    run = ChecklistRun.objects.select_for_update(of=("self",)).select_related("template").get(pk=run.pk)
    if run.status != Status.SUBMITTED:
        raise Conflict(_("只能审核已提交、待审核的动作"))
    if verdict == RunAudit.Verdict.APPROVED and _did_it_themselves(run, by):
        # An approval is the second pair of eyes: nobody approves their own work.
        raise NotAllowed(_("不能审批自己完成的动作：其中有您本人完成的项目，请由网点其他负责人审批"))
    comment = comment.strip()
    if verdict == RunAudit.Verdict.REJECTED and not comment:
        raise Invalid(fields={"comment": _("退回时请写明原因")})
    audit = RunAudit.objects.create(run=run, verdict=verdict, comment=comment, by=by)
    run.status = Status.APPROVED if verdict == RunAudit.Verdict.APPROVED else Status.REJECTED
    run.save(update_fields=["status"])
    if run.status == Status.REJECTED:
        notify(
            recipients=people(run_people(run)),
            kind="checklist_rejected",
            title=_("%(name)s 被退回，请重新完成") % {"name": run.name},
            body=comment,
            link=reverse("checklists:run", args=[run.pk]),
        )
    return audit
