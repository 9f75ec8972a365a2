"""Archive verification benchmark: verify_archive's time per million messages.

Loads an archive of --messages messages in --conversations conversations with valid keyed chains
(bulk, not through the API: this measures the check, not ingestion), then times in the same run:
  baseline   the first release's check: one query per conversation, recomputing each message;
  full       services.verify.archive_check(): one streaming query, every message recomputed;
  incremental the same after a checkpoint and 1% more messages: only those are recomputed.
Prints seconds per million messages and the ratios to the baseline.

    .venv/bin/python bench/archive_bench.py                       # SQLite in a scratch folder
    DATABASE_URL=postgres://…/scratch DJANGO_SECRET_KEY=… .venv/bin/python bench/archive_bench.py
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.compliance_bench import POOL, setup_django  # noqa: E402


def load(total: int, conversations: int, rng: random.Random, tag: str) -> None:
    from datetime import timedelta

    from django.contrib.auth.models import User
    from django.utils import timezone

    from compliance.matching import compact
    from compliance.models import Conversation, Message
    from compliance.services.chain import GENESIS, Attribution, message_mac
    from rm_portal.org.models import Role, Staff

    rm = Staff.objects.filter(role=Role.RM).select_related("user").first()
    assert rm is not None
    per = max(1, total // conversations)
    now = timezone.now()
    for number in range(conversations):
        conversation, _ = Conversation.objects.get_or_create(
            channel="wecom",
            contact=f"bench-{number}",
            opened_by=rm.user,
            defaults={"rm": rm.user, "branch_id": rm.branch_id},
        )
        attribution = Attribution(conversation.contact, conversation.opened_by_id, conversation.customer_id)
        seq, prev, rows = conversation.last_seq, conversation.last_hash or GENESIS, []
        for _ in range(per):
            seq += 1
            content = "".join(rng.choice(POOL) for _ in range(40))
            sent = now - timedelta(seconds=rng.randrange(86_400 * 30))
            fields = dict(
                conversation_id=conversation.pk, seq=seq, channel="wecom",
                external_id=f"ab-{tag}-{number}-{seq}", direction="in", content_type="text",
                content=content, normalized=compact(content), sent_at=sent, received_at=sent,
                prev_hash=prev, source="gateway",
            )  # fmt: skip
            digest = message_mac(**fields, attribution=attribution, alert_hits=None)  # type: ignore[arg-type]
            rows.append(Message(**fields, hash=digest))
            prev = digest
        Message.objects.bulk_create(rows, batch_size=2000)
        Conversation.objects.filter(pk=conversation.pk).update(last_seq=seq, last_hash=prev)
    del User


def baseline_check() -> int:
    """The first release's verify: one query per conversation (kept here only to compare)."""
    from compliance.models import Conversation, Message
    from compliance.services.chain import hash_of

    checked = 0
    for conversation in Conversation.objects.order_by("pk").iterator():
        for message in Message.objects.filter(conversation=conversation).order_by("seq").iterator(2000):
            message.conversation = conversation
            checked += 1
            assert hash_of(message) == message.hash
    return checked


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--conversations", type=int, default=2_000)
    args = parser.parse_args()
    setup_django()
    from rm_portal.org import seed as org_seed

    org_seed.seed(password="bench-password-1", log=lambda *_: None)
    from compliance.services.checkpoints import checkpoint_write
    from compliance.services.verify import archive_check

    rng = random.Random(16)
    started = time.perf_counter()
    load(args.messages, args.conversations, rng, "a")
    database = os.environ.get("DATABASE_URL", "")[:10]
    print(f"loaded {args.messages:,} messages in {args.conversations:,} conversations "
          f"in {time.perf_counter() - started:.1f} s ({database}…)")  # fmt: skip

    t = time.perf_counter()
    checked = baseline_check()
    baseline = (time.perf_counter() - t) / checked * 1e6
    report = archive_check()
    assert not report.findings, report.findings[:3]
    full = report.seconds_per_million
    t = time.perf_counter()
    checkpoint_write(reason="manual")
    checkpoint_seconds = time.perf_counter() - t
    load(args.messages // 100, args.conversations // 10, rng, "b")
    incremental = archive_check(incremental=True)
    assert not incremental.findings, incremental.findings[:3]
    whole = incremental.seconds / (args.messages + args.messages // 100) * 1e6
    print(f"baseline (query per conversation): {baseline:8.1f} s per million messages")
    print(
        f"full (one streaming pass):         {full:8.1f} s per million messages  "
        f"({baseline / full:.2f}x baseline)"
    )
    print(f"incremental (1% new since checkpoint): {incremental.seconds:.2f} s for the archive = "
          f"{whole:.1f} s per million archived ({baseline / whole:.1f}x baseline); "
          f"checkpoint written in {checkpoint_seconds:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
