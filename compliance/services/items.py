"""One archived message as a gateway delivers it: the JSON object, checked field by field.

A batch is checked item by item so that a bad message is reported with its index and the
valid ones are still stored; an `ItemError` is one item's refusal, never the batch's.
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from compliance.models import Channel, Direction
from rm_portal.core.dates import RANGE_TEXT, in_range

MAX_BATCH = 1000  # messages per request
MAX_CONTENT = 64 * 1024  # characters per message; a chat message is never this long
FUTURE_SKEW = timedelta(minutes=10)  # clocks drift; a week ahead is a broken client

FIELDS = {"external_id", "channel", "rm", "customer", "external_contact", "direction", "sent_at", "content"}
FIELDS_OPTIONAL = {"customer", "external_contact", "content_type"}


class ItemError(ValueError):
    """What is wrong with one item of a batch, in words the sender can act on."""


@dataclass
class Item:
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

    def as_json(self) -> dict[str, Any]:
        """What the worker's stored batch holds: every string already checked, so JSON (and
        PostgreSQL's jsonb, which refuses NUL and lone surrogates) can hold it."""
        return {**asdict(self), "sent_at": self.sent_at.isoformat()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Item:
        return cls(**{**data, "sent_at": datetime.fromisoformat(data["sent_at"])})


def shown(value: str, *, limit: int = 40) -> str:
    """A sender's text inside an error message: lone surrogates and control characters escaped
    (the answer must be valid JSON and UTF-8), long text cut."""
    out = "".join(
        f"\\u{ord(ch):04x}" if unicodedata.category(ch) in ("Cs", "Cc") else ch for ch in value[:limit]
    )
    return out + ("…" if len(value) > limit else "")


def _text(item: dict[str, object], name: str, *, max_length: int, required: bool = True) -> str:
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


def _in_range(sent_at: datetime) -> datetime:
    """Aware, and within the bank's date range (0001-01-01T00:00+08:00 is before year 1 in UTC:
    arithmetic on it overflows)."""
    try:
        if timezone.is_naive(sent_at):
            sent_at = timezone.make_aware(sent_at)
        local = timezone.localtime(sent_at)
    except (OverflowError, ValueError):
        local = None
    if local is None or not in_range(local.date()):
        raise ItemError(f"sent_at: {RANGE_TEXT}")
    return sent_at


def item_parse(index: int, item: object, *, now: datetime) -> Item:
    if not isinstance(item, dict):
        raise ItemError("每条消息必须是 JSON 对象")
    unknown = sorted(str(k) for k in item if k not in FIELDS | FIELDS_OPTIONAL)
    if unknown:
        more = f" 等 {len(unknown)} 个" if len(unknown) > 5 else ""
        raise ItemError(f"未知字段: {', '.join(shown(k) for k in unknown[:5])}{more}")
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
    sent_at = _in_range(sent_at)
    if sent_at > now + FUTURE_SKEW:
        raise ItemError("sent_at: 时间在未来")
    customer = _text(item, "customer", max_length=32, required=False)
    contact = _text(item, "external_contact", max_length=64, required=False)
    if not customer and not contact:
        raise ItemError("customer 或 external_contact 至少填写一个")
    return Item(
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
