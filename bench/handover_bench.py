"""The handover at size: what the preview and the guarded confirmation cost on top of the bare
movers, for a book of N customers (the issue's 900 by default) with open opportunities, archived
conversations and WeCom contacts.

Works on a fresh SQLite database in a temporary directory (or, with DATABASE_URL, a database named
`bench_handover` on that PostgreSQL server, dropped and created again). Figures are printed, never
asserted. The book goes back and forth between two RMs as in-job handovers, so every round moves the
whole book again.

    .venv/bin/python bench/handover_bench.py [--customers 900] [--rounds 6]

What is timed, each the median of the rounds:
- baseline: the registered movers alone, in one transaction (what the handover did before);
- preview: every mover's preview (counts, five names, a fingerprint of the row ids) and the token;
- confirm: a preview and its guarded confirmation (lock, replay check, preview recomputed, movers,
  the record), as the lead does them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import fresh_database  # noqa: E402  (after the path insert)

BENCH_DB = "bench_handover"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=900)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()

    where = fresh_database(BENCH_DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rm_portal.settings")
    os.environ.setdefault(
        "CELERY_TASK_ALWAYS_EAGER", "1"
    )  # the WeCom start runs inline (skipped: unconfigured)
    import django

    from rm_portal.bootstrap import prepare_embedded

    prepare_embedded()
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from compliance.models import Conversation
    from rm_portal.customers.models import Customer
    from rm_portal.customers.services.handover import handover_confirm, handover_preview
    from rm_portal.opportunities.models import Opportunity, OpportunityRule
    from rm_portal.org.handover import specs
    from rm_portal.org.models import Branch, Role, Staff
    from rm_portal.org.services import staff_create
    from rm_portal.wecom.models import ContactFollow, ExternalContact

    branch = Branch.objects.create(code="B01", name="城东支行")
    people = [
        staff_create(
            username=username,
            password="bench-pass-1",
            role=role,
            branch=branch,
            employee_no=username,
            name=name,
        )
        for username, role, name in (
            ("rm01a", Role.RM, "张晓明"),
            ("rm01b", Role.RM, "陈静"),
            ("lead01", Role.BRANCH_LEAD, "李主任"),
        )
    ]
    a, b, lead = people
    now = timezone.now()
    Customer.objects.bulk_create(
        [
            Customer(cust_no=f"C{n:07d}", name=f"客户{n}", branch=branch, owner=a.user)
            for n in range(args.customers)
        ],
        batch_size=2000,
    )
    ids = list(Customer.objects.values_list("pk", flat=True))
    rule = OpportunityRule.objects.create(
        code="bench", name="基准规则", kind="maintain", condition="aum >= 0"
    )
    Opportunity.objects.bulk_create(
        [
            Opportunity(
                rule=rule, customer_id=pk, assignee=a.user, branch=branch, due_at=now + timedelta(days=3)
            )
            for pk in ids[: args.customers // 3]
        ],
        batch_size=2000,
    )
    Conversation.objects.bulk_create(
        [
            Conversation(channel="wecom", contact=f"wm{n}", rm=a.user, opened_by=a.user, branch=branch)
            for n in range(args.customers // 2)
        ],
        batch_size=2000,
    )
    contacts = ExternalContact.objects.bulk_create(
        [ExternalContact(external_userid=f"wm{n}", name=f"微信{n}") for n in range(args.customers // 2)],
        batch_size=2000,
    )
    ContactFollow.objects.bulk_create(
        [ContactFollow(contact=c, rm=a.user, added_at=now) for c in contacts], batch_size=2000
    )

    def bare(leaver: Staff, successor: Staff) -> None:
        with transaction.atomic():
            for spec in specs():
                spec.mover(leaver.user, successor.user)

    def preview(leaver: Staff, successor: Staff) -> str:
        return handover_preview(leaver=leaver, successor=successor, by=lead, mode="in_job").token

    def confirm(leaver: Staff, successor: Staff) -> None:
        token = handover_preview(leaver=leaver, successor=successor, by=lead, mode="in_job").token
        handover_confirm(leaver=leaver, successor=successor, by=lead, token=token, mode="in_job")

    def timed(work, moves: bool) -> tuple[float, int]:
        """Median seconds over the rounds, and the queries of the last round."""
        seconds, queries = [], 0
        pair = (a, b)
        for _round in range(args.rounds):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                work(*pair)
                seconds.append(time.perf_counter() - started)
            queries = len(ctx.captured_queries)
            if moves:
                pair = (pair[1], pair[0])
        if moves and args.rounds % 2:  # leave the book with rm01a for the next measurement
            bare(pair[0], pair[1])
        return statistics.median(seconds), queries

    base, base_q = timed(bare, moves=True)
    look, look_q = timed(preview, moves=False)
    sure, sure_q = timed(confirm, moves=True)

    load = os.getloadavg()
    print(
        f"handover bench on {where}: {args.customers} customers, {args.customers // 3} open opportunities, "
    )
    print(
        f"  {args.customers // 2} conversations, {args.customers // 2} WeCom contacts; {args.rounds} rounds"
    )
    print(f"  load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    rows = (("baseline (bare movers)", base, base_q), ("preview", look, look_q), ("confirm", sure, sure_q))
    for name, seconds, queries in rows:
        print(
            f"  {name:24} {seconds * 1000:8.1f} ms  {queries:4d} queries  ×{seconds / base:.2f} of baseline"
        )


if __name__ == "__main__":
    main()
