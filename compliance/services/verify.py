"""verify_archive's checks: the chains recomputed with the key, compared with the latest checkpoint.

One streaming query over the messages (ordered by conversation and sequence, their unique index),
not one per conversation; incremental from the latest checkpoint: only messages archived after it
are recomputed, and the checkpointed heads are compared with what is stored. A full run also
recomputes every older message, which is what finds an edit to an old row.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, OuterRef, Subquery

from compliance.matching import compact
from compliance.models import Alert, Conversation, Message, OwnershipChange
from compliance.services.chain import GENESIS, Attribution, ChainBreak, message_hash, message_mac
from compliance.services.checkpoints import Checkpoint, CheckpointError, checkpoint_latest

KINDS = {
    "checkpoint": "检查点无效",
    "seq_gap": "序号缺失（消息被删除）",
    "link": "前序哈希不一致（中间消息被替换或删除）",
    "altered": "消息哈希不一致（消息或其归属被修改、伪造）",
    "legacy_forged": "检查点之后出现旧版（无密钥）哈希的消息（伪造）",
    "search_column": "检索列与内容不一致（消息被隐藏于检索）",
    "alert_deleted": "预警被删除",
    "alert_forged": "预警不属于该消息的存档记录（伪造或被修改）",
    "head": "链头与最后一条消息不一致",
    "tail_deleted": "检查点之后链尾被删除、链头被回退",
    "head_rewritten": "检查点所记录的消息哈希已变（链被重算）",
    "conversation_deleted": "会话被删除",
    "attribution": "会话归属被修改",
    "alerts_missing": "检查点之前的预警少了",
}

COLUMNS = (
    "pk",
    "conversation_id",
    "seq",
    "channel",
    "external_id",
    "direction",
    "content_type",
    "content",
    "normalized",
    "sent_at",
    "received_at",
    "prev_hash",
    "hash",
    "source",
    "hash_version",
    "flagged",
    "conversation__contact",
    "conversation__opened_by_id",
    "conversation__customer_id",
    "alert__id",
    "alert__hits",
)


@dataclass
class ArchiveReport:
    checked: int = 0
    findings: list[ChainBreak] = field(default_factory=list)
    seconds: float = 0.0
    checkpoint: int | None = None  # the number of the checkpoint compared with
    incremental: bool = False

    def add(
        self, kind: str, conversation_id: int, seq: int | None, message_id: int | None, extra: str = ""
    ) -> None:
        reason = KINDS[kind] + (f"：{extra}" if extra else "")
        self.findings.append(ChainBreak(conversation_id, seq, message_id, reason, kind))

    @property
    def seconds_per_million(self) -> float:
        return self.seconds / self.checked * 1_000_000 if self.checked else 0.0


def _rows(since_id: int, chunk: int) -> Iterator[tuple[Any, ...]]:
    qs = Message.objects.filter(pk__gt=since_id).order_by("conversation_id", "seq").values_list(*COLUMNS)
    return qs.iterator(chunk_size=chunk)


def _expected_hash(row: tuple[Any, ...]) -> str:
    (_pk, conversation_id, seq, channel, external_id, direction, content_type, content, normalized,
     sent_at, received_at, prev_hash, _hash, source, version, flagged, contact, opened_by_id,
     customer_id, _alert_id, alert_hits) = row  # fmt: skip
    if version == 1:
        return message_hash(
            conversation_id=conversation_id, seq=seq, channel=channel, external_id=external_id,
            direction=direction, content_type=content_type, content=content, sent_at=sent_at,
            received_at=received_at, prev_hash=prev_hash, source=source,
        )  # fmt: skip
    return message_mac(
        conversation_id=conversation_id, seq=seq, channel=channel, external_id=external_id,
        direction=direction, content_type=content_type, content=content, normalized=normalized,
        sent_at=sent_at, received_at=received_at, prev_hash=prev_hash, source=source,
        attribution=Attribution(contact, opened_by_id, customer_id),
        alert_hits=(alert_hits or []) if flagged else None,
    )  # fmt: skip


def _chains(report: ArchiveReport, checkpoint: Checkpoint | None, chunk: int) -> dict[int, tuple[int, str]]:
    """Recompute the chains (after the checkpoint when incremental); each conversation's last
    (seq, hash) as found."""
    heads = checkpoint.heads if checkpoint else {}
    since = checkpoint.body["max_message_id"] if (checkpoint and report.incremental) else 0
    legacy_bound = checkpoint.body["legacy_max_message_id"] if checkpoint else None
    found: dict[int, tuple[int, str]] = {}
    current, expected, prev = None, 1, GENESIS
    for row in _rows(since, chunk):
        pk, conversation_id, seq, content, normalized = row[0], row[1], row[2], row[7], row[8]
        stored_hash, version, flagged, alert_id = row[12], row[14], row[15], row[19]
        if conversation_id != current:
            current, expected, prev = conversation_id, 1, GENESIS
            if since and conversation_id in heads:
                expected, prev = heads[conversation_id][0] + 1, heads[conversation_id][1]
        report.checked += 1
        if seq != expected:
            report.add("seq_gap", conversation_id, expected, pk, f"第 {expected}–{seq - 1} 条不见了")
        elif row[11] != prev:
            report.add("link", conversation_id, seq, pk)
        if normalized != compact(content):
            report.add("search_column", conversation_id, seq, pk)
        if version == 1 and legacy_bound is not None and pk > legacy_bound:
            report.add("legacy_forged", conversation_id, seq, pk)
        if version != 1 and flagged and alert_id is None:
            report.add("alert_deleted", conversation_id, seq, pk)
        elif version != 1 and not flagged and alert_id is not None:
            report.add("alert_forged", conversation_id, seq, pk, f"alert={alert_id}")
        elif _expected_hash(row) != stored_hash:
            report.add("altered", conversation_id, seq, pk)
        found[conversation_id] = (seq, stored_hash)
        expected, prev = seq + 1, stored_hash
    return found


def _owners() -> dict[int, int]:
    """Each handed-over conversation's owner by its handover history."""
    owners: dict[int, int] = {}
    for conversation_id, to_rm in OwnershipChange.objects.order_by("pk").values_list(
        "conversation_id", "to_rm_id"
    ):
        owners[conversation_id] = to_rm
    return owners


def _heads_at(checkpoint: Checkpoint) -> dict[int, tuple[int, int, str]]:
    """Per conversation, among the messages the checkpoint covered: (count, last seq, its hash)."""
    bound = checkpoint.body["max_message_id"]
    covered = Message.objects.filter(pk__lte=bound)
    counts = {
        row["conversation_id"]: (row["n"], row["top"])
        for row in covered.values("conversation_id").annotate(n=Count("pk"), top=Max("seq")).order_by()
    }
    top = covered.filter(conversation_id=OuterRef("conversation_id")).order_by("-seq").values("seq")[:1]
    hashes = dict(covered.filter(seq=Subquery(top)).values_list("conversation_id", "hash"))
    return {cid: (n, last, hashes.get(cid, "")) for cid, (n, last) in counts.items()}


def archive_check(*, incremental: bool = False, chunk: int = 5000) -> ArchiveReport:
    """Every tamper check; incremental recomputes only what the latest checkpoint does not cover."""
    started = time.perf_counter()
    report = ArchiveReport()
    try:
        checkpoint = checkpoint_latest()
    except CheckpointError as error:
        report.add("checkpoint", 0, None, None, str(error))
        checkpoint = None
    report.checkpoint = checkpoint.body["number"] if checkpoint else None
    report.incremental = incremental and checkpoint is not None
    found = _chains(report, checkpoint, chunk)
    conversations = {
        row[0]: row[1:]
        for row in Conversation.objects.values_list(
            "pk", "last_seq", "last_hash", "rm_id", "customer_id", "channel", "contact", "opened_by_id"
        )
    }
    owners = _owners()
    heads = checkpoint.heads if checkpoint else {}
    for cid, (last_seq, last_hash, rm_id, _customer, _channel, _contact, opened_by) in sorted(
        conversations.items()
    ):
        seen = found.get(cid)
        if seen is None and report.incremental and cid in heads:
            seen = (heads[cid][0], heads[cid][1])
        if (last_seq, last_hash or GENESIS) != (seen or (0, GENESIS)):
            report.add("head", cid, last_seq, None)
        if rm_id != owners.get(cid, opened_by):
            report.add("attribution", cid, None, None, "客户经理与移交记录不符")
    if checkpoint is None:
        report.seconds = time.perf_counter() - started
        return report
    covered = _heads_at(checkpoint)
    for cid, (seq, digest, _rm, customer, channel, contact, opened_by) in sorted(heads.items()):
        if cid not in conversations:
            report.add(
                "conversation_deleted", cid, None, None, f"检查点 {report.checkpoint} 记录了 {seq} 条消息"
            )
            continue
        now = conversations[cid]
        if [now[3], now[4], now[5], now[6]] != [customer, channel, contact, opened_by]:
            report.add("attribution", cid, None, None, "客户、渠道或联系人与检查点不符")
        count, last, stored = covered.get(cid, (0, 0, ""))
        if seq and (last < seq or count < seq):
            report.add("tail_deleted", cid, seq, None, f"检查点时 {seq} 条，现存 {count} 条")
        elif seq and stored != digest:
            report.add("head_rewritten", cid, seq, None)
    alerts = Alert.objects.filter(pk__lte=checkpoint.body["max_alert_id"]).count()
    if alerts < checkpoint.body["alerts"]:
        report.add(
            "alerts_missing", 0, None, None, f"检查点时 {checkpoint.body['alerts']} 条，现存 {alerts} 条"
        )
    report.findings.sort(key=lambda f: (f.conversation_id, f.seq or 0))
    report.seconds = time.perf_counter() - started
    return report
