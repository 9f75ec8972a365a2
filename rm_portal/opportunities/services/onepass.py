"""Generation of every rule in one pass: the same opportunities as rule after rule, in a number of
queries that does not grow with the rules.

1. ONE statement fills a temporary table with (rule rank, customer) for every rule's condition
   minus the rule's own open / cooldown opportunities (a UNION ALL of the rules' predicates over
   the narrow feature table).
2. The per-customer cap is applied once, set-based: a customer with n open opportunities keeps
   the first 3 - n of their matches in priority order (ROW_NUMBER over the customer's matches),
   which is exactly what running the rules one by one from the highest priority gives.
3. ONE query streams the kept pairs with the customer, owner and every feature the rules read;
   each batch, whatever rules it mixes, costs one tag query, one holdings query (when a script
   uses them) and one insert (COPY on PostgreSQL).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from rm_portal.customers.models import (
    Customer,
    CustomerFeatures,
    CustomerTag,
    Holding,
    IndicatorDefinition,
    TagDefinition,
)
from rm_portal.customers.services.features import feature_column
from rm_portal.customers.services.tags import RuleContext
from rm_portal.opportunities.conditions import Condition, condition_matching
from rm_portal.opportunities.models import Opportunity, OpportunityRule
from rm_portal.opportunities.scripts import script_fields, script_render
from rm_portal.org.models import Staff

BATCH = 2000
CENT = Decimal("0.01")
Span = tuple[int, int] | None


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _same_rule(rule: OpportunityRule, now: datetime) -> Q:
    cooldown_from = now - timedelta(days=rule.cooldown_days)
    same_rule = Opportunity.objects.filter(rule=rule).filter(
        Q(status=Opportunity.Status.OPEN)
        | Q(created_at__gte=cooldown_from)
        | Q(completed_at__gte=cooldown_from)
    )
    return Q(customer_id__in=same_rule.values("customer_id"))


def _match(
    parsed: list[tuple[OpportunityRule, Condition]],
    *,
    now: datetime,
    since: dict[int, datetime],
    context: RuleContext,
    span: Span,
) -> None:
    """Step 1: rm_gen_match(rank, customer_id) for all rules in one INSERT … UNION ALL."""
    from rm_portal.opportunities.services.generation import _feature_expression

    parts: list[str] = []
    params: list[Any] = []
    for rank, (rule, condition) in enumerate(parsed):
        source = CustomerFeatures.objects.filter(present=True)
        if span is not None:
            source = source.filter(customer_id__gte=span[0], customer_id__lte=span[1])
        matching = (
            condition_matching(
                condition, context=context, since=since[rule.pk], source=source, column=_feature_expression
            )
            .exclude(_same_rule(rule, now))
            .values("customer_id")
            .order_by()
        )
        sql, sql_params = matching.query.sql_with_params()
        parts.append(f"SELECT {rank} AS pos, m{rank}.customer_id FROM ({sql}) m{rank}")  # noqa: S608  (Django's own SQL)
        params.extend(sql_params)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS rm_gen_match")
        cursor.execute("CREATE TEMP TABLE rm_gen_match (pos integer NOT NULL, customer_id bigint NOT NULL)")
        cursor.execute("INSERT INTO rm_gen_match (pos, customer_id) " + " UNION ALL ".join(parts), params)
        if connection.vendor == "postgresql":
            # Temporary tables are never analysed by autovacuum: without figures the planner
            # guesses their size and may join the customers to them row by row.
            cursor.execute("ANALYZE rm_gen_match")
            cursor.execute("ANALYZE rm_open_count")


def _kept(codes: list[tuple[str, str]], cap: int) -> Iterator[list[tuple[Any, ...]]]:
    """Steps 2 and 3: the (rank, customer, …, features) rows within the cap, in batches."""
    customers, staff = _q(Customer._meta.db_table), _q(Staff._meta.db_table)
    features = _q(CustomerFeatures._meta.db_table)
    columns = "".join(f", f.{_q(feature_column(code, kind))}" for code, kind in codes)
    sql = (
        "SELECT k.pos, c.id, c.name, c.aum, c.branch_id, c.owner_id, s.active"  # noqa: S608  (quoted names)
        f"{columns} FROM (SELECT pos, customer_id, ROW_NUMBER() OVER "
        "(PARTITION BY customer_id ORDER BY pos) AS nth FROM rm_gen_match) k "
        "LEFT JOIN rm_open_count o ON o.customer_id = k.customer_id "
        f"JOIN {customers} c ON c.id = k.customer_id "
        f"JOIN {features} f ON f.customer_id = k.customer_id "
        f"LEFT JOIN {staff} s ON s.user_id = c.owner_id "
        "WHERE k.nth <= %s - COALESCE(o.n, 0) ORDER BY k.customer_id, k.pos"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [cap])
        while rows := cursor.fetchmany(BATCH):
            yield rows


class _RuleReasons:
    """What one rule's opportunities say: reason (indicators, tags) and rendered script."""

    def __init__(
        self,
        rule: OpportunityRule,
        condition: Condition,
        *,
        now: datetime,
        positions: dict[str, int],
        kinds: dict[str, str],
        tag_names: dict[str, str],
        indicator_names: dict[str, tuple[str, str]],
    ) -> None:
        self.rule = rule
        self.codes = sorted(condition.indicators)
        self.positions = [positions[code] for code in self.codes]
        self.kinds = [kinds[code] for code in self.codes]
        self.tags, self.became = condition.tag_codes()
        self.tag_names = tag_names
        self.indicator_names = indicator_names
        self.fields = script_fields(rule.script)
        self.due_at = now + timedelta(days=rule.due_days)
        self.due_date = f"{timezone.localtime(self.due_at):%Y-%m-%d}"


def opportunities_one_pass(
    parsed: list[tuple[OpportunityRule, Condition]],
    *,
    now: datetime,
    since: dict[int, datetime],
    context: RuleContext,
    people: Any,
    span: Span,
    cap: int,
) -> dict[str, int]:
    """Every parsed rule (in priority order) over `span`: {code: created}. Expects rm_open_count."""
    from rm_portal.opportunities.services.generation import _money, _reason_value

    _match(parsed, now=now, since=since, context=context, span=span)
    all_codes = sorted({code for _rule, condition in parsed for code in condition.indicators})
    codes = [(code, context.indicators[code]) for code in all_codes]
    positions = {code: 7 + i for i, code in enumerate(all_codes)}
    wanted_tags = set().union(*(set().union(*condition.tag_codes()) for _rule, condition in parsed))
    tag_names = dict(TagDefinition.objects.filter(code__in=wanted_tags).values_list("code", "name"))
    indicator_names = {
        code: (name, unit)
        for code, name, unit in IndicatorDefinition.objects.filter(code__in=all_codes).values_list(
            "code", "name", "unit"
        )
    }
    reasons = [
        _RuleReasons(
            rule,
            condition,
            now=now,
            positions=positions,
            kinds=context.indicators,
            tag_names=tag_names,
            indicator_names=indicator_names,
        )
        for rule, condition in parsed
    ]
    need_holdings = any(r.fields & {"product", "maturity_date", "amount"} for r in reasons)
    today = timezone.localdate(now)
    for rows in _kept(codes, cap):
        ids = sorted({row[1] for row in rows})
        held: dict[int, set[str]] = defaultdict(set)
        if wanted_tags:
            for customer_id, code in CustomerTag.objects.filter(
                customer_id__in=ids, tag__code__in=wanted_tags
            ).values_list("customer_id", "tag__code"):
                held[customer_id].add(code)
        soonest: dict[int, Holding] = {}
        if need_holdings:
            for held_product in Holding.objects.filter(
                customer_id__in=ids, maturity_date__gte=today
            ).order_by("customer_id", "maturity_date", "id"):
                soonest.setdefault(held_product.customer_id, held_product)
        made: list[tuple[int, int, int | None, int, dict[str, Any], str, datetime]] = []
        for row in rows:
            r = reasons[row[0]]
            customer_id, name, aum, branch_id, owner_id, owner_active = row[1:7]
            owner = owner_id if owner_active else None
            indicators = []
            for code, at, kind in zip(r.codes, r.positions, r.kinds, strict=True):
                label, unit = r.indicator_names.get(code, (code, ""))
                value = _reason_value(_typed(row[at], kind), kind)
                indicators.append({"code": code, "name": label, "value": value, "unit": unit})
            tags = held.get(customer_id, set())
            reason = {
                "indicators": indicators,
                "tags": [{"code": c, "name": r.tag_names.get(c, c)} for c in sorted(tags & r.tags)],
                "became": [{"code": c, "name": r.tag_names.get(c, c)} for c in sorted(tags & r.became)],
            }
            holding = soonest.get(customer_id)
            if owner:
                rm_name = people.names.get(owner, "")
            else:
                leads = people.leads.get(branch_id, [])
                rm_name = people.names.get(leads[0].pk, "") if leads else ""
            script = script_render(
                r.rule.script,
                {
                    "customer_name": name,
                    "rm_name": rm_name,
                    "branch_name": people.branch_names.get(branch_id, ""),
                    "rule_name": r.rule.name,
                    "product": holding.product if holding else "",
                    "maturity_date": f"{holding.maturity_date:%Y-%m-%d}" if holding else "",
                    "amount": _money(holding.amount) if holding else "",
                    "aum": _money(_decimal(aum)),
                    "due_date": r.due_date,
                },
            )
            made.append((r.rule.pk, customer_id, owner, branch_id, reason, script, r.due_at))
        _insert(made, now)
    counts = dict(
        _made(now, [rule.pk for rule, _condition in parsed], span)
        .values_list("rule_id")
        .annotate(n=Count("id"))
        .values_list("rule_id", "n")
    )
    return {rule.code: counts.get(rule.pk, 0) for rule, _condition in parsed}


def _made(now: datetime, rule_ids: list[int], span: Span) -> Any:
    made = Opportunity.objects.filter(rule_id__in=rule_ids, created_at=now).order_by()
    if span is not None:
        made = made.filter(customer_id__gte=span[0], customer_id__lte=span[1])
    return made


def _typed(value: object, kind: str) -> object:
    """A raw column as the ORM would give it: SQLite hands flags back as 0/1."""
    if kind == "flag" and value is not None:
        return bool(value)
    if kind == "number" and isinstance(value, int | Decimal) and not isinstance(value, bool):
        return float(value)
    return value


def _decimal(value: object) -> Decimal | None:
    """The customer's AUM as the model field reads it (SQLite hands a float back)."""
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(value).quantize(CENT) if isinstance(value, float) else Decimal(str(value))


NewRow = tuple[int, int, int | None, int, dict[str, Any], str, datetime]


def _sqlite_row(row: NewRow, adapt: Any) -> tuple[Any, ...]:
    rule_id, customer_id, owner, branch_id, reason, script, due_at = row
    return (
        rule_id,
        customer_id,
        owner,
        branch_id,
        json.dumps(reason, ensure_ascii=False),
        script,
        adapt(due_at),
    )


def _insert(rows: list[NewRow], now: datetime) -> None:
    """The batch into a temporary table (COPY on PostgreSQL, one executemany on SQLite), then one
    INSERT … SELECT that skips a pair already open (the open-per-rule-and-customer index decides,
    so a concurrent second run is harmless). Model instances cost more than the database here."""
    if not rows:
        return
    table = _q(Opportunity._meta.db_table)
    postgres = connection.vendor == "postgresql"
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute(
                "CREATE TEMPORARY TABLE IF NOT EXISTS opportunity_load_all (rule_id bigint, "
                "customer_id bigint, assignee_id bigint, branch_id bigint, reason jsonb, script text, "
                "due_at timestamptz) ON COMMIT DROP"
            )
            cursor.execute("TRUNCATE opportunity_load_all")
            with cursor.cursor.copy(
                "COPY opportunity_load_all (rule_id, customer_id, assignee_id, branch_id, reason, script, "
                "due_at) FROM STDIN"
            ) as copy:
                for rule_id, customer_id, owner, branch_id, reason, script, due_at in rows:
                    reason_text = json.dumps(reason, ensure_ascii=False)
                    copy.write_row((rule_id, customer_id, owner, branch_id, reason_text, script, due_at))
        else:
            cursor.execute("DROP TABLE IF EXISTS opportunity_load_all")
            cursor.execute(
                "CREATE TEMP TABLE opportunity_load_all (rule_id integer, customer_id integer, "
                "assignee_id integer, branch_id integer, reason text, script text, due_at text)"
            )
            cursor.executemany(
                "INSERT INTO opportunity_load_all VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [_sqlite_row(row, adapt) for row in rows],
            )
        insert, tail = ("INSERT", " ON CONFLICT DO NOTHING") if postgres else ("INSERT OR IGNORE", "")
        cursor.execute(
            f"{insert} INTO {table} (rule_id, customer_id, assignee_id, branch_id, status, outcome, note, "  # noqa: S608  (a quoted table name)
            "reason, script, created_at, due_at, review_comment) "
            "SELECT rule_id, customer_id, assignee_id, branch_id, %s, '', '', reason, script, %s, due_at, '' "
            f"FROM opportunity_load_all{tail}",
            [Opportunity.Status.OPEN, adapt(now)],
        )
