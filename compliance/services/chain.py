"""The archive's hash chain: how a message's hash is computed, and the check that recomputes it.

Chain partition: one chain per conversation. Each message's hash covers its own fields and the
previous message's hash in the same conversation; the conversation row holds the chain head
(last_seq, last_hash). An edited row breaks its own hash, a deleted row breaks the sequence, a
row whose hash was recomputed by the editor breaks its successor's link, a deleted tail breaks
the head.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from compliance.models import Conversation, Message

GENESIS = "0" * 64  # the "previous hash" of a conversation's first message


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
    fields: list[object] = [
        conversation_id,
        seq,
        channel,
        external_id,
        direction,
        content_type,
        content,
        sent_at.astimezone(UTC).isoformat(timespec="microseconds"),
        received_at.astimezone(UTC).isoformat(timespec="microseconds"),
        prev_hash,
    ]
    if source != "gateway":  # an RM's own upload; the gateway's rows hash as they always have
        fields.append(source)
    canonical = json.dumps(
        fields,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def hash_of(message: Message) -> str:
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


@dataclass
class ChainBreak:
    conversation_id: int
    seq: int
    message_id: int | None
    reason: str


def archive_verify(*, chunk: int = 2000) -> tuple[int, ChainBreak | None]:
    """Recompute every chain; the first break (by conversation, then sequence) or None."""
    checked = 0
    for conversation in Conversation.objects.order_by("pk").iterator():
        prev, expected_seq = GENESIS, 1
        for message in Message.objects.filter(conversation=conversation).order_by("seq").iterator(chunk):
            checked += 1
            if message.seq != expected_seq:
                return checked, ChainBreak(
                    conversation.pk, expected_seq, message.pk, "序号缺失（消息被删除）"
                )
            if message.prev_hash != prev:
                return checked, ChainBreak(conversation.pk, message.seq, message.pk, "前序哈希不一致")
            if hash_of(message) != message.hash:
                return checked, ChainBreak(
                    conversation.pk, message.seq, message.pk, "内容哈希不一致（消息被修改）"
                )
            prev, expected_seq = message.hash, expected_seq + 1
        if (conversation.last_seq, conversation.last_hash or GENESIS) != (expected_seq - 1, prev):
            return checked, ChainBreak(
                conversation.pk, expected_seq, None, "链头与最后一条消息不一致（尾部被删除）"
            )
    return checked, None
