"""Create an outreach (checked text, resolved recipients) and approve it (four eyes)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance.services.lexicon import text_check
from materials.models import Material
from rm_portal.core.errors import Conflict, Invalid, NotAllowed
from rm_portal.customers.models import Segment
from rm_portal.org.access import role_of, staff_of
from rm_portal.org.models import Role
from rm_portal.outreach.models import OutreachRecipient, OutreachTask
from rm_portal.outreach.services.recipients import Resolution, outreach_resolve

# WeCom's add_msg_template: text.content is at most 4,000 bytes (UTF-8: a Chinese character is 3).
TEXT_MAX_BYTES = 4000
Status = OutreachTask.Status


def text_refusal(text: str) -> dict[str, Any]:
    """The compliance check of an outreach text; a block hit is a 400 carrying the hits."""
    if not text.strip():
        raise Invalid(fields={"text": _("请填写群发内容")})
    size = len(text.encode())
    if size > TEXT_MAX_BYTES:
        raise Invalid(
            fields={
                "text": _("企业微信群发文本最多 %(max)d 字节（约 1333 个汉字），当前 %(size)d 字节")
                % {"max": TEXT_MAX_BYTES, "size": size}
            }
        )
    checked = text_check(text=text)
    if not checked["allowed"]:
        raise Invalid(_("内容含有禁用词，不能群发"), data={"hits": checked["hits"]})
    return checked


def category_of(material: Material | None, category: str) -> str:
    chosen = (material.marketing_category if material is not None else "") or category
    if not chosen:
        raise Invalid(fields={"category": _("请选择营销类别（客户须授权该类别）")})
    return chosen


def outreach_preview(
    *,
    by: User,
    text: str,
    selection: str,
    segment: Segment | None = None,
    tags: list[str] | None = None,
    material: Material | None = None,
    category: str = "",
    senders: list[str] | None = None,
) -> tuple[Resolution, dict[str, Any]]:
    """What a send would reach and why the others are left out; nothing is stored."""
    checked = text_refusal(text)
    resolution = outreach_resolve(
        by=by,
        selection=selection,
        segment=segment,
        tags=tags,
        material=material,
        category=category_of(material, category),
        senders=senders,
    )
    return resolution, checked


@transaction.atomic
def outreach_create(
    *,
    by: User,
    name: str,
    text: str,
    selection: str,
    segment: Segment | None = None,
    tags: list[str] | None = None,
    material: Material | None = None,
    category: str = "",
    senders: list[str] | None = None,
) -> OutreachTask:
    resolution, checked = outreach_preview(
        by=by,
        text=text,
        selection=selection,
        segment=segment,
        tags=tags,
        material=material,
        category=category,
        senders=senders,
    )
    if not resolution.recipients:
        words = "、".join(
            f"{OutreachRecipient.Reason(k).label} {n}" for k, n in resolution.excluded.items() if n
        )
        raise Invalid(
            _("所选客户都被排除，没有可发送的对象：%(why)s") % {"why": words},
            data={"excluded": resolution.excluded},
        )
    role = role_of(by)
    staff = staff_of(by)
    needs_approval = role == Role.HEAD_OFFICE and resolution.cross_branch
    task = OutreachTask.objects.create(
        name=name.strip(),
        text=text,
        material=material,
        category=category_of(material, category),
        selection=selection,
        segment=segment,
        tags=list(tags or []),
        created_by=by,
        branch=None if role == Role.HEAD_OFFICE or staff is None else staff.branch,
        cross_branch=resolution.cross_branch,
        status=Status.PENDING_APPROVAL if needs_approval else Status.APPROVED,
        recipients=resolution.recipients,
        excluded=resolution.excluded,
        hits=checked["hits"],
    )
    _recipients_store(task, resolution)
    return task


def _recipients_store(task: OutreachTask, resolution: Resolution) -> None:
    """A segment's 200,000 rows as plain tuples: COPY on PostgreSQL, executemany elsewhere; model
    instances through bulk_create were most of the create's time (docs/decisions.md)."""
    table = OutreachRecipient._meta.db_table
    columns = "task_id, customer_id, sender_id, external_userid, status, reason"
    queued, excluded = OutreachRecipient.Status.QUEUED.value, OutreachRecipient.Status.EXCLUDED.value
    rows = [
        (task.pk, r.customer_id, r.sender_id, r.external_userid, excluded if r.reason else queued, r.reason)
        for r in resolution.rows
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s)"  # noqa: S608
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])


@transaction.atomic
def outreach_approve(*, task: OutreachTask, by: User) -> OutreachTask:
    """Compliance's second pair of eyes: never the creator's own."""
    if role_of(by) != Role.COMPLIANCE:
        raise NotAllowed(_("只有合规专员可以审批群发"))
    if task.created_by_id == by.pk:
        raise NotAllowed(_("不能审批自己创建的群发"))
    updated = OutreachTask.objects.filter(pk=task.pk, status=Status.PENDING_APPROVAL).update(
        status=Status.APPROVED, approved_by=by, approved_at=timezone.now()
    )
    task.refresh_from_db()
    if not updated and task.approved_by_id != by.pk:
        raise Conflict(_("这条群发不在待审批状态"))
    return task
