"""A handover moves the WeChat relationship too (客户继承).

The database handover commits first (every app's mover, one transaction); WeCom's relationships
then move only through WeCom's own transfer, which is slow (WeCom finishes it within 24 hours)
and may fail per customer. So:

1. `transfer_start` (a task, after the commit) writes one `ContactTransfer` per active follow of
   the leaver, `pending`, or records the whole transfer as skipped with the reason;
2. `transfer_send` sends the pending rows in chunks of 100 to `resigned/transfer_customer` (leaver
   inactive) or `transfer_customer` (in-job: the leaver still serves); each row leaves `pending`
   in the transaction that records WeCom's answer for it, under a lock on the transfer, so a row
   is never sent twice. A chunk WeCom refuses as a whole is recorded and tried again later with a
   doubling pause, then its rows fail with the errcode;
3. `transfers_poll` (beat, every WECOM_POLL_SECONDS) sends what is due and asks `transfer_result`
   for the waiting rows until every row is final. A success moves our `ContactFollow` to the
   successor, keeping its remark, description, tags and customer binding, and writes the remark,
   description and enterprise tags back to WeCom for the successor (WeCom's own inheritance
   drops them); the WeCom conversations archived since the handover follow it.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from compliance.services.handover import contact_conversations_move
from rm_portal.customers.models import Handover
from rm_portal.org.handover import SAMPLE_SIZE, Followup, Preview, preview_of
from rm_portal.org.models import Staff
from rm_portal.wecom.client import WeComClient, WeComError, WeComUnavailable, contact_client
from rm_portal.wecom.models import ContactFollow, ContactTransfer, HandoverTransfer

logger = logging.getLogger(__name__)

CHUNK = 100  # WeCom takes at most 100 external_userids per transfer call
MAX_SEND_ATTEMPTS = 6  # then the chunk's rows fail with the last errcode
FIRST_PAUSE = timedelta(seconds=30)
LONGEST_PAUSE = timedelta(hours=1)
KEY = "wecom_contacts"
LABELS = {KEY: gettext_lazy("企业微信客户")}

PATHS = {
    HandoverTransfer.Kind.RESIGNED: (
        "/cgi-bin/externalcontact/resigned/transfer_customer",
        "/cgi-bin/externalcontact/resigned/transfer_result",
    ),
    HandoverTransfer.Kind.IN_JOB: (
        "/cgi-bin/externalcontact/transfer_customer",
        "/cgi-bin/externalcontact/transfer_result",
    ),
}
REMARK = "/cgi-bin/externalcontact/remark"
MARK_TAG = "/cgi-bin/externalcontact/mark_tag"
CONTACT_LIMIT = 40099  # 外部联系人的数量已达上限: the takeover is full
ALREADY_TRANSFERRING = 40100  # our own earlier send reached WeCom (its answer was lost): waiting
# transfer_result's status → ours; 5 is WeCom's 无接替记录 (it knows no such transfer).
RESULT_STATUS = {
    1: ContactTransfer.Status.SUCCESS,
    3: ContactTransfer.Status.REFUSED,
    4: ContactTransfer.Status.LIMIT,
    5: ContactTransfer.Status.FAILED,
}
Status = ContactTransfer.Status


# --- the mover: counted with the database movers, moved after the commit -----------------------


def _active_follows(leaver: User) -> Any:
    return ContactFollow.objects.filter(rm=leaver, status=ContactFollow.Status.ACTIVE)


def wecom_contacts_move(leaver: User, successor: User) -> dict[str, int]:
    """The WeCom mover in the handover's transaction: it counts the relationships the transfer will
    ask WeCom to move; they move when WeCom says so (`transfer_start`, after the commit)."""
    return {KEY: _active_follows(leaver).count()}


def wecom_contacts_preview(leaver: User, successor: User) -> dict[str, Preview]:
    rows = list(_active_follows(leaver).order_by("pk").values_list("pk", "remark", "contact__name"))
    names = [remark or name for _pk, remark, name in rows[:SAMPLE_SIZE]]
    return {KEY: preview_of([pk for pk, _r, _n in rows], names)}


def wecom_transfer_enqueue(handover_id: int) -> None:
    from rm_portal.wecom.tasks import wecom_transfer_start

    wecom_transfer_start.delay(handover_id)


# --- starting -----------------------------------------------------------------------------------


def _configured() -> bool:
    return bool(settings.WECOM_CORP_ID and settings.WECOM_CONTACT_SECRET)


def _wechat_id(user: User) -> str:
    staff = Staff.objects.filter(user=user).only("wechat_id").first()
    return staff.wechat_id if staff is not None else ""


@transaction.atomic
def transfer_start(*, handover_id: int) -> HandoverTransfer:
    """The WeCom transfer of a committed handover: its rows, or skipped with the reason. Twice is
    once (the transfer is one per handover)."""
    handover = Handover.objects.select_related("leaver", "successor").get(pk=handover_id)
    existing = HandoverTransfer.objects.filter(handover=handover).first()
    if existing is not None:
        return existing
    kind = (
        HandoverTransfer.Kind.IN_JOB
        if handover.mode == Handover.Mode.IN_JOB
        else HandoverTransfer.Kind.RESIGNED
    )
    transfer = HandoverTransfer(
        handover=handover,
        kind=kind,
        handover_userid=_wechat_id(handover.leaver),
        takeover_userid=_wechat_id(handover.successor),
    )
    follows = list(_active_follows(handover.leaver).select_related("contact").order_by("pk"))
    reason = ""
    if not follows:
        reason = _("没有需要迁移的企业微信客户")
    elif not _configured():
        reason = _("企业微信客户联系未配置，客户关系未在企业微信中迁移")
    elif not transfer.handover_userid:
        reason = _("交出人的员工档案没有企业微信账号")
    elif not transfer.takeover_userid:
        reason = _("接替人的员工档案没有企业微信账号")
    if reason:
        transfer.state = HandoverTransfer.State.DONE if not follows else HandoverTransfer.State.SKIPPED
        transfer.reason = reason
        transfer.finished_at = timezone.now()
        transfer.save()
        return transfer
    transfer.save()
    # A WeChat user who already has the successor as a contact cannot be given to them again.
    theirs = set(
        ContactFollow.objects.filter(rm=handover.successor, contact_id__in=[f.contact_id for f in follows])
        .exclude(status=ContactFollow.Status.REMOVED)
        .values_list("contact_id", flat=True)
    )
    now = timezone.now()
    ContactTransfer.objects.bulk_create(
        [
            ContactTransfer(
                transfer=transfer,
                handover=handover,
                follow=follow,
                external_userid=follow.contact.external_userid,
                from_rm=handover.leaver,
                to_rm=handover.successor,
                status=Status.SKIPPED if follow.contact_id in theirs else Status.PENDING,
                errmsg=_("接替人已是该客户的联系人") if follow.contact_id in theirs else "",
                finished_at=now if follow.contact_id in theirs else None,
            )
            for follow in follows
        ],
        batch_size=1000,
    )
    _finish_if_final(transfer, now)  # every one already the successor's: nothing to ask WeCom
    return transfer


# --- sending ------------------------------------------------------------------------------------


def _pause(attempts: int) -> timedelta:
    return min(FIRST_PAUSE * 2 ** max(attempts - 1, 0), LONGEST_PAUSE)


def transfer_send(*, transfer_id: int, client: WeComClient | None = None, now: datetime | None = None) -> int:
    """Send the transfer's pending rows, chunk by chunk, when a send is due. Returns how many rows
    WeCom accepted or answered for; a chunk refused as a whole stops here until its next try."""
    answered = 0
    while True:
        with transaction.atomic():
            transfer = HandoverTransfer.objects.select_for_update().get(pk=transfer_id)
            moment = now or timezone.now()
            if transfer.state != HandoverTransfer.State.RUNNING:
                return answered
            if transfer.next_send_at is not None and transfer.next_send_at > moment:
                return answered
            rows = list(transfer.contacts.filter(status=Status.PENDING).order_by("pk")[:CHUNK])
            if not rows:
                _finish_if_final(transfer, moment)
                return answered
            if not _send_chunk(transfer, rows, client or contact_client(), moment):
                return answered
            answered += len(rows)


def _send_chunk(
    transfer: HandoverTransfer, rows: list[ContactTransfer], client: WeComClient, now: datetime
) -> bool:
    path = PATHS[HandoverTransfer.Kind(transfer.kind)][0]
    body = {
        "handover_userid": transfer.handover_userid,
        "takeover_userid": transfer.takeover_userid,
        "external_userid": [row.external_userid for row in rows],
    }
    try:
        answer = client.post(path, body)
    except (WeComError, WeComUnavailable) as error:
        errcode = error.errcode if isinstance(error, WeComError) else None
        message = error.errmsg if isinstance(error, WeComError) else error.reason
        transfer.send_attempts += 1
        transfer.last_error = f"{errcode if errcode is not None else '-'}: {message}"[:300]
        logger.warning(
            "WeCom transfer %s: chunk refused (%s), attempt %s", transfer.pk, error, transfer.send_attempts
        )
        if transfer.send_attempts >= MAX_SEND_ATTEMPTS:
            ContactTransfer.objects.filter(pk__in=[r.pk for r in rows], status=Status.PENDING).update(
                status=Status.FAILED, errcode=errcode, errmsg=message[:200], finished_at=now
            )
            transfer.send_attempts, transfer.next_send_at = 0, None
        else:
            transfer.next_send_at = now + _pause(transfer.send_attempts)
        transfer.save(update_fields=["send_attempts", "last_error", "next_send_at"])
        return False
    results = {
        str(item.get("external_userid", "")): item
        for item in answer.get("customer", [])
        if isinstance(item, dict)
    }
    for row in rows:
        item = results.get(row.external_userid)
        errcode = _int(item.get("errcode")) if item is not None else None
        row.requested_at = now
        if errcode in (0, ALREADY_TRANSFERRING):
            row.status = Status.WAITING
        else:
            row.status = Status.LIMIT if errcode == CONTACT_LIMIT else Status.FAILED
            row.errcode = errcode
            row.errmsg = "" if item is not None else _("企业微信未返回该客户的结果")
            row.finished_at = now
    ContactTransfer.objects.bulk_update(rows, ["status", "errcode", "errmsg", "requested_at", "finished_at"])
    transfer.send_attempts, transfer.next_send_at, transfer.last_error = 0, None, ""
    transfer.save(update_fields=["send_attempts", "next_send_at", "last_error"])
    return True


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def _finish_if_final(transfer: HandoverTransfer, now: datetime) -> None:
    if not transfer.contacts.exclude(status__in=ContactTransfer.FINAL).exists():
        transfer.state, transfer.finished_at = HandoverTransfer.State.DONE, now
        transfer.save(update_fields=["state", "finished_at"])


# --- polling ------------------------------------------------------------------------------------


def transfer_poll(
    *, transfer_id: int, client: WeComClient | None = None, now: datetime | None = None
) -> None:
    """Ask WeCom how the waiting rows went; a final answer is recorded once (the row's status is
    the claim), and a success moves the relationship here as well."""
    client = client or contact_client()
    transfer = HandoverTransfer.objects.get(pk=transfer_id)
    if transfer.state != HandoverTransfer.State.RUNNING:
        return
    transfer_send(transfer_id=transfer_id, client=client, now=now)
    if not transfer.contacts.filter(status=Status.WAITING).exists():
        with transaction.atomic():
            locked = HandoverTransfer.objects.select_for_update().get(pk=transfer_id)
            _finish_if_final(locked, now or timezone.now())
        return
    path = PATHS[HandoverTransfer.Kind(transfer.kind)][1]
    body: dict[str, Any] = {
        "handover_userid": transfer.handover_userid,
        "takeover_userid": transfer.takeover_userid,
    }
    statuses: dict[str, tuple[int, int]] = {}
    try:
        for _page in range(1000):  # a bound, not a limit met in practice
            answer = client.post(path, body)
            for item in answer.get("customer", []):
                if isinstance(item, dict):
                    code = _int(item.get("status"))
                    if code is not None:
                        statuses[str(item.get("external_userid", ""))] = (
                            code,
                            _int(item.get("takeover_time")) or 0,
                        )
            cursor = answer.get("next_cursor")
            if not cursor:
                break
            body["cursor"] = cursor
    except (WeComError, WeComUnavailable) as error:
        # Recorded on the transfer for the lead to see; the next beat asks again.
        HandoverTransfer.objects.filter(pk=transfer_id).update(
            last_error=str(error)[:300], polled_at=now or timezone.now()
        )
        logger.warning("WeCom transfer %s: transfer_result failed: %s", transfer_id, error)
        return
    moment = now or timezone.now()
    for row in transfer.contacts.filter(status=Status.WAITING).select_related("follow"):
        found = statuses.get(row.external_userid)
        if found is None or found[0] not in RESULT_STATUS:
            continue
        if _record_result(row, RESULT_STATUS[found[0]], found[1], moment):
            _carry_notes(transfer, row, client)
    with transaction.atomic():
        locked = HandoverTransfer.objects.select_for_update().get(pk=transfer_id)
        locked.polled_at, locked.last_error = moment, ""
        locked.save(update_fields=["polled_at", "last_error"])
        _finish_if_final(locked, moment)


@transaction.atomic
def _record_result(row: ContactTransfer, status: str, takeover_time: int, now: datetime) -> bool:
    """Record WeCom's final word on a row; True when it was a success this call recorded."""
    claimed = ContactTransfer.objects.filter(pk=row.pk, status=Status.WAITING).update(
        status=status, finished_at=now
    )
    if not claimed:
        return False  # another poll recorded it first
    if status != Status.SUCCESS:
        return False
    takeover_at = (
        datetime.fromtimestamp(takeover_time, tz=timezone.get_current_timezone()) if takeover_time else now
    )
    try:
        with transaction.atomic():
            ContactFollow.objects.filter(pk=row.follow_id, rm=row.from_rm_id).update(
                rm=row.to_rm_id,
                inherited_from=row.from_rm_id,
                inherited_at=takeover_at,
                status_changed_at=now,
            )
    except IntegrityError:
        # The successor added this WeChat user themselves meanwhile: their own relation stands.
        ContactTransfer.objects.filter(pk=row.pk).update(errmsg=_("接替人已自行添加该客户，保留其原有关系"))
    carried = contact_conversations_move(contact=row.external_userid, leaver=row.from_rm, successor=row.to_rm)
    ContactTransfer.objects.filter(pk=row.pk).update(takeover_at=takeover_at, conversations=carried)
    return True


def _carry_notes(transfer: HandoverTransfer, row: ContactTransfer, client: WeComClient) -> None:
    """WeCom's inheritance empties the remark, description, remark mobiles and tags; the ones we
    kept are written back for the successor. A refusal is shown on the row, the move stands."""
    follow = ContactFollow.objects.filter(pk=row.follow_id, rm=row.to_rm_id).first()
    if follow is None:
        return
    who = {"userid": transfer.takeover_userid, "external_userid": row.external_userid}
    tag_ids = [
        str(tag["tag_id"])
        for tag in follow.wecom_tags
        if isinstance(tag, dict) and tag.get("tag_id") and tag.get("type", 1) == 1  # 企业标签 only
    ]
    try:
        if follow.remark or follow.description or follow.remark_mobiles:
            notes = {"remark": follow.remark, "description": follow.description}
            client.post(REMARK, {**who, **notes, "remark_mobiles": list(follow.remark_mobiles)[:5]})
        if tag_ids:
            client.post(MARK_TAG, {**who, "add_tag": tag_ids})
    except (WeComError, WeComUnavailable) as error:
        logger.warning(
            "WeCom transfer %s: notes of %s not written back: %s", transfer.pk, row.external_userid, error
        )
        message = _("备注和标签未能写回企业微信：%(e)s") % {"e": error}
        ContactTransfer.objects.filter(pk=row.pk).update(errmsg=message[:200])


def transfers_running() -> list[int]:
    return list(
        HandoverTransfer.objects.filter(state=HandoverTransfer.State.RUNNING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def transfers_poll(*, client: WeComClient | None = None, now: datetime | None = None) -> int:
    """Beat: every running transfer sends what is due and asks how the rest went. Returns how many
    transfers are still running afterwards."""
    for transfer_id in transfers_running():
        try:
            transfer_poll(transfer_id=transfer_id, client=client, now=now)
        except Exception:  # one transfer's bug must not stop the others' polling
            logger.exception("WeCom transfer %s: poll failed", transfer_id)
    return len(transfers_running())


# --- what the handover record shows -------------------------------------------------------------


def transfer_progress(handover_id: int) -> Followup | None:
    label = _("企业微信客户迁移")
    transfer = HandoverTransfer.objects.filter(handover_id=handover_id).first()
    if transfer is None:
        moved = Handover.objects.filter(pk=handover_id).values_list("moved", flat=True).first() or {}
        if not moved.get(KEY):
            return None
        return Followup(label=label, done=False, note=_("排队中，稍后开始向企业微信发送"))
    if transfer.state == HandoverTransfer.State.SKIPPED or (
        transfer.state == HandoverTransfer.State.DONE and transfer.reason
    ):
        return Followup(label=label, done=True, note=transfer.reason)
    counts = Counter(transfer.contacts.values_list("status", flat=True))
    rows = [
        (status.value, str(status.label), counts[status.value]) for status in Status if counts[status.value]
    ]
    failed = (
        transfer.contacts.filter(status__in=[Status.REFUSED, Status.LIMIT, Status.FAILED, Status.SKIPPED])
        .select_related("follow__contact")
        .order_by("pk")
    )
    failures = [_failure(row) for row in failed[:50]]
    note = ""
    if transfer.state == HandoverTransfer.State.RUNNING:
        note = _("企业微信最长 24 小时内完成接替，结果每 %(s)s 秒刷新一次") % {
            "s": settings.WECOM_POLL_SECONDS
        }
        if transfer.last_error:
            note += _("；最近一次调用失败：%(e)s，将自动重试") % {"e": transfer.last_error}
    return Followup(
        label=label,
        done=transfer.state == HandoverTransfer.State.DONE,
        counts=rows,
        failures=failures,
        note=note,
    )


def _failure(row: ContactTransfer) -> str:
    follow = row.follow
    name = follow.remark or follow.contact.name
    reason = str(Status(row.status).label)
    if row.errmsg:
        reason = f"{reason}（{row.errmsg}）"
    if row.errcode:
        reason = f"{reason}，{_('错误码')} {row.errcode}"
    return f"{name}：{reason}"
