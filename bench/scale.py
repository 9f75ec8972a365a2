"""The scale benchmark (issue 14): N customers x 448 indicators built through COPY with the bench's
generator, then, for the same data: tag recompute (65 tags; first fill, steady state, 1 % changed),
opportunity generation (36 rules), import rows/s at 448 columns with and without the GIN index,
each beside the per-row Python way, and growth exponents between two sizes (N/4 and N).

Works on a fresh PostgreSQL database of its own (`bench_scale` on the DATABASE_URL server, dropped
afterwards unless --keep); without DATABASE_URL a temporary SQLite. Prints figures, asserts nothing.

    DATABASE_URL=postgres://… .venv/bin/python bench/scale.py                     # 100,000 customers
    DATABASE_URL=postgres://… .venv/bin/python bench/scale.py --customers 1000000
    make bench-scale

The per-row Python way (the rules' `evaluate` on each decoded wide record, reads only) is timed on
a sample (`--naive-sample`, default 20,000 records) and scaled linearly to N: it is one loop over
rows, linear by construction. Aims, printed beside the figures: 65 tags x 1M <= 60 s steady and
>= 10x the per-row way, first fill <= 2x steady; 36 rules x 1M <= 60 s; import >= 2,000 rows/s.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH_DB = os.environ.get("RM_BENCH_DB", "bench_scale")  # one per concurrent run
POOL = 5_000  # distinct generated customers; the rest repeat their values under new numbers


def database(url: str) -> str:
    if not url:
        os.environ["RM_VAR_DIR"] = tempfile.mkdtemp(prefix="rm-scale-")
        return "sqlite (temporary)"
    import psycopg

    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        admin.execute(f"CREATE DATABASE {BENCH_DB}")
    os.environ["RM_DB_NAME"] = BENCH_DB
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production")
    return f"postgresql {urlparse(url).hostname}/{BENCH_DB}"


def timed(work):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def exponent(n1: int, t1: float, n2: int, t2: float) -> str:
    if t1 <= 0 or t2 <= 0:
        return "n/a"
    return f"N^{math.log(t2 / t1) / math.log(n2 / n1):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--naive-sample", type=int, default=20_000)
    parser.add_argument("--import-rows", type=int, default=4_000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    where = database(url)
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rm_portal.settings")
    import django

    from rm_portal.bootstrap import prepare_embedded

    prepare_embedded()
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rm_portal.customers.phones import phone_tail_of

    call_command("migrate", verbosity=0)

    from bench.opportunities_bench import bench_rules
    from rm_portal.customers import seed as demo
    from rm_portal.customers.models import CustomerTag, IndicatorValues, TagDefinition
    from rm_portal.customers.rules import evaluate, resolve_tag, validate
    from rm_portal.customers.services.imports import customers_import
    from rm_portal.customers.services.tags import RuleContext, _in_order, tags_recompute
    from rm_portal.opportunities.conditions import condition_parse
    from rm_portal.opportunities.models import Opportunity, OpportunityRule
    from rm_portal.opportunities.services.generation import _chosen, _features, opportunity_rules_run
    from rm_portal.opportunities.services.rules import opportunity_rule_create
    from rm_portal.org import seed as org_seed

    quiet = lambda *_: None  # noqa: E731
    org_seed.seed(password="bench-password-1", log=quiet)
    saved, demo.OWNERS = demo.OWNERS, []
    demo.seed(password="bench-password-1", log=quiet)  # 448 definitions and 65 tags, no customers
    demo.OWNERS = saved
    for code, name, kind, condition, script, due, cooldown, priority in bench_rules():
        opportunity_rule_create(
            code=code, name=name, kind=kind, condition=condition, script=script,
            due_days=due, cooldown_days=cooldown, priority=priority,
        )  # fmt: skip
    codes = [row[0] for row in demo.indicator_catalogue()]
    from django.contrib.auth.models import User
    from django.utils import timezone

    from rm_portal.org.models import Branch

    today = timezone.localdate()
    branches = dict(Branch.objects.values_list("code", "id"))
    users = dict(User.objects.values_list("username", "id"))
    owners = [("rm01a", "B01"), ("rm01b", "B01"), ("rm02a", "B02"), (None, "B01")]
    pool = []
    started = time.perf_counter()
    for index in range(POOL):
        owner, branch = owners[index % len(owners)]
        data, holdings, rng = demo._customer(index + 1, branch, today)
        tds = [((h.maturity_date - today).days, h.amount) for h in holdings if h.type == "time_deposit"]
        values = demo._values(rng, data, tds, 0)
        pool.append((owner, branch, data, values, json.dumps(values, ensure_ascii=False)))
    print(
        f"database: {where}; 448 indicators, {TagDefinition.objects.count()} tags, "
        f"{OpportunityRule.objects.count()} rules; "
        f"generator pool {POOL:,} in {time.perf_counter() - started:.1f} s"
    )

    built = 0

    def build(upto: int) -> float:
        """Customers built..upto through COPY (SQLite: executemany), wide records included."""
        nonlocal built
        t0 = time.perf_counter()
        now = timezone.now()
        rows = []
        for index in range(built, upto):
            owner, branch, data, _values, _doc = pool[index % POOL]
            rows.append((f"S{index:08d}", data["name"], data["phone"], "", branches[branch],
                         users[owner] if owner else None, "", "{}", data["aum"], "", now, now,
                         phone_tail_of(data["phone"])))  # fmt: skip
        columns = ("cust_no, name, phone, id_number, branch_id, owner_id, risk_rating, consents, aum, "
                   "wechat_external_id, created_at, updated_at, phone_tail")  # fmt: skip
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY customers_customer ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * 13)
                insert = f"INSERT INTO customers_customer ({columns}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(insert, rows)
            cursor.execute(
                "SELECT id, cust_no FROM customers_customer WHERE cust_no >= %s", [f"S{built:08d}"]
            )
            ids = {no: pk for pk, no in cursor.fetchall()}
            records = [(ids[f"S{i:08d}"], today, pool[i % POOL][4], True, now) for i in range(built, upto)]
            if connection.vendor == "postgresql":
                copy_sql = (
                    'COPY customers_indicatorvalues (customer_id, as_of, "values", is_latest, imported_at) '
                    "FROM STDIN"
                )
                with cursor.cursor.copy(copy_sql) as copy:
                    for record in records:
                        copy.write_row(record)
                cursor.execute("ANALYZE customers_customer")
                cursor.execute("ANALYZE customers_indicatorvalues")
            else:
                cursor.executemany(
                    "INSERT INTO customers_indicatorvalues "
                    '(customer_id, as_of, "values", is_latest, imported_at) '
                    "VALUES (%s, %s, %s, %s, %s)",
                    records,
                )
        built = upto
        return time.perf_counter() - t0

    def naive_tags(sample: int) -> float:
        context = RuleContext.load()
        ordered = _in_order(list(TagDefinition.objects.filter(active=True)), context)
        trees = [(t.code, resolve_tag(validate(t.rule, **vars(context)).tree, context.tags)) for t in ordered]
        t0 = time.perf_counter()
        records = IndicatorValues.objects.filter(is_latest=True).values_list("values", flat=True)[:sample]
        for values in records.iterator(chunk_size=2000):
            has: set[str] = set()
            for code, tree in trees:
                if evaluate(tree, values, has):
                    has.add(code)
        return time.perf_counter() - t0

    def naive_rules(sample: int) -> float:
        context = RuleContext.load()
        trees = [condition_parse(r.condition, context=context).tree for r in OpportunityRule.objects.all()]
        held: dict[int, set[str]] = {}
        t0 = time.perf_counter()
        records = IndicatorValues.objects.filter(is_latest=True).values_list("customer_id", "values")[:sample]
        ids = []
        batch = []
        for customer_id, values in records.iterator(chunk_size=2000):
            ids.append(customer_id)
            batch.append((customer_id, values))
        for customer_id, code in CustomerTag.objects.filter(customer_id__in=ids).values_list(
            "customer_id", "tag__code"
        ):
            held.setdefault(customer_id, set()).add(code)
        for customer_id, values in batch:
            for tree in trees:
                evaluate(tree, values, held.get(customer_id, set()))
        return time.perf_counter() - t0

    if os.environ.get("SCALE_PROFILE"):
        # Every statement over 0.2 s, to see where a run's time goes.
        def slow(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
            t0 = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                if time.perf_counter() - t0 > 0.2:
                    print(f"    {time.perf_counter() - t0:6.2f} s  {' '.join(sql.split())[:150]}")

        connection.execute_wrappers.append(slow)
    figures: dict[int, dict[str, float]] = {}
    sizes = sorted({max(args.customers // 4, 1000), args.customers})
    for n in sizes:
        load = build(n)
        fig = figures.setdefault(n, {})
        Opportunity.objects.all().delete()
        OpportunityRule.objects.update(last_run_at=None)
        CustomerTag.objects.all().delete()
        TagDefinition.objects.update(rule_digest="", recomputed_at=None)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM customers_tagchange")
        print(f"\n== {n:,} customers (built up to here by COPY in {load:.1f} s)")
        fig["first"], changes = timed(tags_recompute)
        assigned = sum(c["added"] for c in changes.values())
        fig["steady"], _r = timed(tags_recompute)
        # Every tag evaluated for everyone, nothing to write: what a non-incremental run costs.
        fig["full"], _r = timed(lambda: tags_recompute(full=True))
        with connection.cursor() as cursor:
            # 1 % of the customers get a new wide record value a rule reads.
            if connection.vendor == "postgresql":
                cursor.execute(
                    'UPDATE customers_indicatorvalues SET "values" = "values" || jsonb_build_object(\'aum\', '
                    "coalesce((\"values\"->>'aum')::float8, 0) + 2000000) "
                    "WHERE is_latest AND customer_id % 100 = 0"
                )
            else:
                cursor.execute(
                    'UPDATE customers_indicatorvalues SET "values" = json_set("values", \'$.aum\', '
                    "coalesce(json_extract(\"values\", '$.aum'), 0) + 2000000) "
                    "WHERE is_latest AND customer_id % 100 = 0"
                )
        fig["changed"], _r = timed(tags_recompute)
        sample = min(args.naive_sample, n)
        fig["naive_tags"] = naive_tags(sample) * n / sample
        print(
            f"tag recompute, 65 tags: first fill {fig['first']:.2f} s ({assigned:,} tags), steady state "
            f"{fig['steady']:.2f} s (incremental, nothing changed), 1 % changed {fig['changed']:.2f} s, "
            f"full evaluation with nothing to write {fig['full']:.2f} s; first / full = "
            f"{fig['first'] / fig['full']:.1f}x, first / steady = {fig['first'] / fig['steady']:.0f}x "
            "(aim <= 2x)"
        )
        print(
            f"  per-row Python way (evaluate each decoded record; {sample:,} timed, scaled to N): "
            f"{fig['naive_tags']:.2f} s -> {fig['naive_tags'] / fig['steady']:.0f}x the steady state, "
            f"{fig['naive_tags'] / fig['changed']:.0f}x the 1 % run, {fig['naive_tags'] / fig['first']:.1f}x "
            "the first fill (aim >= 10x)"
        )

        def generation(one_pass: bool) -> tuple[float, float, int, int]:
            """From empty, then again (nothing new): seconds, seconds, created, queries of the first."""
            Opportunity.objects.all().delete()
            OpportunityRule.objects.update(last_run_at=None)
            with CaptureQueriesContext(connection) as queries:
                took, made = timed(lambda: opportunity_rules_run(one_pass=one_pass))
            again, _made = timed(lambda: opportunity_rules_run(one_pass=one_pass))
            return took, again, sum(made.values()), len(queries)

        # The first run ever adds the feature columns the rules read: not part of either way's cost.
        _features(_chosen(None), RuleContext.load())
        old_first, old_again, old_created, old_queries = generation(one_pass=False)
        fig["generation"], fig["generation_again"], created, new_queries = generation(one_pass=True)
        fig["naive_rules"] = naive_rules(sample) * n / sample
        print(
            f"opportunity generation, 36 rules in one pass: {fig['generation']:.2f} s from empty "
            f"({created:,} opportunities, {new_queries} queries), again {fig['generation_again']:.2f} s"
        )
        print(
            f"  rule after rule (the earlier way, same run): {old_first:.2f} s from empty ({old_created:,}, "
            f"{old_queries} queries), again {old_again:.2f} s -> one pass is "
            f"{old_first / fig['generation']:.1f}x / {old_again / fig['generation_again']:.1f}x faster; "
            f"per-row Python evaluation alone {fig['naive_rules']:.2f} s "
            f"({fig['naive_rules'] / fig['generation']:.1f}x)"
        )
    if len(sizes) == 2:
        (n1, f1), (n2, f2) = sorted(figures.items())
        print(
            f"\n== growth {n1:,} -> {n2:,}: "
            + ", ".join(
                f"{name} {exponent(n1, f1[name], n2, f2[name])}"
                for name in ("first", "steady", "full", "changed", "generation")
            )
        )
        per_million = {name: f2[name] * 1_000_000 / n2 for name in ("first", "full", "generation")}
        print(
            "   linear projection to 1,000,000: "
            + ", ".join(f"{k} {v:.0f} s" for k, v in per_million.items())
            + "  (aims: steady <= 60 s, generation <= 60 s)"
        )

    def import_rate(start: int, rows: int) -> float:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["cust_no", "name", "branch", "owner", "phone", *codes])
        for index in range(start, start + rows):
            owner, branch, data, values, _doc = pool[index % POOL]
            cells = ["" if values.get(c) is None else ("1" if values[c] is True else "0" if values[c] is False
                     else str(values[c])) for c in codes]  # fmt: skip
            writer.writerow([f"I{index:08d}", data["name"], branch, owner or "", data["phone"], *cells])
        raw = buffer.getvalue().encode()
        seconds, result = timed(lambda: customers_import(raw=raw, as_of=today))
        assert result["failed"] == 0, result["errors"][:3]
        return rows / seconds

    with_gin = import_rate(0, args.import_rows)
    line = f"\n== import, 448 columns, {args.import_rows:,} new rows: {with_gin:,.0f} rows/s"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM pg_indexes WHERE indexname = 'customers_indicatorvalues_values_gin'"
            )
            gin = cursor.fetchone() is not None
        if gin:
            with connection.cursor() as cursor:
                cursor.execute("DROP INDEX customers_indicatorvalues_values_gin")
            without = import_rate(args.import_rows, args.import_rows)
            line += f" with the GIN index, {without:,.0f} rows/s without ({without / with_gin:.1f}x)"
        else:
            with connection.cursor() as cursor:
                cursor.execute(
                    "CREATE INDEX customers_indicatorvalues_values_gin ON customers_indicatorvalues "
                    'USING gin ("values" jsonb_path_ops) WHERE is_latest'
                )
            with_index = import_rate(args.import_rows, args.import_rows)
            line += f" without the GIN index, {with_index:,.0f} rows/s with it ({with_gin / with_index:.1f}x)"
    print(line + "  (aim >= 2,000 rows/s)")
    if url and not args.keep:
        import psycopg
        from django.db import connections

        connections.close_all()
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")


if __name__ == "__main__":
    main()
