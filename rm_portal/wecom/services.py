"""Storing WeCom's callback events and handling them, once each."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rm_portal.core.errors import Invalid
from rm_portal.wecom import events
from rm_portal.wecom.envelope import MalformedXml, event_fields
from rm_portal.wecom.models import CallbackEvent

logger = logging.getLogger(__name__)


def event_key(fields: dict[str, Any]) -> str:
    """Stable across WeCom's redeliveries: a message's MsgId, else a digest of the whole event
    (which carries its CreateTime, so two genuine events of one kind differ)."""
    msg_id = fields.get("MsgId")
    if isinstance(msg_id, str) and msg_id:
        return f"msg:{msg_id}"[:80]
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "event:" + hashlib.sha256(canonical.encode()).hexdigest()


def callback_event_receive(*, plain: bytes, corp_id: str) -> tuple[CallbackEvent, bool]:
    """Store a decrypted event; the second arrival of the same event changes nothing.
    Returns the row and whether it is new; a new one is handled by the worker after commit.

    A new event — nearly every one — costs one INSERT and its commit: the unique `key` decides, so
    no SELECT comes first; only a redelivery pays the failed INSERT and a SELECT of the stored row."""
    try:
        fields = event_fields(plain)
    except MalformedXml as error:
        raise Invalid(_("回调内容不是有效的 XML")) from error
    to_user = fields.get("ToUserName")
    if isinstance(to_user, str) and to_user and to_user != corp_id:
        raise Invalid(_("回调不是发给本企业的"))
    event = fields.get("Event") or fields.get("MsgType") or ""
    change_type = fields.get("ChangeType") or ""
    key = event_key(fields)
    try:
        with transaction.atomic():
            row = CallbackEvent.objects.create(
                key=key,
                event=str(event)[:64],
                change_type=str(change_type)[:64],
                fields=fields,
                xml=plain.decode("utf-8", errors="replace"),
            )
            transaction.on_commit(lambda: _enqueue(row.pk))
    except IntegrityError:
        existing = CallbackEvent.objects.filter(key=key).first()
        if existing is None:  # not the key that clashed: a real error, not a redelivery
            raise
        return existing, False
    return row, True


def _enqueue(event_id: int) -> None:
    from rm_portal.wecom.tasks import wecom_event_handle

    wecom_event_handle.delay(event_id)


def callback_event_handle(*, event_id: int, last_attempt: bool = False) -> str:
    """Run the event's handler, once it succeeded never again. A handler that raises leaves the
    event `received` (counted, the error kept) so the task tries again; on the last attempt it is
    `failed`. Returns the event's status."""
    row = CallbackEvent.objects.filter(pk=event_id).first()
    if row is None:
        return "missing"
    if row.status != CallbackEvent.Status.RECEIVED:
        return str(row.status)
    handler = events.handler_for(row.event, row.change_type)
    if handler is None:
        CallbackEvent.objects.filter(pk=row.pk, status=CallbackEvent.Status.RECEIVED).update(
            status=CallbackEvent.Status.IGNORED, handled_at=timezone.now()
        )
        return str(CallbackEvent.Status.IGNORED)
    try:
        with transaction.atomic():
            handler(row)
            CallbackEvent.objects.filter(pk=row.pk, status=CallbackEvent.Status.RECEIVED).update(
                status=CallbackEvent.Status.HANDLED,
                handled_at=timezone.now(),
                attempts=row.attempts + 1,
                error="",
            )
    except Exception as error:
        status = CallbackEvent.Status.FAILED if last_attempt else CallbackEvent.Status.RECEIVED
        CallbackEvent.objects.filter(pk=row.pk).update(
            status=status, attempts=row.attempts + 1, error=f"{type(error).__name__}: {error}"[:4000]
        )
        if last_attempt:
            logger.warning("WeCom event %s (%s) failed for good: %s", row.pk, row, error)
        raise
    return str(CallbackEvent.Status.HANDLED)


SWEEP_GRACE = timedelta(minutes=10)
SWEEP_HORIZON = timedelta(hours=48)


def callback_events_unhandled(*, now: datetime) -> list[int]:
    """Events still `received` SWEEP_GRACE after they arrived (their task was lost with a worker or
    a broker, or is between retries that long), from the last SWEEP_HORIZON."""
    return list(
        CallbackEvent.objects.filter(
            status=CallbackEvent.Status.RECEIVED,
            received_at__lt=now - SWEEP_GRACE,
            received_at__gte=now - SWEEP_HORIZON,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )


def callback_events_sweep() -> int:
    """Enqueue the unhandled events again; handling twice is safe (the status is the claim)."""
    from rm_portal.wecom.tasks import wecom_event_handle

    ids = callback_events_unhandled(now=timezone.now())
    for event_id in ids:
        wecom_event_handle.delay(event_id)
    return len(ids)
