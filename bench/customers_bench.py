"""Customer portraits at size: CSV import rows/s, set-based tag recompute against the naive
row-by-row Python evaluation of the same rules, and the portrait API's p50/p95 and queries.

Works on a fresh database of its own, never on yours: SQLite in a temporary directory by
default; with DATABASE_URL (PostgreSQL) a database named `bench_customers` on that server,
dropped and created again. Figures are printed, never asserted.

    .venv/bin/python bench/customers_bench.py                      # 20,000 customers x 448 indicators
    .venv/bin/python bench/customers_bench.py --customers 100000   # the issue's import size (PostgreSQL)
    .venv/bin/python bench/customers_bench.py --customers 1000000 --load direct --skip-naive
                                                                   # 65 tags over a million (PostgreSQL)

`--load direct` writes the wide records with bulk INSERTs instead of parsing CSV (for the
recompute figures at a size where generating a CSV would dominate the run).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import fresh_database  # noqa: E402  (after the path insert)

BENCH_DB = "bench_customers"
CHUNK_ROWS = 20_000  # each file stays well under the 100 MB upload cap


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--portraits", type=int, default=300, help="portrait requests to time")
    parser.add_argument("--load", choices=["csv", "direct"], default="csv")
    parser.add_argument("--skip-naive", action="store_true", help="skip the row-by-row Python baseline")
    parser.add_argument("--keep", action="store_true", help="keep the bench_customers database afterwards")
    args = parser.parse_args()

    where = fresh_database(BENCH_DB)
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rm_portal.settings")
    import django

    from rm_portal.bootstrap import prepare_embedded

    prepare_embedded()  # var/ and the embedded secret key, as manage.py does
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from django.db import connection, reset_queries
    from django.test import Client
    from django.utils import timezone

    from rm_portal.customers import seed as demo
    from rm_portal.customers.models import Customer, IndicatorValues, TagDefinition
    from rm_portal.customers.rules import evaluate, resolve_tag, validate
    from rm_portal.customers.services.imports import customers_import
    from rm_portal.customers.services.tags import RuleContext, _in_order, tags_recompute
    from rm_portal.org.tokens import token_issue

    print(f"database: {where}; customers: {args.customers:,}; load: {args.load}")
    demo_password = "bench-password-1"
    from rm_portal.org import seed as org_seed

    org_seed.seed(password=demo_password, log=lambda *_: None)
    # Definitions and tags of the demo, without its 3,000 customers.
    saved_owners = demo.OWNERS
    demo.OWNERS = []
    demo.seed(password=demo_password, log=lambda *_: None)
    demo.OWNERS = saved_owners
    codes = [row[0] for row in demo.indicator_catalogue()]
    today = timezone.localdate()
    owners = [("rm01a", "B01"), ("rm01b", "B01"), ("rm02a", "B02")]

    def generate(index: int) -> tuple[dict, dict]:
        owner, branch = owners[index % 3]
        data, holdings, rng = demo._customer(index, branch, today)
        tds = [((h.maturity_date - today).days, h.amount) for h in holdings if h.type == "time_deposit"]
        values = demo._values(rng, data, tds, 0)
        return {"owner": owner, "branch": branch, **data}, values

    started = time.perf_counter()
    imported = 0
    import_seconds = 0.0
    csv_bytes = 0
    if args.load == "csv":
        for start in range(0, args.customers, CHUNK_ROWS):
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(["cust_no", "name", "branch", "owner", "phone", *codes])
            for index in range(start, min(start + CHUNK_ROWS, args.customers)):
                data, values = generate(index)
                row = [data["cust_no"], data["name"], data["branch"], data["owner"], data["phone"]]
                writer.writerow(row + ["" if values.get(c) is None else _cell(values[c]) for c in codes])
            raw = buffer.getvalue().encode()
            csv_bytes += len(raw)
            t0 = time.perf_counter()
            result = customers_import(raw=raw, as_of=today)
            import_seconds += time.perf_counter() - t0
            imported += result["created"] + result["updated"]
            assert result["failed"] == 0, result["errors"][:3]
        print(
            f"import: {imported:,} rows x {len(codes)} indicators ({csv_bytes / 1e6:,.0f} MB CSV) in "
            f"{import_seconds:,.1f} s = {imported / import_seconds:,.0f} rows/s  (aim >= 2,000 rows/s)"
        )
    else:
        from django.contrib.auth.models import User

        from rm_portal.org.models import Branch

        branches = dict(Branch.objects.values_list("code", "id"))
        users = dict(User.objects.values_list("username", "id"))
        for start in range(0, args.customers, 10_000):
            batch = [generate(i) for i in range(start, min(start + 10_000, args.customers))]
            customers = Customer.objects.bulk_create(
                [
                    Customer(
                        cust_no=d["cust_no"],
                        name=d["name"],
                        phone=d["phone"],
                        branch_id=branches[d["branch"]],
                        owner_id=users[d["owner"]],
                        aum=d["aum"],
                    )
                    for d, _v in batch
                ]
            )
            IndicatorValues.objects.bulk_create(
                [
                    IndicatorValues(customer=c, as_of=today, values=v)
                    for c, (_d, v) in zip(customers, batch, strict=True)
                ],
                batch_size=2000,
            )
        print(f"direct load of {args.customers:,} wide records: {time.perf_counter() - started:,.1f} s")

    tags = TagDefinition.objects.count()
    t0 = time.perf_counter()
    changes = tags_recompute()
    recompute_first = time.perf_counter() - t0
    assigned = sum(c["added"] for c in changes.values())
    t0 = time.perf_counter()
    tags_recompute()
    recompute_again = time.perf_counter() - t0
    print(
        f"tag recompute (set-based, {tags} tags): first {recompute_first:,.2f} s "
        f"({assigned:,} tags assigned), "
        f"steady state {recompute_again:,.2f} s  (aim: 65 tags x 1M customers <= 60 s)"
    )

    if not args.skip_naive:
        context = RuleContext.load()
        ordered = _in_order(list(TagDefinition.objects.filter(active=True)), context)
        trees = [
            (tag.code, resolve_tag(validate(tag.rule, **vars(context)).tree, context.tags)) for tag in ordered
        ]
        t0 = time.perf_counter()
        matched = 0
        records = IndicatorValues.objects.filter(is_latest=True).values_list("customer_id", "values")
        for _customer_id, values in records.iterator(chunk_size=2000):
            has: set[str] = set()
            for code, tree in trees:
                if evaluate(tree, values, has):
                    has.add(code)
            matched += len(has)
        naive = time.perf_counter() - t0
        print(
            f"naive row-by-row Python evaluation (reads only, no writes): {naive:,.2f} s "
            f"for {matched:,} tags; ratio naive / set-based = {naive / max(recompute_again, 1e-9):,.1f}x in "
            f"steady state, {naive / recompute_first:,.1f}x including the first full write"
            " (> 1: set-based faster)"
        )

    from rm_portal.org.models import Staff

    rm = Staff.objects.get(user__username="rm01a").user
    numbers = list(
        Customer.objects.filter(owner=rm).order_by("?").values_list("cust_no", flat=True)[: args.portraits]
    )
    from django.conf import settings

    host = next((h for h in settings.ALLOWED_HOSTS if h != "*" and not h.startswith(".")), "testserver")
    client = Client(HTTP_AUTHORIZATION=f"Token {token_issue(user=rm).key}", HTTP_HOST=host)
    client.get(f"/api/v1/customers/{numbers[0]}/")
    counted: list[str] = []

    def count(execute, sql, params, many, context):
        counted.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        status = client.get(f"/api/v1/customers/{numbers[0]}/").status_code
    assert status == 200, status
    latencies = []
    for number in numbers:
        t0 = time.perf_counter()
        response = client.get(f"/api/v1/customers/{number}/")
        latencies.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
        reset_queries()
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(
        f"portrait API (in-process, {len(latencies)} requests): p50 {statistics.median(latencies):.1f} ms, "
        f"p95 {p95:.1f} ms, {len(counted)} queries per request  (aim p95 <= 50 ms)"
    )
    if os.environ.get("DATABASE_URL") and not args.keep:
        import psycopg
        from django.db import connections

        connections.close_all()
        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")


def _cell(value: object) -> str:
    if value is True:
        return "1"
    if value is False:
        return "0"
    return str(value)


if __name__ == "__main__":
    main()
