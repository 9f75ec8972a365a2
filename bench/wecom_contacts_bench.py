"""A branch campaign's burst of adds, handled end to end: each event stored (as the callback does)
and then handled by the add handler — `externalcontact/get` and `send_welcome_msg` over HTTP to the
bundled simulator, the contact and follow stored, attributed, bound by phone, welcomed after the
compliance check. The baseline in the same run is storing the same events with no handler.

Works on a fresh database of its own: SQLite in a temporary directory by default; with
DATABASE_URL (PostgreSQL) a database named `bench_wecom_contacts` on that server, dropped and
created again. Figures are printed, never asserted.

    .venv/bin/python bench/wecom_contacts_bench.py               # 1,000 adds (the issue's burst)
    .venv/bin/python bench/wecom_contacts_bench.py --adds 200

One process, one event after another (a single worker): events/s here is a floor for a burst that
several workers share. The simulator runs in a thread of the same process, so its own time counts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH_DB = "bench_wecom_contacts"


def fresh_database() -> str:
    # The tasks the stored events enqueue go to a file broker in a temporary var/, never to a
    # Redis someone else's worker reads.
    os.environ.pop("REDIS_URL", None)
    os.environ["RM_VAR_DIR"] = tempfile.mkdtemp(prefix="rm-bench-")
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return "sqlite (temporary)"
    import psycopg

    parsed = urlparse(url)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        connection.execute(f"CREATE DATABASE {BENCH_DB}")
    os.environ["RM_DB_NAME"] = BENCH_DB
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production")
    return f"postgresql {parsed.hostname}/{BENCH_DB}"


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--adds", type=int, default=1000)
    args = parser.parse_args()

    where = fresh_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rm_portal.settings")
    import django

    from rm_portal.bootstrap import prepare_embedded

    prepare_embedded()
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from rm_portal.celery import app
    from rm_portal.customers.models import Customer
    from rm_portal.org.models import Branch, Role
    from rm_portal.org.services import staff_create
    from rm_portal.wecom import events
    from rm_portal.wecom.models import CallbackEvent, ContactFollow
    from rm_portal.wecom.services import callback_event_handle, callback_event_receive
    from wecom_sim.server import Config, Simulator, event_xml, serve_in_thread

    app.conf.task_always_eager = False  # the handling is timed here, not left to a broker
    corp = "wwbench0000000001"
    simulator = Simulator(
        Config(
            corp_id=corp,
            contact_secret="bench-contact",
            secret="bench-app",
            agent_id="1000002",
            token="benchToken",
            aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        )
    )
    server = serve_in_thread(simulator)
    settings.WECOM_API_BASE = simulator.config.public_url
    settings.WECOM_CORP_ID = corp
    settings.WECOM_CONTACT_SECRET = "bench-contact"

    branch = Branch.objects.create(code="B01", name="城东支行")
    rm = staff_create(
        username="rm01a",
        password="bench-password-1",
        role=Role.RM,
        branch=branch,
        employee_no="B010101",
        name="张晓明",
        wechat_id="zxm",
    ).user
    Customer.objects.bulk_create(
        [
            Customer(cust_no=f"C{n:07d}", name=f"客户{n}", phone=f"138{n:08d}", branch=branch, owner=rm)
            for n in range(args.adds * 2)
        ]
    )
    print(f"database: {where}; adds: {args.adds:,}; customers of the RM: {args.adds * 2:,}")

    def add(tag: str, n: int) -> bytes:
        """The customer adds the RM in the simulator (a fresh welcome code, valid 20 s)."""
        mobile = f"138{n:08d}" if n % 2 == 0 else ""  # half bind by phone, half wait for the RM
        added = simulator.add_customer(
            {"userid": "zxm", "external_userid": f"wm{tag}{n:08d}", "name": f"微信{n}", "mobile": mobile}
        )
        fields = {
            "UserID": "zxm",
            "ExternalUserID": added["external_userid"],
            "WelcomeCode": added["welcome_code"],
        }
        return event_xml(corp, "add_external_contact", fields).encode()

    def run(tag: str) -> tuple[float, list[float]]:
        each = []
        for n in range(args.adds):
            plain = add(tag, n)
            t0 = time.perf_counter()
            row, _ = callback_event_receive(plain=plain, corp_id=corp)
            callback_event_handle(event_id=row.pk)
            each.append(time.perf_counter() - t0)
        return sum(each), each

    with events.override("change_external_contact", "add_external_contact", lambda event: None):
        base_total, base_each = run("base")
    full_total, full_each = run("full")
    server.shutdown()

    handled = CallbackEvent.objects.filter(status=CallbackEvent.Status.HANDLED).count() - args.adds
    follows = ContactFollow.objects.count()
    bound = ContactFollow.objects.filter(customer__isnull=False).count()
    welcomed = ContactFollow.objects.filter(welcome_sent_at__isnull=False).count()
    print(
        f"baseline (store only): {args.adds / base_total:8.1f} events/s, "
        f"p95 {p95(base_each) * 1000:6.1f} ms, {base_total:6.2f} s"
    )
    print(
        f"handled end to end:    {args.adds / full_total:8.1f} events/s, "
        f"p95 {p95(full_each) * 1000:6.1f} ms, {full_total:6.2f} s  "
        f"(ratio to baseline {full_total / base_total:.1f}x)"
    )
    print(f"contacts {follows:,}, bound {bound:,}, welcomed {welcomed:,}, events handled {handled:,}")
    print(f"the burst of {args.adds:,} within 60 s on one worker: {'yes' if full_total <= 60 else 'no'}")


if __name__ == "__main__":
    main()
