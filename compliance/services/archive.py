"""Ingestion into the append-only, hash-chained archive.

Chain partition: one chain per conversation. Each message's hash covers its own fields and
the previous message's hash in the same conversation; the conversation row holds the chain
head (last_seq, last_hash) and is locked with select_for_update while a batch appends, so two
gateways appending to one conversation at once serialise instead of forking the chain.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from compliance.matching import compact
from compliance.models import Channel, Conversation, Direction, Message
from compliance.services.alerts import alerts_create_for
from compliance.services.lexicon import current_lexicon
from rm_portal.customers.models import Customer
from rm_portal.org.models import Role, Staff

MAX_BATCH = 1000  # messages per request
MAX_CONTENT = 64 * 1024  # characters per message; a chat message is never this long
FUTURE_SKEW = timedelta(minutes=10)  # clocks drift; a week ahead is a broken client
GENESIS = "0" * 64

FIELDS = {"external_id", "channel", "rm", "customer", "external_contact", "direction", "sent_at", "content"}
FIELDS_OPTIONAL = {"customer", "external_contact", "content_type"}


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
) -> str:
    canonical = json.dumps(
        [
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
        ],
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
    )


@dataclass
class IngestResult:
    stored: int = 0
    duplicates: int = 0
    hits: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    message_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "stored": self.stored,
            "duplicates": self.duplicates,
            "hits": self.hits,
            "errors": self.errors,
        }


@dataclass
class _Item:
    index: int
    external_id: str
    channel: str
    rm: str
    customer: str
    contact: str
    direction: str
    content_type: str
    content: str
    sent_at: datetime


class ItemError(ValueError):
    pass


def _text(item: dict, name: str, *, max_length: int, required: bool = True) -> str:
    value = item.get(name)
    if value is None or value == "":
        if required:
            raise ItemError(f"{name}: 必填")
        return ""
    if not isinstance(value, str):
        raise ItemError(f"{name}: 必须是字符串")
    if len(value) > max_length:
        raise ItemError(f"{name}: 超过 {max_length} 个字符")
    _reject_bad_characters(name, value, allow_newlines=name == "content")
    return value


def _reject_bad_characters(name: str, value: str, *, allow_newlines: bool) -> None:
    for ch in value:
        category = unicodedata.category(ch)
        if category == "Cs":
            raise ItemError(f"{name}: 含无效的 UTF-8 字符（孤立代理项）")
        if category == "Cc" and not (allow_newlines and ch in "\n\r\t"):
            raise ItemError(f"{name}: 含控制字符")


def item_parse(index: int, item: Any, *, now: datetime) -> _Item:
    if not isinstance(item, dict):
        raise ItemError("每条消息必须是 JSON 对象")
    unknown = sorted(str(k) for k in item if k not in FIELDS | FIELDS_OPTIONAL)
    if unknown:
        raise ItemError(f"未知字段: {', '.join(unknown)}")
    content = item.get("content")
    if isinstance(content, str) and len(content) > MAX_CONTENT:
        raise ItemError(f"content: 超过 {MAX_CONTENT} 个字符")
    channel = _text(item, "channel", max_length=16)
    if channel not in Channel.values:
        raise ItemError(f"channel: 只能是 {', '.join(Channel.values)}")
    direction = _text(item, "direction", max_length=3)
    if direction not in Direction.values:
        raise ItemError("direction: 只能是 in 或 out")
    raw_sent = _text(item, "sent_at", max_length=40)
    try:
        sent_at = parse_datetime(raw_sent)
    except ValueError:
        sent_at = None
    if sent_at is None:
        raise ItemError("sent_at: 不是有效的 ISO 8601 时间")
    if timezone.is_naive(sent_at):
        sent_at = timezone.make_aware(sent_at)
    if sent_at > now + FUTURE_SKEW:
        raise ItemError("sent_at: 时间在未来")
    customer = _text(item, "customer", max_length=32, required=False)
    contact = _text(item, "external_contact", max_length=64, required=False)
    if not customer and not contact:
        raise ItemError("customer 或 external_contact 至少填写一个")
    return _Item(
        index=index,
        external_id=_text(item, "external_id", max_length=128),
        channel=channel,
        rm=_text(item, "rm", max_length=150),
        customer=customer,
        contact=contact,
        direction=direction,
        content_type=_text(item, "content_type", max_length=16, required=False) or "text",
        content=_text(item, "content", max_length=MAX_CONTENT),
        sent_at=sent_at,
    )


def messages_ingest(*, items: list[Any], by: User, gateway: bool) -> IngestResult:
    """Store the valid messages of a batch, report the invalid ones by index, skip duplicates.

    Idempotent on (channel, external_id): a redelivered batch stores nothing twice. An RM may
    only archive their own messages; the gateway (and the signed WeCom callback) any RM's.
    """
    result = IngestResult()
    now = timezone.now()
    parsed: list[_Item] = []
    for index, raw in enumerate(items):
        try:
            item = item_parse(index, raw, now=now)
        except ItemError as error:
            result.errors.append({"index": index, "detail": str(error)})
            continue
        if not gateway and item.rm != by.username:
            result.errors.append({"index": index, "detail": "rm: 只能上传本人的会话"})
            continue
        parsed.append(item)

    rms = {
        s.user.username: s
        for s in Staff.objects.select_related("user").filter(
            user__username__in={i.rm for i in parsed}, role=Role.RM
        )
    }
    customers = {
        c.cust_no: c for c in Customer.objects.filter(cust_no__in={i.customer for i in parsed if i.customer})
    }
    groups: dict[tuple[str, str, str], list[_Item]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for item in parsed:
        if item.rm not in rms:
            result.errors.append({"index": item.index, "detail": "rm: 客户经理不存在"})
            continue
        if item.customer and item.customer not in customers:
            result.errors.append({"index": item.index, "detail": "customer: 客户不存在"})
            continue
        if (item.channel, item.external_id) in seen:
            result.duplicates += 1
            continue
        seen.add((item.channel, item.external_id))
        contact = item.contact or f"cust:{item.customer}"
        groups[(item.channel, contact, item.rm)].append(item)

    for _attempt in range(3):
        try:
            _append(result, groups=groups, rms=rms, customers=customers)
            break
        except IntegrityError:
            continue  # another delivery created a conversation or a message first: redo under the locks
    result.errors.sort(key=lambda e: e["index"])
    return result


Key = tuple[str, str, str]  # channel, contact, rm username


def _conversations_locked(
    groups: dict[Key, list[_Item]], rms: dict[str, Staff], customers: dict[str, Customer]
) -> dict[Key, Conversation]:
    """Every conversation of the batch, created if new, locked in primary-key order (so two
    batches touching the same conversations queue up instead of deadlocking)."""
    user_ids = {rms[username].user_id: username for _, _, username in groups}
    found: dict[Key, Conversation] = {}
    for conversation in Conversation.objects.filter(
        rm_id__in=user_ids, contact__in={contact for _, contact, _ in groups}
    ).order_by("pk"):
        key = (conversation.channel, conversation.contact, user_ids[conversation.rm_id])
        if key in groups:
            found.setdefault(key, conversation)
    for key in groups.keys() - found.keys():
        channel, contact, username = key
        staff = rms[username]
        first = groups[key][0]
        found[key], _ = Conversation.objects.get_or_create(
            channel=channel,
            contact=contact,
            opened_by=staff.user,
            defaults={
                "rm": staff.user,
                "branch_id": staff.branch_id,
                "customer": customers.get(first.customer) if first.customer else None,
            },
        )
    locked = Conversation.objects.select_for_update().in_bulk(sorted(c.pk for c in found.values()))
    return {key: locked[c.pk] for key, c in found.items()}


@transaction.atomic
def _append(
    result: IngestResult,
    *,
    groups: dict[Key, list[_Item]],
    rms: dict[str, Staff],
    customers: dict[str, Customer],
) -> None:
    conversations = _conversations_locked(groups, rms, customers)
    # Under the chain-head locks: anything already archived is a duplicate delivery.
    existing: set[tuple[str, str]] = set()
    by_channel: dict[str, list[str]] = defaultdict(list)
    for (channel, _, _), items in groups.items():
        by_channel[channel].extend(i.external_id for i in items)
    for channel, ids in by_channel.items():
        existing.update(
            (channel, e)
            for e in Message.objects.filter(channel=channel, external_id__in=ids).values_list(
                "external_id", flat=True
            )
        )
    lexicon = current_lexicon()
    received_at = timezone.now()
    rows: list[Message] = []
    hits_by_row: list[list] = []
    duplicates = 0
    heads: list[Conversation] = []
    for key, items in groups.items():
        conversation = conversations[key]
        channel = key[0]
        seq, prev = conversation.last_seq, conversation.last_hash or GENESIS
        for item in sorted(items, key=lambda i: (i.sent_at, i.index)):
            if (channel, item.external_id) in existing:
                duplicates += 1
                continue
            seq += 1
            digest = message_hash(
                conversation_id=conversation.pk,
                seq=seq,
                channel=channel,
                external_id=item.external_id,
                direction=item.direction,
                content_type=item.content_type,
                content=item.content,
                sent_at=item.sent_at,
                received_at=received_at,
                prev_hash=prev,
            )
            rows.append(
                Message(
                    conversation=conversation,
                    channel=channel,
                    external_id=item.external_id,
                    direction=item.direction,
                    content_type=item.content_type,
                    content=item.content,
                    normalized=compact(item.content),
                    sent_at=item.sent_at,
                    received_at=received_at,
                    seq=seq,
                    prev_hash=prev,
                    hash=digest,
                )
            )
            # Alerts are about what staff send; a customer asking 保本吗 is not misconduct.
            hits_by_row.append(lexicon.check(item.content) if item.direction == Direction.OUT else [])
            prev = digest
        if seq != conversation.last_seq:
            conversation.last_seq, conversation.last_hash = seq, prev
            heads.append(conversation)
    if rows:
        Message.objects.bulk_create(rows, batch_size=500)
        # All the chain heads in one UPDATE … FROM (VALUES …): bulk_update's CASE is slow at 500 rows.
        for offset in range(0, len(heads), 300):
            chunk = heads[offset : offset + 300]
            values = ", ".join(
                ["(CAST(%s AS integer), CAST(%s AS integer), CAST(%s AS varchar(64)))"] * len(chunk)
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    f"WITH v(id, seq, hash) AS (VALUES {values}) "  # noqa: S608 - placeholders only
                    "UPDATE compliance_conversation SET last_seq = v.seq, last_hash = v.hash "
                    "FROM v WHERE compliance_conversation.id = v.id",
                    [x for c in chunk for x in (c.pk, c.last_seq, c.last_hash)],
                )
        flagged = [(row, hits) for row, hits in zip(rows, hits_by_row, strict=True) if hits]
        if flagged:
            alerts_create_for(flagged=flagged)
        result.hits += len(flagged)
    result.stored += len(rows)
    result.duplicates += duplicates
    result.message_ids.extend(row.pk for row in rows if row.pk)


def conversation_legal_hold_set(*, conversation: Conversation, hold: bool) -> Conversation:
    Conversation.objects.filter(pk=conversation.pk).update(legal_hold=hold)
    conversation.legal_hold = hold
    return conversation


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
