"""The archive's hash chain: how a message's hash is computed.

One chain per conversation. Version 2 (every message archived since the keyed hash) is an
HMAC-SHA256 under ARCHIVE_HMAC_KEY, a key the database does not hold, over the message, its
search column, its attribution (conversation, contact, opener, customer, channel, direction),
whether it raised an alert and the alert's hits, and the previous message's hash. Someone who can
rewrite rows cannot recompute it. Version 1 rows (the first release, unkeyed SHA-256) keep their
hash: the archive is never rewritten; checkpoints bound where version 1 may appear
(services.checkpoints). The checks themselves are in services.verify.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from compliance.models import Message

GENESIS = "0" * 64  # the "previous hash" of a conversation's first message
CURRENT_VERSION = 2


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def message_hash(
    *,
    conversation_id: int,
    seq: int,
    channel: str,
    external_id: str,
    direction: str,
    content_type: str,
    content: str,
    sent_at: datetime,
    received_at: datetime,
    prev_hash: str,
    source: str = "gateway",
) -> str:
    """Version 1, unkeyed: how the rows archived before the keyed hash were chained."""
    fields: list[object] = [
        conversation_id,
        seq,
        channel,
        external_id,
        direction,
        content_type,
        content,
        _instant(sent_at),
        _instant(received_at),
        prev_hash,
    ]
    if source != "gateway":  # an RM's own upload; the gateway's rows hash as they always have
        fields.append(source)
    canonical = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def alert_digest(hits: list[dict[str, Any]] | None) -> str:
    """The alert's hits as stored (Alert.hits), canonical; empty for a message without one."""
    if hits is None:
        return ""
    return json.dumps(hits, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


@dataclass(frozen=True)
class Attribution:
    """Whose conversation a message belongs to, as it was when the message was archived."""

    contact: str
    opened_by_id: int
    customer_id: int | None


def message_mac(
    *,
    conversation_id: int,
    seq: int,
    channel: str,
    external_id: str,
    direction: str,
    content_type: str,
    content: str,
    normalized: str,
    sent_at: datetime,
    received_at: datetime,
    prev_hash: str,
    source: str,
    attribution: Attribution,
    alert_hits: list[dict[str, Any]] | None,
    key: bytes | None = None,
) -> str:
    """Version 2: HMAC-SHA256 over every field a tamperer could want to change."""
    fields: list[object] = [
        CURRENT_VERSION,
        conversation_id,
        seq,
        channel,
        external_id,
        direction,
        content_type,
        content,
        normalized,
        _instant(sent_at),
        _instant(received_at),
        prev_hash,
        source,
        attribution.contact,
        attribution.opened_by_id,
        attribution.customer_id,
        alert_hits is not None,
        alert_digest(alert_hits),
    ]
    canonical = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    secret = settings.ARCHIVE_HMAC_KEY if key is None else key
    if not secret:
        raise ImproperlyConfigured("ARCHIVE_HMAC_KEY is missing: run `manage.py migrate` once, or set it")
    return hmac.new(secret, canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def hash_of(message: Message, *, key: bytes | None = None) -> str:
    """The hash a stored message should carry, by its own version."""
    if message.hash_version == 1:
        return message_hash(
            conversation_id=message.conversation_id,
            seq=message.seq,
            channel=message.channel,
            external_id=message.external_id,
            direction=message.direction,
            content_type=message.content_type,
            content=message.content,
            sent_at=message.sent_at,
            received_at=message.received_at,
            prev_hash=message.prev_hash,
            source=message.source,
        )
    conversation = message.conversation
    alert = getattr(message, "alert", None) if message.flagged else None
    return message_mac(
        conversation_id=message.conversation_id,
        seq=message.seq,
        channel=message.channel,
        external_id=message.external_id,
        direction=message.direction,
        content_type=message.content_type,
        content=message.content,
        normalized=message.normalized,
        sent_at=message.sent_at,
        received_at=message.received_at,
        prev_hash=message.prev_hash,
        source=message.source,
        attribution=Attribution(conversation.contact, conversation.opened_by_id, conversation.customer_id),
        alert_hits=alert.hits if alert is not None else ([] if message.flagged else None),
        key=key,
    )


def archive_verify(*, chunk: int = 5000) -> tuple[int, ChainBreak | None]:
    """Every check of services.verify; the first finding (by conversation, then sequence) or None."""
    from compliance.services.verify import archive_check

    report = archive_check(chunk=chunk)
    return report.checked, (report.findings[0] if report.findings else None)


@dataclass
class ChainBreak:
    conversation_id: int
    seq: int | None
    message_id: int | None
    reason: str
    kind: str = ""
