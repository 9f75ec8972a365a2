"""Every outreach goes into the compliance archive like any other outgoing message: one message per
recipient in the RM's conversation with that contact, the text, and who approved it."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from compliance.models import Channel, Direction
from compliance.services.ingestion import items_store
from compliance.services.items import Item
from rm_portal.outreach.models import OutreachChunk, OutreachRecipient, OutreachTask


def archived_text(task: OutreachTask) -> str:
    approver = task.approved_by.staff.name if task.approved_by is not None else _("无需审批")
    note = _("【群发 #%(id)d %(name)s，审批人：%(approver)s】") % {
        "id": task.pk,
        "name": task.name,
        "approver": approver,
    }
    return f"{task.text}\n{note}"


def chunk_archive(*, task: OutreachTask, chunk: OutreachChunk, at: datetime) -> int:
    content = archived_text(task)
    rm = chunk.sender.username
    items = [
        Item(
            index=index,
            external_id=f"outreach:{task.pk}:{pk}",
            channel=Channel.WECOM,
            rm=rm,
            customer=cust_no,
            contact=external_userid,
            direction=Direction.OUT,
            content_type="text",
            content=content,
            sent_at=at,
        )
        for index, (pk, cust_no, external_userid) in enumerate(
            OutreachRecipient.objects.filter(chunk=chunk)
            .exclude(status=OutreachRecipient.Status.NOT_FRIEND)
            .values_list("pk", "customer__cust_no", "external_userid")
            .order_by("pk")
        )
    ]
    # Stored as the gateway stores WeCom's own archive: the sender is the RM, not the caller.
    result = items_store(parsed=items, by=chunk.sender, gateway=True)
    OutreachTask.objects.filter(pk=task.pk, archived_at__isnull=True).update(archived_at=at)
    return result.stored
