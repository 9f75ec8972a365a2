"""Demo data: the banking lexicon and some conversations of the demo RMs, a few of them risky
so the alert queue has work. Idempotent: terms are inserted once, messages are keyed by
(channel, external_id), so a second run stores nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from compliance.lexicon_data import specs
from compliance.services.ingestion import messages_ingest
from compliance.services.lexicon import terms_seed
from rm_portal.customers.models import Customer

ORDER = 50

SCRIPT = [
    ("in", "您好，我想了解一下最近的理财产品"),
    ("out", "您好！本行新发一款R2稳健型理财，业绩比较基准3.1%-3.6%，理财非存款，产品有风险，投资须谨慎。"),
    ("in", "这个保本吗？"),
    ("out", "这款产品不保本，属于非保本浮动收益型，过往业绩不代表未来表现。"),
    ("in", "那还有没有收益高一点的"),
    ("out", "放心，这个绝对保本保收益，稳赚不赔的"),
    ("in", "真的吗？"),
    ("out", "方便的话加 微 信聊，我私人号码发你"),
    ("in", "好的，明天去网点找你"),
    ("out", "好的，明天网点见，记得带身份证。"),
]


def seed(*, password: str, log: Callable[[str], object], small: bool = False) -> None:
    """`small`: one RM's conversation instead of three (enough for the alert queue to have work)."""
    new_terms = terms_seed(specs=specs())
    gateway = User.objects.filter(username="gateway").first()
    if gateway is None:
        log(f"compliance: {new_terms} terms; no gateway account, no conversations")
        return
    start = timezone.now().replace(microsecond=0) - timedelta(days=3)
    items: list[dict[str, str]] = []
    usernames = ["rm01a"] if small else ["rm01a", "rm01b", "rm02a"]
    for number, username in enumerate(usernames):
        rm = User.objects.filter(username=username).first()
        if rm is None:
            continue
        customer = Customer.objects.filter(owner=rm).order_by("cust_no").first()
        target = {"customer": customer.cust_no} if customer else {"external_contact": f"wm-demo-{username}"}
        # The third RM keeps a clean conversation: not every conversation is an alert.
        script = (
            SCRIPT
            if number < 2
            else [line for line in SCRIPT if line[0] == "in" or "保本保收益" not in line[1]][:4]
        )
        for index, (direction, content) in enumerate(script):
            items.append(
                {
                    "external_id": f"demo-{username}-{index:03d}",
                    "channel": "wecom",
                    "rm": username,
                    "direction": direction,
                    "sent_at": (start + timedelta(days=number, minutes=3 * index)).isoformat(),
                    "content": content,
                    **target,
                }
            )
    result = messages_ingest(items=items, by=gateway, gateway=True)
    log(
        f"compliance: {new_terms} terms, {result.stored} messages archived "
        f"({result.duplicates} already there), {result.hits} with hits"
    )
