"""Ingestion into the append-only, hash-chained archive (the chain itself: `services.chain`).

The conversation row holds the chain head and is locked with select_for_update while a batch
appends, so two gateways appending to one conversation at once serialise instead of forking the
chain. Idempotent on (channel, external_id): a redelivered batch stores nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance.matching import Hit, compact
from compliance.models import Conversation, Direction, Message, Severity, Source
from compliance.services.alerts import alerts_create_for
from compliance.services.chain import GENESIS, Attribution, message_mac
from compliance.services.items import Item, ItemError, item_parse
from compliance.services.lexicon import current_lexicon
from rm_portal.core.errors import NotAllowed
from rm_portal.core.models import Job
from rm_portal.customers.models import Customer
from rm_portal.org.access import role_of, scope
from rm_portal.org.models import Role, Staff


@dataclass
class IngestResult:
    stored: int = 0
    duplicates: int = 0
    hits: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)  # [{"index", "detail"}], by index
    message_ids: list[int] = field(default_factory=list)


def messages_submit(*, items: Sequence[object], by: User) -> IngestResult | Job:
    """A batch from an RM or the gateway: archived now, or, above COMPLIANCE_SYNC_BATCH messages,
    stored as a batch and archived by the worker (the job says how it went)."""
    gateway = role_of(by) == Role.GATEWAY
    if len(items) > settings.COMPLIANCE_SYNC_BATCH:
        from compliance.services.batches import ingest_batch_enqueue

        return ingest_batch_enqueue(items=items, by=by)
    return messages_ingest(items=items, by=by, gateway=gateway)


def messages_push(*, items: Sequence[object]) -> IngestResult:
    """A signed WeCom callback's batch, archived as the gateway account would archive it."""
    gateway = User.objects.filter(staff__role=Role.GATEWAY, staff__active=True).order_by("pk").first()
    if gateway is None:
        raise NotAllowed(_("未配置会话网关账号"))
    return messages_ingest(items=items, by=gateway, gateway=True)


def items_parse(
    *, items: Sequence[object], by: User, gateway: bool, now: datetime
) -> tuple[list[Item], list[dict[str, Any]]]:
    """Each item checked on its own (no database): the parsed ones and the refused ones by index.
    What this returns holds only checked strings, so it can be stored for the worker."""
    parsed: list[Item] = []
    errors: list[dict[str, Any]] = []
    for index, raw in enumerate(items):
        try:
            item = item_parse(index, raw, now=now)
        except ItemError as error:
            errors.append({"index": index, "detail": str(error)})
            continue
        if not gateway and item.rm != by.username:
            errors.append({"index": index, "detail": "rm: 只能上传本人的会话"})
            continue
        parsed.append(item)
    return parsed, errors


def messages_ingest(*, items: Sequence[object], by: User, gateway: bool) -> IngestResult:
    """Store the valid messages of a batch, report the invalid ones by index, skip duplicates.

    An RM may only archive their own messages, with their own customers; the gateway (and the
    signed WeCom callback) any RM's.
    """
    parsed, errors = items_parse(items=items, by=by, gateway=gateway, now=timezone.now())
    result = items_store(parsed=parsed, by=by, gateway=gateway)
    result.errors = sorted([*errors, *result.errors], key=lambda e: int(e["index"]))
    return result


def items_store(*, parsed: Sequence[Item], by: User, gateway: bool) -> IngestResult:
    """Archive parsed items: the checks that need the database (the RM, the customer), then the
    append under the chain-head locks."""
    result = IngestResult()
    rms = {
        s.user.username: s
        for s in Staff.objects.select_related("user").filter(
            user__username__in={i.rm for i in parsed}, role=Role.RM
        )
    }
    wanted = Customer.objects.filter(cust_no__in={i.customer for i in parsed if i.customer})
    # An RM attaches messages to their own customers only; the gateway to anyone's.
    customers = {c.cust_no: c for c in (wanted if gateway else scope(by, wanted))}
    groups: dict[Key, list[Item]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for item in parsed:
        if item.rm not in rms:
            result.errors.append({"index": item.index, "detail": "rm: 客户经理不存在"})
            continue
        if item.customer and item.customer not in customers:
            detail = "customer: 客户不存在" if gateway else "customer: 客户不存在或不是您的客户"
            result.errors.append({"index": item.index, "detail": detail})
            continue
        if (item.channel, item.external_id) in seen:
            result.duplicates += 1
            continue
        seen.add((item.channel, item.external_id))
        contact = item.contact or f"cust:{item.customer}"
        groups[(item.channel, contact, item.rm)].append(item)

    source = Source.GATEWAY if gateway else Source.RM
    for attempt in range(3):
        try:
            _append(result, groups=groups, rms=rms, customers=customers, source=source)
            break
        except IntegrityError:
            if attempt == 2:
                raise  # never report a batch as handled when nothing of it was stored
            # another delivery created a conversation or a message first: redo under the locks
    result.errors.sort(key=lambda e: int(e["index"]))
    return result


Key = tuple[str, str, str]  # channel, contact, rm username


def _conversations_locked(
    groups: dict[Key, list[Item]], rms: dict[str, Staff], customers: dict[str, Customer]
) -> dict[Key, Conversation]:
    """Every conversation of the batch, created if new, locked in primary-key order (so two
    batches touching the same conversations queue up instead of deadlocking)."""
    user_ids = {rms[username].user_id: username for _channel, _contact, username in groups}
    found: dict[Key, Conversation] = {}
    for conversation in Conversation.objects.filter(
        rm_id__in=user_ids, contact__in={contact for _channel, contact, _rm in groups}
    ).order_by("pk"):
        key = (conversation.channel, conversation.contact, user_ids[conversation.rm_id])
        if key in groups:
            found.setdefault(key, conversation)
    missing = groups.keys() - found.keys()
    if missing:
        # All new conversations in one INSERT (a concurrent delivery's row wins the unique
        # constraint and is read back), then one SELECT: get_or_create cost 4 queries each.
        Conversation.objects.bulk_create(
            [
                Conversation(
                    channel=channel,
                    contact=contact,
                    opened_by=rms[username].user,
                    rm=rms[username].user,
                    branch_id=rms[username].branch_id,
                    customer=(
                        customers.get(groups[(channel, contact, username)][0].customer)
                        if groups[(channel, contact, username)][0].customer
                        else None
                    ),
                )
                for channel, contact, username in sorted(missing)
            ],
            ignore_conflicts=True,
        )
        openers = {rms[username].user_id: username for _channel, _contact, username in missing}
        for conversation in Conversation.objects.filter(
            opened_by_id__in=openers, contact__in={contact for _channel, contact, _rm in missing}
        ):
            key = (conversation.channel, conversation.contact, openers[conversation.opened_by_id])
            if key in missing:
                found[key] = conversation
    locked = Conversation.objects.select_for_update().in_bulk(sorted(c.pk for c in found.values()))
    return {key: locked[c.pk] for key, c in found.items()}


@dataclass(frozen=True)
class Copy:
    """What an archived copy says about a message, to compare the gateway's with an RM's."""

    conversation_id: int
    source: str
    direction: str
    content: str
    sent_at: datetime


def _copies(groups: dict[Key, list[Item]]) -> dict[tuple[str, str], list[Copy]]:
    """The archived copies of the batch's (channel, external_id), gateway's and RMs' alike."""
    copies: dict[tuple[str, str], list[Copy]] = defaultdict(list)
    by_channel: dict[str, list[str]] = defaultdict(list)
    for (channel, _contact, _rm), items in groups.items():
        by_channel[channel].extend(i.external_id for i in items)
    for channel, ids in by_channel.items():
        for offset in range(0, len(ids), 500):
            rows = Message.objects.filter(channel=channel, external_id__in=ids[offset : offset + 500])
            for external_id, conversation_id, source, direction, content, sent_at in rows.values_list(
                "external_id", "conversation_id", "source", "direction", "content", "sent_at"
            ):
                copies[(channel, external_id)].append(
                    Copy(conversation_id, source, direction, content, sent_at)
                )
    return copies


MISMATCH_TERM = "与网关存档不一致"
MISMATCH_CATEGORY = "存档不一致"
SENT_AT_SLACK = timedelta(seconds=1)  # the same message's time, as two clients round it


def _differences(item: Item, conversation_id: int, other: Copy) -> list[str]:
    """How an RM's copy and the gateway's copy of one message disagree (empty: they agree)."""
    differences = []
    if item.content != other.content:
        differences.append("内容")
    if item.direction != other.direction:
        differences.append("方向")
    if abs(item.sent_at - other.sent_at) >= SENT_AT_SLACK:
        differences.append("时间")
    if conversation_id != other.conversation_id:
        differences.append("会话")
    return differences


def _mismatch_hit(content: str, differences: list[str]) -> Hit:
    """The alert's entry for a copy that disagrees with the other side: it spans the message's
    start, like a term hit, so `content[start:end] == matched` holds for every entry."""
    end = min(len(content), 20)
    return Hit(
        term=f"{MISMATCH_TERM}：{'、'.join(differences)}",
        category=MISMATCH_CATEGORY,
        severity=Severity.BLOCK,
        start=0,
        end=end,
        matched=content[:end],
    )


def _heads_update(heads: list[Conversation]) -> None:
    """All the chain heads in one UPDATE … FROM (VALUES …): bulk_update's CASE is slow at 500 rows."""
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


@transaction.atomic
def _append(
    result: IngestResult,
    *,
    groups: dict[Key, list[Item]],
    rms: dict[str, Staff],
    customers: dict[str, Customer],
    source: str,
) -> None:
    conversations = _conversations_locked(groups, rms, customers)
    # Under the chain-head locks: what is already archived (a duplicate delivery, or the other
    # side's copy to compare with).
    copies = _copies(groups)
    lexicon = current_lexicon()
    received_at = timezone.now()
    rows: list[Message] = []
    hits_by_row: list[list[Hit]] = []
    duplicates = 0
    heads: list[Conversation] = []
    for key, items in groups.items():
        conversation = conversations[key]
        channel = key[0]
        seq, prev = conversation.last_seq, conversation.last_hash or GENESIS
        attribution = Attribution(conversation.contact, conversation.opened_by_id, conversation.customer_id)
        for item in sorted(items, key=lambda i: (i.sent_at, i.index)):
            archived = copies.get((channel, item.external_id), [])
            if source == Source.GATEWAY:
                if any(c.source == Source.GATEWAY for c in archived):
                    duplicates += 1
                    continue
                # An RM uploaded this message first: the gateway's copy is stored all the same.
                others = [c for c in archived if c.source == Source.RM]
            else:
                if any(c.source == Source.RM and c.conversation_id == conversation.pk for c in archived):
                    duplicates += 1
                    continue
                others = [c for c in archived if c.source == Source.GATEWAY]
            differences = sorted(
                {d for other in others for d in _differences(item, conversation.pk, other)},
                key=["内容", "方向", "时间", "会话"].index,
            )
            if others and not differences and source == Source.RM:
                duplicates += 1  # the gateway's copy is the record, and it says the same
                continue
            seq += 1
            # Alerts are about what staff send; a customer asking 保本吗 is not misconduct.
            hits = lexicon.check(item.content) if item.direction == Direction.OUT else []
            if differences:  # whichever copy came second carries the disagreement
                hits = [*hits, _mismatch_hit(item.content, differences)]
            normalized = compact(item.content)
            digest = message_mac(
                conversation_id=conversation.pk,
                seq=seq,
                channel=channel,
                external_id=item.external_id,
                direction=item.direction,
                content_type=item.content_type,
                content=item.content,
                normalized=normalized,
                sent_at=item.sent_at,
                received_at=received_at,
                prev_hash=prev,
                source=source,
                attribution=attribution,
                alert_hits=[h.as_dict() for h in hits] if hits else None,
            )
            rows.append(
                Message(
                    conversation=conversation,
                    channel=channel,
                    external_id=item.external_id,
                    direction=item.direction,
                    content_type=item.content_type,
                    content=item.content,
                    normalized=normalized,
                    sent_at=item.sent_at,
                    received_at=received_at,
                    seq=seq,
                    prev_hash=prev,
                    hash=digest,
                    source=source,
                    flagged=bool(hits),
                )
            )
            hits_by_row.append(hits)
            prev = digest
        if seq != conversation.last_seq:
            conversation.last_seq, conversation.last_hash = seq, prev
            heads.append(conversation)
    if rows:
        Message.objects.bulk_create(rows, batch_size=500)
        _heads_update(heads)
        flagged = [(row, hits) for row, hits in zip(rows, hits_by_row, strict=True) if hits]
        if flagged:
            alerts_create_for(flagged=flagged)
        result.hits += len(flagged)
    result.stored += len(rows)
    result.duplicates += duplicates
    result.message_ids.extend(row.pk for row in rows if row.pk)
