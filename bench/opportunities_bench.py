"""Opportunity generation at size: 36 rules over N customers, set-based against a per-customer
Python loop over the same data, on whatever DATABASE_URL points at.

Works on a fresh database of its own, never on yours: SQLite in a temporary directory by
default; with DATABASE_URL (PostgreSQL) a database named `bench_opportunities` on that
server, dropped and created again. Figures are printed, never asserted.

    .venv/bin/python bench/opportunities_bench.py                       # 20,000 customers
    .venv/bin/python bench/opportunities_bench.py --customers 100000    # the issue's sizes,
    .venv/bin/python bench/opportunities_bench.py --customers 1000000 --skip-naive   # on PostgreSQL

What is timed:
- full run: all 36 rules, generation + reasons + scripts + bulk inserts + dispatch
  (one notification per RM), from an empty opportunity table;
- second run: the same, when everything is already open (idempotency; should create 0);
- naive: the same 36 rules evaluated customer by customer in Python (customers/rules.evaluate),
  the cap and open checks kept in Python dicts, one INSERT per opportunity.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import fresh_database  # noqa: E402  (after the path insert)

BENCH_DB = "bench_opportunities"
RULE_COUNT = 36


def bench_rules() -> list[tuple]:
    """The 14 demo rules plus variants of them with other thresholds: 36 in all."""
    from rm_portal.opportunities import seed as demo

    rules = list(demo.RULES)
    variants = [
        (
            "td_maturing_14d",
            "定期存款14天内到期",
            "maintain",
            "td_maturing_days <= 14 and td_maturing_amt >= 50000",
        ),
        ("td_big_due", "大额定期到期", "maintain", "tag(大额定期到期)"),
        ("waking", "即将沉睡", "maintain", "tag(即将沉睡) and aum >= 20000"),
        ("hnw_dormant", "高净值沉睡", "maintain", "tag(高净值沉睡)"),
        ("aum_down", "资产流失预警", "maintain", "tag(资产流失预警)"),
        ("peak_drop", "资产较峰值回落", "maintain", "tag(资产较峰值回落)"),
        ("complaint_care", "投诉客户回访", "maintain", "complaint_cnt_12m >= 1"),
        ("senior_care", "银发客户关怀", "maintain", "age >= 65 and tag(养老金客户)"),
        ("payroll_churn", "代发流失预警", "maintain", "tag(代发流失预警)"),
        ("no_contact_vip", "贵宾久未联系", "maintain", "vip_level >= 3 and contact_days >= 60"),
        ("new_customer_call", "新开户回访", "maintain", "customer_months <= 3"),
        ("samename_in", "他行资金转入承接", "mine", "samename_in_amt_1m >= 50000"),
        ("ext_assets", "他行资产较多", "mine", "ext_assets_est >= 500000 and aum < 200000"),
        ("fund_first", "基金首购", "mine", "fund_held = false and risk_level >= 3 and aum >= 100000"),
        ("gold_gift", "贵金属节日营销", "mine", "gold_held = false and aum >= 300000"),
        ("large_cd", "大额存单推荐", "mine", "large_cd_held = false and demand_bal >= 200000"),
        ("loan_potential", "贷款潜力", "mine", "tag(贷款潜力)"),
        ("card_potential", "信用卡潜力", "mine", "tag(信用卡潜力)"),
        ("wechat_add", "添加企业微信", "mine", "wechat_friend = false and has_mobile_banking = true"),
        (
            "farmer_loan",
            "涉农贷款",
            "mine",
            "is_farmer = true and loan_held = false and land_contract_mu >= 5",
        ),
        ("owner_settlement", "个体户结算", "mine", "is_private_owner = true and pos_cnt_1m = 0"),
        ("thirdpay_bind", "第三方支付绑卡", "mine", "tag(第三方支付活跃) and has_wechat_bank = false"),
    ]
    script = demo.HELLO + "{rule_name}，方便时联系您。"
    for i, (code, name, kind, condition) in enumerate(variants):
        rules.append((code, name, kind, condition, script, 5, 30, 60 - i))
    assert len(rules) == RULE_COUNT, len(rules)
    return rules


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--skip-naive", action="store_true", help="skip the per-customer Python loop")
    args = parser.parse_args()

    where = fresh_database(BENCH_DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rm_portal.settings")
    import django

    from rm_portal.bootstrap import prepare_embedded

    prepare_embedded()  # var/ and the embedded secret key, as manage.py does
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from django.contrib.auth.models import User
    from django.db import transaction
    from django.utils import timezone

    from rm_portal.customers import seed as customers_demo
    from rm_portal.customers.models import Customer, CustomerTag, IndicatorValues, TagChange
    from rm_portal.customers.rules import BoolOp, Not, TagRef, evaluate
    from rm_portal.customers.services.tags import RuleContext, tags_recompute
    from rm_portal.opportunities.conditions import FIRST_RUN_WINDOW, condition_parse
    from rm_portal.opportunities.models import Opportunity, OpportunityRule
    from rm_portal.opportunities.scripts import script_render
    from rm_portal.opportunities.services import generation
    from rm_portal.opportunities.services.rules import opportunity_rule_create
    from rm_portal.org import seed as org_seed
    from rm_portal.org.models import Branch

    print(f"database: {where}; customers: {args.customers:,}; rules: {RULE_COUNT}")
    quiet = lambda *_: None  # noqa: E731
    org_seed.seed(password="bench-password-1", log=quiet)
    saved_owners = customers_demo.OWNERS
    customers_demo.OWNERS = []  # definitions and tags of the demo, without its customers
    customers_demo.seed(password="bench-password-1", log=quiet)
    customers_demo.OWNERS = saved_owners

    t0 = time.perf_counter()
    today = timezone.localdate()
    branches = dict(Branch.objects.values_list("code", "id"))
    users = dict(User.objects.values_list("username", "id"))
    owners = [("rm01a", "B01"), ("rm01b", "B01"), ("rm02a", "B02"), (None, "B01")]
    for start in range(0, args.customers, 10_000):
        batch = []
        for index in range(start, min(start + 10_000, args.customers)):
            owner, branch = owners[index % len(owners)]
            data, holdings, rng = customers_demo._customer(index + 1, branch, today)
            tds = [((h.maturity_date - today).days, h.amount) for h in holdings if h.type == "time_deposit"]
            batch.append((owner, branch, data, customers_demo._values(rng, data, tds, 0)))
        made = Customer.objects.bulk_create(
            [
                Customer(
                    cust_no=d["cust_no"],
                    name=d["name"],
                    phone=d["phone"],
                    branch_id=branches[b],
                    owner_id=users[o] if o else None,
                    aum=d["aum"],
                )
                for o, b, d, _v in batch
            ]
        )
        IndicatorValues.objects.bulk_create(
            [
                IndicatorValues(customer=c, as_of=today, values=v)
                for c, (*_x, v) in zip(made, batch, strict=True)
            ],
            batch_size=2000,
        )
    tags_recompute()
    print(f"load {args.customers:,} customers and tags: {time.perf_counter() - t0:,.1f} s")

    for code, name, kind, condition, script, due_days, cooldown_days, priority in bench_rules():
        opportunity_rule_create(
            code=code, name=name, kind=kind, condition=condition, script=script,
            due_days=due_days, cooldown_days=cooldown_days, priority=priority,
        )  # fmt: skip

    t0 = time.perf_counter()
    created = generation.opportunity_rules_run()
    full = time.perf_counter() - t0
    total = sum(created.values())
    print(f"set-based full run: {full:,.2f} s, {total:,} opportunities created (aim: 1M customers <= 60 s)")
    t0 = time.perf_counter()
    again = sum(generation.opportunity_rules_run().values())
    print(f"second run (idempotent): {time.perf_counter() - t0:,.2f} s, {again} created")
    if args.skip_naive:
        return

    # The per-customer baseline, from the same empty start.
    Opportunity.objects.all().delete()
    OpportunityRule.objects.update(last_run_at=None)
    now = timezone.now()
    context = RuleContext.load()
    rules = sorted(OpportunityRule.objects.filter(active=True), key=lambda r: (-r.priority, r.code))

    def mark_became(node, positions):
        if isinstance(node, BoolOp):
            return BoolOp(node.op, tuple(mark_became(i, positions) for i in node.items))
        if isinstance(node, Not):
            return Not(mark_became(node.item, positions))
        if isinstance(node, TagRef) and node.position in positions:
            return TagRef(f"became:{node.ref}", node.position)
        return node

    parsed = []
    for rule in rules:
        condition = condition_parse(rule.condition, context=context)
        parsed.append((rule, mark_became(condition.tree, condition.became_positions)))
    t0 = time.perf_counter()
    tags: dict[int, set[str]] = {}
    for customer_id, code in CustomerTag.objects.values_list("customer_id", "tag__code").iterator(
        chunk_size=5000
    ):
        tags.setdefault(customer_id, set()).add(code)
    for customer_id, code in TagChange.objects.filter(
        change=TagChange.Change.ADDED, at__gt=now - FIRST_RUN_WINDOW
    ).values_list("customer_id", "tag__code"):
        tags.setdefault(customer_id, set()).add(f"became:{code}")
    customers = {
        pk: (name, owner, branch)
        for pk, name, owner, branch in Customer.objects.values_list("id", "name", "owner_id", "branch_id")
    }
    open_count: dict[int, int] = {}
    naive_created = 0
    with transaction.atomic():
        records = IndicatorValues.objects.filter(is_latest=True).values_list("customer_id", "values")
        for customer_id, values in records.iterator(chunk_size=2000):
            has = tags.get(customer_id, set())
            name, owner, branch = customers[customer_id]
            for rule, tree in parsed:
                if open_count.get(customer_id, 0) >= generation.MAX_OPEN_PER_CUSTOMER:
                    break
                if not evaluate(tree, values, has):
                    continue
                Opportunity.objects.create(
                    rule=rule,
                    customer_id=customer_id,
                    assignee_id=owner,
                    branch_id=branch,
                    script=script_render(rule.script, {"customer_name": name, "rule_name": rule.name}),
                    created_at=now,
                    due_at=now,
                )
                open_count[customer_id] = open_count.get(customer_id, 0) + 1
                naive_created += 1
    naive = time.perf_counter() - t0
    print(
        f"naive per-customer Python loop: {naive:,.2f} s, {naive_created:,} opportunities created; "
        f"set-based is {naive / max(full, 1e-9):,.1f}x faster"
    )


if __name__ == "__main__":
    main()
