"""Checkpoints: the archive's state signed with a key the database does not hold, written outside it.

A checkpoint lists every conversation's chain head and attribution, the archive-wide counts and a
root hash over all heads; it is signed with Ed25519 (ARCHIVE_CHECKPOINT_KEY) and chained to the
previous checkpoint. It goes to append-only storage: a local file opened O_APPEND under var/ (the
embedded default), or one object per checkpoint in an S3 bucket with Object Lock (scaled). A
deleted conversation, a deleted tail or a head moved back then shows against it, however the
rows and the head were rewritten (services.verify).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from compliance.models import Alert, Conversation, Message

FORMAT = 1
LOG_NAME = "checkpoints.jsonl"


class CheckpointError(Exception):
    """The stored checkpoints cannot be trusted: a bad signature, a broken chain, a bad line."""


@dataclass(frozen=True)
class Checkpoint:
    body: dict[str, Any]
    line_hash: str  # what the next checkpoint's "prev" must be

    @property
    def heads(self) -> dict[int, list[Any]]:
        """conversation id → [last_seq, last_hash, rm_id, customer_id, channel, contact, opened_by_id]."""
        return {int(row[0]): row[1:] for row in self.body["conversations"]}


def _private_key() -> Ed25519PrivateKey:
    if not settings.ARCHIVE_CHECKPOINT_KEY:
        raise ImproperlyConfigured(
            "ARCHIVE_CHECKPOINT_KEY is missing: run `manage.py migrate` once, or set it"
        )
    return Ed25519PrivateKey.from_private_bytes(settings.ARCHIVE_CHECKPOINT_KEY)


def public_key_hex() -> str:
    raw = _private_key().public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def heads_root(conversations: list[list[Any]]) -> str:
    """One hash over every conversation's head: the archive-wide head."""
    digest = hashlib.sha256()
    for row in conversations:
        digest.update(_canonical({"h": row}))
    return digest.hexdigest()


def _snapshot() -> dict[str, Any]:
    """The archive's state in one consistent snapshot (REPEATABLE READ on PostgreSQL)."""
    # Only a transaction of its own can choose its isolation; nested (a test, a request) it reads
    # within the caller's.
    own = not connection.in_atomic_block
    with transaction.atomic():
        if own and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        conversations = [
            list(row)
            for row in Conversation.objects.order_by("pk").values_list(
                "pk", "last_seq", "last_hash", "rm_id", "customer_id", "channel", "contact", "opened_by_id"
            )
        ]
        totals = Message.objects.aggregate(
            messages=Count("pk"), max_id=Max("pk"), legacy_max=Max("pk", filter=Q(hash_version=1))
        )
        alerts = Alert.objects.aggregate(alerts=Count("pk"), max_id=Max("pk"))
    return {
        "conversations": conversations,
        "messages": totals["messages"],
        "max_message_id": totals["max_id"] or 0,
        "legacy_max_message_id": totals["legacy_max"] or 0,
        "alerts": alerts["alerts"],
        "max_alert_id": alerts["max_id"] or 0,
    }


def checkpoint_write(*, reason: str) -> Checkpoint:
    """Sign the archive's current state and append it to the checkpoint storage."""
    previous = checkpoint_latest()
    state = _snapshot()
    if previous is not None:
        # Version 1 rows are bounded by the first checkpoint: one that appears later is forged.
        state["legacy_max_message_id"] = min(
            state["legacy_max_message_id"], previous.body["legacy_max_message_id"]
        )
    body: dict[str, Any] = {
        "format": FORMAT,
        "at": timezone.now().isoformat(timespec="microseconds"),
        "reason": reason,
        "prev": previous.line_hash if previous else "",
        "public_key": public_key_hex(),
        "root": heads_root(state["conversations"]),
        # a change of retention between two checkpoints shows in their difference
        "retention_years": settings.COMPLIANCE_RETENTION_YEARS,
        **state,
    }
    signature = _private_key().sign(_canonical(body)).hex()
    line = _canonical({**body, "signature": signature})
    _store(line, number=(previous.body.get("number", 0) + 1) if previous else 1, body=body)
    return Checkpoint(body={**body, "signature": signature}, line_hash=hashlib.sha256(line).hexdigest())


def _store(line: bytes, *, number: int, body: dict[str, Any]) -> None:
    body["number"] = number  # kept in memory only for naming; not part of the signed bytes
    if settings.ARCHIVE_CHECKPOINT_BUCKET:
        # One object each; the bucket's Object Lock retention keeps every one unchangeable.
        storages["archive_checkpoints"].save(f"checkpoints/{number:012d}.json", ContentFile(line))
        return
    folder = settings.ARCHIVE_CHECKPOINT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(folder / LOG_NAME, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line + b"\n")
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _lines() -> list[bytes]:
    if settings.ARCHIVE_CHECKPOINT_BUCKET:
        store = storages["archive_checkpoints"]
        _dirs, names = store.listdir("checkpoints")
        lines = []
        for name in sorted(names):
            with store.open(f"checkpoints/{name}", "rb") as handle:
                lines.append(handle.read().strip())
        return lines
    path = settings.ARCHIVE_CHECKPOINT_DIR / LOG_NAME
    if not path.exists():
        return []
    return [line for line in path.read_bytes().split(b"\n") if line.strip()]


def checkpoints_read() -> list[Checkpoint]:
    """Every checkpoint, each signature and each link to the previous one checked."""
    expected_key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex()))
    checkpoints: list[Checkpoint] = []
    prev = ""
    for number, line in enumerate(_lines(), start=1):
        try:
            record = json.loads(line)
            signature = bytes.fromhex(record.pop("signature"))
        except (ValueError, KeyError) as error:
            raise CheckpointError(f"检查点 {number} 无法读取：{error}") from error
        try:
            expected_key.verify(signature, _canonical(record))
        except InvalidSignature as error:
            raise CheckpointError(f"检查点 {number} 签名无效（被修改或密钥不符）") from error
        if record.get("prev", "") != prev:
            raise CheckpointError(f"检查点 {number} 与前一个检查点不相连（有检查点被删除或替换）")
        prev = hashlib.sha256(line).hexdigest()
        record["number"] = number
        checkpoints.append(Checkpoint(body=record, line_hash=prev))
    return checkpoints


def checkpoint_latest() -> Checkpoint | None:
    checkpoints = checkpoints_read()
    return checkpoints[-1] if checkpoints else None
