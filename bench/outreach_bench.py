"""群发 at a bank's size, on PostgreSQL.

1. Recipient resolution for a --customers (default 200,000) segment as head office: 1,500 RMs in 30
   branches, 90 % of the customers with a contact of their RM, a fifth without marketing consent,
   some rated below the product, a tenth at the weekly cap. Timed: `outreach_resolve` (every
   exclusion decided) and `outreach_create` (the recipients stored too), beside a baseline
   measured in the same run: fetching the segment's customers' (pk, owner, rating, consents)
   rows, which any resolution must read.
2. Results polling for --senders (default 1,500) senders with one handed chunk each, against the
   bundled simulator over HTTP: `outreach_results_poll` beside a baseline of the same number of
   bare get_groupmsg_send_result calls with the same client (no database); the target is one
   beat interval (WECOM_POLL_SECONDS, 30 s).

Works on its own database, `bench_outreach`, dropped and created on the server of DATABASE_URL
(default postgres://postgres@127.0.0.1:5432/postgres). Figures are printed, never asserted.

    .venv/bin/python bench/outreach_bench.py [--customers 200000] [--senders 1500]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BENCH_DB = "bench_outreach"
CORP_ID = "wwbench000000002"
CONTACT_SECRET = "bench-contact-secret"
BRANCHES, RMS = 30, 1500


def fresh_database() -> None:
    import psycopg

    url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        connection.execute(f"CREATE DATABASE {BENCH_DB}")
    os.environ["DATABASE_URL"] = url
    os.environ["RM_DB_NAME"] = BENCH_DB
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production")
    os.environ.update(
        {
            "WECOM_CORP_ID": CORP_ID,
            "WECOM_CONTACT_SECRET": CONTACT_SECRET,
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "rm_portal.settings",
        }
    )


def setup_django(var_dir: str) -> None:
    os.environ["RM_VAR_DIR"] = var_dir
    os.environ["RM_BROKER_DIR"] = str(Path(var_dir) / "broker")
    import django

    from rm_portal.bootstrap import prepare_embedded

    prepare_embedded()
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(customers: int) -> dict[str, object]:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.utils import timezone

    from rm_portal.customers.models import Customer, Segment, TagDefinition
    from rm_portal.org.models import Branch, Role, Staff
    from rm_portal.outreach.models import OutreachRecipient, OutreachTask
    from rm_portal.wecom.models import ContactFollow, ExternalContact

    now = timezone.now()
    branches = Branch.objects.bulk_create(
        [Branch(code=f"B{i:03d}", name=f"网点{i}") for i in range(BRANCHES)]
    )
    hq = Branch.objects.create(code="HQ", name="总行")
    users = User.objects.bulk_create([User(username=f"rm{i:04d}", password="!") for i in range(RMS)])
    Staff.objects.bulk_create(
        [
            Staff(
                user=u, role=Role.RM, branch=branches[i % BRANCHES], employee_no=f"E{i:05d}", name=f"经理{i}"
            )
            for i, u in enumerate(users)
        ]
    )
    boss = User.objects.create(username="hq", password="!")
    Staff.objects.create(user=boss, role=Role.HEAD_OFFICE, branch=hq, employee_no="HQ0001", name="总行")
    tag = TagDefinition.objects.create(code="vip", name="贵宾", rule="aum > 1")
    segment = Segment.objects.create(code="vips", name="贵宾")
    segment.tags.add(tag)
    ratings = ["C1", "C2", "C3", "C4", "C5"]
    batch = 10_000
    for start in range(0, customers, batch):
        Customer.objects.bulk_create(
            [
                Customer(
                    cust_no=f"P{n:08d}",
                    name=f"客户{n}",
                    branch=branches[(n % RMS) % BRANCHES],
                    owner=users[n % RMS],
                    risk_rating=ratings[n % 5],
                    consents={"wealth": n % 5 != 0},
                )
                for n in range(start, min(customers, start + batch))
            ]
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO customers_customertag (customer_id, tag_id, since) "
            "SELECT id, %s, %s FROM customers_customer",
            [tag.pk, now],
        )
    ids = list(Customer.objects.order_by("pk").values_list("pk", "owner_id"))
    for start in range(0, len(ids), batch):
        part = [(pk, owner) for pk, owner in ids[start : start + batch] if pk % 10]
        contacts = ExternalContact.objects.bulk_create(
            [ExternalContact(external_userid=f"wmB{pk:09d}", name="微信") for pk, _o in part]
        )
        ContactFollow.objects.bulk_create(
            [
                ContactFollow(contact=c, rm_id=owner, customer_id=pk, added_at=now - timedelta(days=40))
                for c, (pk, owner) in zip(contacts, part, strict=True)
            ]
        )
    earlier = OutreachTask.objects.create(
        name="旧", text="x", category="wealth", selection="segment", created_by=boss, status="sent"
    )
    capped = [pk for pk, _o in ids if pk % 10 == 3]
    for start in range(0, len(capped), batch):
        OutreachRecipient.objects.bulk_create(
            [
                OutreachRecipient(
                    task=earlier, customer_id=pk, status="sent", handed_at=now - timedelta(days=2)
                )
                for pk in capped[start : start + batch]
                for _ in range(2)
            ]
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"boss": boss, "segment": segment}


def resolution(customers: int) -> None:
    from django.db import connection, reset_queries
    from django.db import transaction as tx

    from materials.models import Kind, Material
    from rm_portal.customers.models import Customer, CustomerTag
    from rm_portal.outreach.services.outreach import outreach_create
    from rm_portal.outreach.services.recipients import outreach_resolve

    built = time.perf_counter()
    made = build(customers)
    print(f"built {customers:,} customers in {time.perf_counter() - built:.1f} s")
    boss, segment = made["boss"], made["segment"]
    product = Material.objects.create(
        kind=Kind.PRODUCT, title="稳健理财", risk_level="R3", marketing_category="wealth", created_by=boss
    )
    from compliance.services.lexicon import text_check

    text_check(text="预热")  # the lexicon is built once per process, not per outreach
    start = time.perf_counter()
    rows = list(
        Customer.objects.filter(
            pk__in=CustomerTag.objects.filter(tag__code="vip").values("customer_id")
        ).values_list("pk", "owner_id", "risk_rating", "consents")
    )
    baseline = time.perf_counter() - start
    start = time.perf_counter()
    result = outreach_resolve(
        by=boss, selection="segment", segment=segment, material=product, category="wealth"
    )
    resolve = time.perf_counter() - start
    print(f"baseline: fetch {len(rows):,} segment rows          {baseline:6.2f} s")
    print(f"outreach_resolve (all exclusions)  {resolve:6.2f} s   ×{resolve / baseline:.1f} of baseline")
    print(f"  recipients {result.recipients:,}; excluded {result.excluded}")
    reset_queries()
    start = time.perf_counter()
    with tx.atomic():
        task = outreach_create(
            by=boss, name="年末", text="年末理财上线", selection="segment", segment=segment, material=product
        )
    create = time.perf_counter() - start
    print(
        f"outreach_create (recipients stored)         {create:6.2f} s   ×{create / baseline:.1f} of baseline"
    )
    print(f"  task {task.pk}: {task.recipients:,} recipients, status {task.status}; target ≤ 10 s")
    del connection


def polling(senders: int) -> None:
    from django.contrib.auth.models import User
    from django.utils import timezone

    from rm_portal.outreach.models import OutreachChunk, OutreachRecipient, OutreachTask
    from rm_portal.outreach.services.sending import RESULT, outreach_results_poll
    from rm_portal.wecom.client import WeComClient
    from wecom_sim.server import Config, Simulator, serve_in_thread

    sim = Simulator(
        Config(
            corp_id=CORP_ID,
            contact_secret=CONTACT_SECRET,
            secret="s",
            agent_id="1",
            token="t",
            aes_key="a" * 43,
        )
    )
    server = serve_in_thread(sim)
    from django.conf import settings

    settings.WECOM_API_BASE = sim.config.public_url
    settings.WECOM_CORP_ID = CORP_ID
    settings.WECOM_CONTACT_SECRET = CONTACT_SECRET
    boss = User.objects.get(username="hq")
    now = timezone.now()
    task = OutreachTask.objects.create(
        name="轮询",
        text="x",
        category="wealth",
        selection="segment",
        created_by=boss,
        status="sent",
        sent_at=now,
        poll_until=now + timedelta(days=3),
    )
    people = list(User.objects.filter(username__startswith="rm").order_by("pk")[:senders])
    per = 10
    msgids: list[tuple[str, str]] = []
    for i, rm in enumerate(people):
        ids = [f"wmP{i:05d}{k}" for k in range(per)]
        for e in ids:
            sim.state.contacts[e] = {
                "external_contact": {"external_userid": e},
                "follow_user": [{"userid": rm.username}],
            }
        answer = sim.add_msg_template(
            {"sender": rm.username, "external_userid": ids, "text": {"content": "x"}}
        )
        msgids.append((answer["msgid"], rm.username))
        chunk = OutreachChunk.objects.create(
            task=task,
            sender=rm,
            sender_userid=rm.username,
            seq=i + 1,
            external_userids=ids,
            status="handed",
            msgid=answer["msgid"],
            handed_at=now,
        )
        customers = list(rm.customers.order_by("pk").values_list("pk", flat=True)[:per])
        OutreachRecipient.objects.bulk_create(
            [
                OutreachRecipient(
                    task=task, customer_id=c, sender=rm, external_userid=e, chunk=chunk, status="pending"
                )
                for c, e in zip(customers, ids, strict=False)
            ]
        )
    for msgid, _u in msgids[: len(msgids) // 2]:
        sim.confirm_groupmsg({"msgid": msgid})
    client = WeComClient(corp_id=CORP_ID, secret=CONTACT_SECRET)
    client.access_token()
    start = time.perf_counter()
    for msgid, userid in msgids:
        client.post(RESULT, {"msgid": msgid, "userid": userid, "limit": 1000, "cursor": ""})
    baseline = time.perf_counter() - start
    start = time.perf_counter()
    still_open = outreach_results_poll(client=client)
    poll = time.perf_counter() - start
    sent = OutreachRecipient.objects.filter(task=task, status="sent").count()
    print(f"baseline: {len(msgids):,} bare get_groupmsg_send_result   {baseline:6.2f} s")
    print(
        f"outreach_results_poll, {len(msgids):,} senders  {poll:6.2f} s   ×{poll / baseline:.1f} of baseline"
    )
    print(
        f"  {sent:,} recipients now sent, {still_open:,} chunks still open; target ≤ 30 s (one beat interval)"
    )
    server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--senders", type=int, default=RMS)
    args = parser.parse_args()
    fresh_database()
    with tempfile.TemporaryDirectory() as var_dir:
        setup_django(var_dir)
        print(f"load: {os.getloadavg()}")
        resolution(args.customers)
        polling(min(args.senders, RMS))


if __name__ == "__main__":
    main()
