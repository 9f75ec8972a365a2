"""Hand an outreach to WeCom (add_msg_template per sender, in chunks) and read back what the
senders confirmed (get_groupmsg_send_result).

Never sent twice: the task moves approved → sending by one conditional update, a chunk is claimed
queued → sending the same way before its call, and its msgid is stored (its own transaction)
before the next chunk is sent. A chunk WeCom refuses goes back to queued with a pause that doubles,
up to OUTREACH_SEND_ATTEMPTS; a chunk left `sending` by a process that died mid-call is failed,
never sent again, because WeCom may have taken it (docs/outreach.md)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from materials.services.shares import share_create
from rm_portal.core.errors import Conflict, NotAllowed
from rm_portal.org.models import Staff
from rm_portal.outreach.models import OutreachChunk, OutreachRecipient, OutreachTask
from rm_portal.wecom.client import WeComClient, WeComError, WeComUnavailable, contact_client

logger = logging.getLogger(__name__)

SEND = "/cgi-bin/externalcontact/add_msg_template"
RESULT = "/cgi-bin/externalcontact/get_groupmsg_send_result"
POLL_DAYS = 3
FIRST_PAUSE_SECONDS = 30
STALE_SENDING = timedelta(minutes=10)
# get_groupmsg_send_result's status → the recipient's
WECOM_STATUS = {
    0: OutreachRecipient.Status.PENDING,
    1: OutreachRecipient.Status.SENT,
    2: OutreachRecipient.Status.NOT_FRIEND,
    3: OutreachRecipient.Status.ALREADY_RECEIVED,
}
Status = OutreachTask.Status
Chunk = OutreachChunk.Status
Row = OutreachRecipient.Status


def userid_of(staff: Staff) -> str:
    return staff.wechat_id or staff.user.username


def outreach_send(*, task: OutreachTask, by: User, site: str = "") -> OutreachTask:
    """Start the send; a second call (a double tap, a retry) changes nothing and says where it is."""
    if task.created_by_id != by.pk:
        raise NotAllowed(_("只有创建人可以发送这条群发"))
    if task.status == Status.PENDING_APPROVAL:
        raise Conflict(_("跨网点群发须经合规审批后才能发送"))
    with transaction.atomic():
        claimed = OutreachTask.objects.filter(pk=task.pk, status=Status.APPROVED).update(
            status=Status.SENDING, send_started_at=timezone.now(), link_base=site[:200]
        )
        if claimed:
            _chunks_make(task_id=task.pk)
            from rm_portal.outreach.tasks import outreach_send_chunks

            transaction.on_commit(lambda: outreach_send_chunks.delay(task.pk))
    task.refresh_from_db()
    return task


def _chunks_make(*, task_id: int) -> None:
    size = settings.OUTREACH_CHUNK_SIZE
    by_sender: dict[int, list[tuple[int, str]]] = {}
    for pk, sender_id, external_userid in (
        OutreachRecipient.objects.filter(task_id=task_id, status=Row.QUEUED)
        .order_by("sender_id", "pk")
        .values_list("pk", "sender_id", "external_userid")
    ):
        by_sender.setdefault(sender_id, []).append((pk, external_userid))
    staff = {s.user_id: s for s in Staff.objects.select_related("user").filter(user_id__in=list(by_sender))}
    seq = 0
    for sender_id, rows in by_sender.items():
        for start in range(0, len(rows), size):
            part = rows[start : start + size]
            seq += 1
            chunk = OutreachChunk.objects.create(
                task_id=task_id,
                sender_id=sender_id,
                sender_userid=userid_of(staff[sender_id]),
                seq=seq,
                external_userids=[e for _pk, e in part],
            )
            OutreachRecipient.objects.filter(pk__in=[pk for pk, _e in part]).update(chunk=chunk)


def _body(task: OutreachTask, chunk: OutreachChunk) -> dict[str, Any]:
    body: dict[str, Any] = {
        "chat_type": "single",
        "sender": chunk.sender_userid,
        "external_userid": chunk.external_userids,
        "text": {"content": task.text},
    }
    if task.material is not None and task.link_base:
        # One tracked link per sender, so opens are counted for the RM who sent it.
        share = share_create(rm=chunk.sender, material=task.material)
        url = task.link_base.rstrip("/") + reverse("materials:landing", args=[share.token])
        body["attachments"] = [{"msgtype": "link", "link": {"title": task.material.title[:128], "url": url}}]
    return body


def outreach_chunks_send(
    *, task_id: int, client: WeComClient | None = None, now: datetime | None = None
) -> int:
    """Send every due queued chunk of a sending task, one by one; answers how many were handed."""
    client = client or contact_client()
    task = OutreachTask.objects.select_related("material", "approved_by").get(pk=task_id)
    if task.status != Status.SENDING:
        return 0
    handed = 0
    current = now or timezone.now()
    due = OutreachChunk.objects.filter(task_id=task_id, status=Chunk.QUEUED).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=current)
    )
    for chunk in list(due.select_related("sender").order_by("seq")):
        if not OutreachChunk.objects.filter(pk=chunk.pk, status=Chunk.QUEUED).update(status=Chunk.SENDING):
            continue  # another worker has it
        try:
            answer = client.post(SEND, _body(task, chunk))
        except (WeComError, WeComUnavailable) as error:
            _chunk_refused(chunk, str(error), now=now)
            continue
        _chunk_handed(task, chunk, answer, now=now)
        handed += 1
    _task_settle(task_id=task_id, now=now)
    return handed


def _chunk_refused(chunk: OutreachChunk, error: str, *, now: datetime | None) -> None:
    attempts = chunk.attempts + 1
    final = attempts >= settings.OUTREACH_SEND_ATTEMPTS
    pause = timedelta(seconds=FIRST_PAUSE_SECONDS * 2 ** (attempts - 1))
    with transaction.atomic():
        OutreachChunk.objects.filter(pk=chunk.pk).update(
            status=Chunk.FAILED if final else Chunk.QUEUED,
            attempts=attempts,
            error=error[:300],
            next_attempt_at=None if final else (now or timezone.now()) + pause,
        )
        if final:
            OutreachRecipient.objects.filter(chunk=chunk).update(status=Row.FAILED)
    logger.warning("outreach chunk %s refused (attempt %s): %s", chunk.pk, attempts, error)


@transaction.atomic
def _chunk_handed(
    task: OutreachTask, chunk: OutreachChunk, answer: dict[str, Any], *, now: datetime | None
) -> None:
    at = now or timezone.now()
    OutreachChunk.objects.filter(pk=chunk.pk).update(
        status=Chunk.HANDED,
        msgid=str(answer.get("msgid", ""))[:64],
        handed_at=at,
        error="",
        attempts=chunk.attempts + 1,
    )
    failed = [str(e) for e in answer.get("fail_list") or []]
    rows = OutreachRecipient.objects.filter(chunk=chunk)
    rows.update(status=Row.PENDING, handed_at=at)
    if failed:
        rows.filter(external_userid__in=failed).update(status=Row.NOT_FRIEND)
    from rm_portal.outreach.services.archive import chunk_archive

    chunk_archive(task=task, chunk=chunk, at=at)


def _task_settle(*, task_id: int, now: datetime | None) -> None:
    counts = dict(
        OutreachChunk.objects.filter(task_id=task_id)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    if counts.get(Chunk.QUEUED) or counts.get(Chunk.SENDING):
        return
    handed, failed = counts.get(Chunk.HANDED, 0), counts.get(Chunk.FAILED, 0)
    status = Status.SENT if not failed else (Status.FAILED if not handed else Status.PARTLY)
    at = now or timezone.now()
    OutreachTask.objects.filter(pk=task_id, status=Status.SENDING).update(
        status=status, sent_at=at, poll_until=at + timedelta(days=POLL_DAYS)
    )


def outreach_retry_due(*, client: WeComClient | None = None, now: datetime | None = None) -> int:
    """Beat: chunks whose pause is over are sent again; a chunk stuck mid-call is failed."""
    current = now or timezone.now()
    stale = OutreachChunk.objects.filter(
        status=Chunk.SENDING, task__send_started_at__lt=current - STALE_SENDING
    )
    for chunk in stale:
        with transaction.atomic():
            if OutreachChunk.objects.filter(pk=chunk.pk, status=Chunk.SENDING).update(
                status=Chunk.FAILED, error=_("提交时中断，结果不明，为避免重复发送不再重试")
            ):
                OutreachRecipient.objects.filter(chunk=chunk).update(status=Row.FAILED)
        _task_settle(task_id=chunk.task_id, now=now)
    handed = 0
    for task_id in set(
        OutreachChunk.objects.filter(task__status=Status.SENDING, status=Chunk.QUEUED).values_list(
            "task_id", flat=True
        )
    ):
        handed += outreach_chunks_send(task_id=task_id, client=client, now=now)
    return handed


# ---- results ---------------------------------------------------------------------------------


def _chunk_read(client: WeComClient, chunk: OutreachChunk) -> dict[str, list[str]]:
    """One sender's results for one chunk, every page: {our status: [external_userid]}."""
    by_status: dict[str, list[str]] = {}
    cursor = ""
    while True:
        answer = client.post(
            RESULT, {"msgid": chunk.msgid, "userid": chunk.sender_userid, "limit": 1000, "cursor": cursor}
        )
        for entry in answer.get("send_list") or []:
            status: str = WECOM_STATUS.get(int(entry.get("status", 0)), Row.PENDING)
            by_status.setdefault(status, []).append(str(entry.get("external_userid", "")))
        cursor = str(answer.get("next_cursor") or "")
        if not cursor:
            return by_status


def outreach_results_poll(
    *, client: WeComClient | None = None, now: datetime | None = None, task_id: int | None = None
) -> int:
    """Ask WeCom for every handed chunk not final within its 3 days; answers how many stay open.

    1,500 senders in one beat interval: the calls are one per chunk (and page), the writes are
    gathered and made per task and status at the end, not three UPDATEs per chunk."""
    client = client or contact_client()
    at = now or timezone.now()
    chunks = OutreachChunk.objects.filter(
        status=Chunk.HANDED, results_final=False, task__poll_until__gt=at
    ).order_by("pk")
    if task_id is not None:
        chunks = chunks.filter(task_id=task_id)
    changes: dict[tuple[int, str], list[str]] = {}
    final: list[int] = []
    polled: list[int] = []
    tasks: set[int] = set()
    for chunk in chunks.only("pk", "task_id", "msgid", "sender_userid"):
        tasks.add(chunk.task_id)
        try:
            by_status = _chunk_read(client, chunk)
        except (WeComError, WeComUnavailable) as error:
            logger.warning("outreach chunk %s: results not read: %s", chunk.pk, error)
            continue
        polled.append(chunk.pk)
        for status, ids in by_status.items():
            if status != Row.PENDING:
                changes.setdefault((chunk.task_id, status), []).extend(ids)
        if not by_status.get(Row.PENDING):
            final.append(chunk.pk)
    with transaction.atomic():
        for (pk, status), ids in changes.items():
            for start in range(0, len(ids), 5000):
                OutreachRecipient.objects.filter(
                    task_id=pk, external_userid__in=ids[start : start + 5000], chunk__isnull=False
                ).exclude(status__in=[status, Row.NOT_FRIEND]).update(status=status)
        for start in range(0, len(polled), 5000):
            OutreachChunk.objects.filter(pk__in=polled[start : start + 5000]).update(polled_at=at)
        for start in range(0, len(final), 5000):
            OutreachChunk.objects.filter(pk__in=final[start : start + 5000]).update(results_final=True)
        for pk in tasks:
            done = not OutreachChunk.objects.filter(
                task_id=pk, status=Chunk.HANDED, results_final=False
            ).exists()
            OutreachTask.objects.filter(pk=pk).update(
                polled_at=at, **({"results_final_at": at} if done else {})
            )
    return len(polled) - len(final)


def outreach_poll_on_open(*, task: OutreachTask) -> None:
    """Once more when a person opens the task: what they see is WeCom's latest word. WeCom not
    answering leaves the stored results on the page."""
    if task.results_final_at is not None or task.poll_until is None or task.poll_until <= timezone.now():
        return
    try:
        outreach_results_poll(task_id=task.pk)
    except (WeComError, WeComUnavailable) as error:  # the token call itself failed
        logger.warning("outreach %s: results not read on open: %s", task.pk, error)
