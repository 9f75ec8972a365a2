"""Generation (生成) and dispatch (下发): set-based, idempotent, capped.

Per rule: ONE query finds the customers whose latest wide record satisfies the condition,
minus those with an open opportunity of the rule, those in the rule's cooldown and those
already at the per-customer cap; the rows stream out in batches that are bulk-inserted with
ignore_conflicts (the partial unique constraint makes a concurrent second run harmless).
Rules run from the highest priority down, so when the cap bites the higher priority wins.
Afterwards each RM gets ONE notification for everything the run gave them; opportunities of
customers without an active owner go to the branch lead's queue and the lead is told.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import BooleanField, Field, FloatField, Q, TextField
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from rm_portal.core.errors import Conflict
from rm_portal.customers.models import (
    CustomerFeatures,
    CustomerTag,
    Holding,
    IndicatorDefinition,
    TagDefinition,
)
from rm_portal.customers.rules import RuleError
from rm_portal.customers.services.features import feature_column, features_refresh
from rm_portal.customers.services.tags import RuleContext
from rm_portal.opportunities.conditions import (
    FIRST_RUN_WINDOW,
    Condition,
    condition_matching,
    condition_parse,
)
from rm_portal.opportunities.models import Opportunity, OpportunityRule
from rm_portal.opportunities.notices import opportunities_announce
from rm_portal.opportunities.scripts import script_fields, script_render
from rm_portal.org.models import Branch, Role, Staff

logger = logging.getLogger(__name__)

# A customer never has more than this many open opportunities at once, across all rules.
MAX_OPEN_PER_CUSTOMER = 3
BATCH = 2000
HOLDING_FIELDS = {"product", "maturity_date", "amount"}
# One new opportunity: customer id, assignee id (None: the lead's queue), branch id, reason, script.
NewRow = tuple[int, int | None, int, dict[str, Any], str]


@dataclass
class People:
    names: dict[int, str]  # user id -> staff name
    leads: dict[int, list[User]] = field(default_factory=dict)  # branch id -> active leads
    branch_names: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls) -> People:
        people = cls(names=dict(Staff.objects.values_list("user_id", "name")))
        for staff in Staff.objects.filter(role=Role.BRANCH_LEAD, active=True).select_related("user"):
            people.leads.setdefault(staff.branch_id, []).append(staff.user)
        people.branch_names = dict(Branch.objects.values_list("id", "name"))
        return people


def _money(value: object) -> str:
    if value in (None, ""):
        return ""
    return f"{Decimal(str(value)):,.2f}"


Span = tuple[int, int] | None  # an inclusive customer-id range, or every customer


def _chosen(rules: Sequence[OpportunityRule] | None) -> list[OpportunityRule]:
    chosen = list(rules) if rules is not None else list(OpportunityRule.objects.filter(active=True))
    chosen.sort(key=lambda rule: (-rule.priority, rule.code))
    return chosen


def _features(rules: Sequence[OpportunityRule], context: RuleContext) -> None:
    """Bring the feature table up to date for the indicators these rules read."""
    codes: set[str] = set()
    for rule in rules:
        try:
            codes |= condition_parse(rule.condition, context=context).indicators
        except RuleError:
            continue  # skipped (and logged) when the rule runs
    features_refresh({code: context.indicators[code] for code in codes}, defined=context.indicators)


def opportunity_rules_run(
    *, rules: Sequence[OpportunityRule] | None = None, now: datetime | None = None, one_pass: bool = True
) -> dict[str, int]:
    """Run the given rules (default: every active one) and dispatch: {rule code: created}.
    In one transaction holding the rules' rows, so a second run started meanwhile waits for this
    one and then finds nothing new. `one_pass=False` runs rule after rule (the earlier way, kept
    for the benchmark's comparison and the equality tests)."""
    now = now or timezone.now()
    chosen = _chosen(rules)
    context = RuleContext.load()
    people = People.load()
    _features(chosen, context)
    with transaction.atomic():
        locked = {
            rule.pk: rule
            for rule in OpportunityRule.objects.select_for_update()
            .filter(pk__in=[rule.pk for rule in chosen])
            .order_by("pk")
        }
        ordered = [locked[rule.pk] for rule in chosen if rule.pk in locked]
        since = {rule.pk: rule.last_run_at or (now - FIRST_RUN_WINDOW) for rule in ordered}
        created, ran = _run_rules(
            ordered, now=now, since=since, context=context, people=people, span=None, one_pass=one_pass
        )
        OpportunityRule.objects.filter(pk__in=ran).update(last_run_at=now)
    if any(created.values()):
        _dispatch(now=now, people=people)
    return created


def opportunity_rules_run_active(*, codes: Sequence[str] = ()) -> dict[str, int]:
    """The nightly run: every active rule, or the active ones among `codes`."""
    rules = OpportunityRule.objects.filter(active=True)
    if codes:
        rules = rules.filter(code__in=codes)
    return opportunity_rules_run(rules=list(rules))


def opportunity_rule_run(*, rule: OpportunityRule) -> int:
    """Run one rule now (head office, on demand): the number of opportunities it created.
    An inactive rule is not run; `manage.py run_opportunity_rules --rule` can still force it."""
    if not rule.active:
        raise Conflict(_("规则未启用"))
    return opportunity_rules_run(rules=[rule])[rule.code]


def _run_rules(
    rules: list[OpportunityRule],
    *,
    now: datetime,
    since: dict[int, datetime],
    context: RuleContext,
    people: People,
    span: Span,
    one_pass: bool = True,
) -> tuple[dict[str, int], list[int]]:
    """Every rule in priority order over the customers of `span`: {code: created}, and the ids
    of the rules that ran. The open count per customer is read ONCE (a temporary table). In one
    pass (onepass.py) all rules are matched by one statement and capped together; rule by rule,
    the count is kept up to date as each rule adds its opportunities."""
    if one_pass:
        return _run_rules_one_pass(rules, now=now, since=since, context=context, people=people, span=span)
    created: dict[str, int] = {}
    ran: list[int] = []
    _cap_prepare(span)
    for rule in rules:
        try:
            condition = condition_parse(rule.condition, context=context)
        except RuleError as error:
            # An indicator or tag the rule uses was removed after it was saved.
            logger.warning("opportunity rule %s not run: %s", rule.code, error.text)
            created[rule.code] = 0
            continue
        created[rule.code] = _rule_run(
            rule, condition, now=now, since=since[rule.pk], context=context, people=people, span=span
        )
        ran.append(rule.pk)
        if created[rule.code]:
            _cap_add(rule, now, span)
    return created, ran


def _run_rules_one_pass(
    rules: list[OpportunityRule],
    *,
    now: datetime,
    since: dict[int, datetime],
    context: RuleContext,
    people: People,
    span: Span,
) -> tuple[dict[str, int], list[int]]:
    from rm_portal.opportunities.services.onepass import opportunities_one_pass

    created: dict[str, int] = {}
    parsed: list[tuple[OpportunityRule, Condition]] = []
    for rule in rules:
        try:
            parsed.append((rule, condition_parse(rule.condition, context=context)))
        except RuleError as error:
            logger.warning("opportunity rule %s not run: %s", rule.code, error.text)
            created[rule.code] = 0
    if parsed:
        _cap_prepare(span)
        created.update(
            opportunities_one_pass(
                parsed,
                now=now,
                since=since,
                context=context,
                people=people,
                span=span,
                cap=MAX_OPEN_PER_CUSTOMER,
            )
        )
    return created, [rule.pk for rule, _condition in parsed]


def _span_sql(span: Span, params: list[Any]) -> str:
    if span is None:
        return ""
    params.extend(span)
    return " AND customer_id BETWEEN %s AND %s"


def _cap_prepare(span: Span) -> None:
    table = connection.ops.quote_name(Opportunity._meta.db_table)
    params: list[Any] = [Opportunity.Status.OPEN]
    where = _span_sql(span, params)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS rm_open_count")
        cursor.execute("CREATE TEMP TABLE rm_open_count (customer_id bigint PRIMARY KEY, n integer NOT NULL)")
        cursor.execute(
            "INSERT INTO rm_open_count (customer_id, n) SELECT customer_id, count(*) "  # noqa: S608  (a quoted table name)
            f"FROM {table} WHERE status = %s{where} GROUP BY customer_id",
            params,
        )


def _cap_add(rule: OpportunityRule, now: datetime, span: Span) -> None:
    table = connection.ops.quote_name(Opportunity._meta.db_table)
    params: list[Any] = [rule.pk, connection.ops.adapt_datetimefield_value(now), Opportunity.Status.OPEN]
    where = _span_sql(span, params)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO rm_open_count (customer_id, n) SELECT customer_id, 1 "  # noqa: S608  (a quoted table name)
            f"FROM {table} WHERE rule_id = %s AND created_at = %s AND status = %s{where} "
            "ON CONFLICT (customer_id) DO UPDATE SET n = rm_open_count.n + 1",
            params,
        )


def _excluded(rule: OpportunityRule, now: datetime) -> Q:
    cooldown_from = now - timedelta(days=rule.cooldown_days)
    same_rule = Opportunity.objects.filter(rule=rule).filter(
        Q(status=Opportunity.Status.OPEN)
        | Q(created_at__gte=cooldown_from)
        | Q(completed_at__gte=cooldown_from)
    )
    at_cap = RawSQL("SELECT customer_id FROM rm_open_count WHERE n >= %s", (MAX_OPEN_PER_CUSTOMER,))
    return Q(customer_id__in=same_rule.values("customer_id")) | Q(customer_id__in=at_cap)


def _feature_expression(code: str, kind: str) -> RawSQL:
    """A typed column of the feature table, as an expression the condition's Q can compare."""
    column = connection.ops.quote_name(feature_column(code, kind))
    output: Field[Any, Any] = {"number": FloatField(), "flag": BooleanField(), "text": TextField()}[kind]
    table = connection.ops.quote_name(CustomerFeatures._meta.db_table)
    return RawSQL(f"{table}.{column}", (), output)  # noqa: S611  (quoted names only)


def _reason_value(value: object, kind: str) -> object:
    """The value as the wide record held it: a whole number reads 3, not 3.0; a flag true/false."""
    if value is None:
        return None
    if kind == "flag":
        return bool(value)
    if kind == "number" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _rule_run(
    rule: OpportunityRule,
    condition: Condition,
    *,
    now: datetime,
    since: datetime,
    context: RuleContext,
    people: People,
    span: Span,
) -> int:
    codes = sorted(condition.indicators)
    source = CustomerFeatures.objects.filter(present=True)
    if span is not None:
        source = source.filter(customer_id__gte=span[0], customer_id__lte=span[1])
    rows = (
        condition_matching(condition, context=context, since=since, source=source, column=_feature_expression)
        .exclude(_excluded(rule, now))
        .values(
            "customer_id",
            "customer__name",
            "customer__aum",
            "customer__branch_id",
            "customer__owner_id",
            "customer__owner__staff__active",
            **{f"_v{i}": _feature_expression(code, context.indicators[code]) for i, code in enumerate(codes)},
        )
        .order_by()
    )
    builder = _Builder(rule, condition, codes, now=now, people=people)
    kinds = [context.indicators[code] for code in codes]
    batch: list[dict[str, Any]] = []
    for row in rows.iterator(chunk_size=BATCH):
        for i, kind in enumerate(kinds):
            row[f"_v{i}"] = _reason_value(row[f"_v{i}"], kind)
        batch.append(row)
        if len(batch) >= BATCH:
            builder.insert(batch)
            batch = []
    if batch:
        builder.insert(batch)
    made = Opportunity.objects.filter(rule=rule, created_at=now)
    if span is not None:
        made = made.filter(customer_id__gte=span[0], customer_id__lte=span[1])
    return made.count()


class _Builder:
    """Turns matched rows into Opportunity objects: assignee, reason, rendered script."""

    def __init__(
        self, rule: OpportunityRule, condition: Condition, codes: list[str], *, now: datetime, people: People
    ) -> None:
        self.rule = rule
        self.codes = codes
        self.now = now
        self.people = people
        self.due_at = now + timedelta(days=rule.due_days)
        self.due_date = f"{timezone.localtime(self.due_at):%Y-%m-%d}"
        self.tags, self.became = condition.tag_codes()
        self.tag_names = dict(
            TagDefinition.objects.filter(code__in=self.tags | self.became).values_list("code", "name")
        )
        self.indicators = {
            code: (name, unit)
            for code, name, unit in IndicatorDefinition.objects.filter(code__in=codes).values_list(
                "code", "name", "unit"
            )
        }
        self.fields = script_fields(rule.script)

    def _holdings(self, ids: list[int]) -> dict[int, Holding]:
        if not self.fields & HOLDING_FIELDS:
            return {}
        soonest: dict[int, Holding] = {}
        today = timezone.localdate(self.now)
        for holding in Holding.objects.filter(customer_id__in=ids, maturity_date__gte=today).order_by(
            "customer_id", "maturity_date", "id"
        ):
            soonest.setdefault(holding.customer_id, holding)
        return soonest

    def insert(self, rows: list[dict[str, Any]]) -> None:
        ids = [row["customer_id"] for row in rows]
        held: dict[int, set[str]] = defaultdict(set)
        wanted = self.tags | self.became
        if wanted:
            for customer_id, code in CustomerTag.objects.filter(
                customer_id__in=ids, tag__code__in=wanted
            ).values_list("customer_id", "tag__code"):
                held[customer_id].add(code)
        holdings = self._holdings(ids)
        objects: list[NewRow] = []
        for row in rows:
            owner = row["customer__owner_id"] if row["customer__owner__staff__active"] else None
            branch_id = row["customer__branch_id"]
            indicators = []
            for i, code in enumerate(self.codes):
                name, unit = self.indicators.get(code, (code, ""))
                indicators.append({"code": code, "name": name, "value": row[f"_v{i}"], "unit": unit})
            tags = held.get(row["customer_id"], set())
            reason = {
                "indicators": indicators,
                "tags": [{"code": c, "name": self.tag_names.get(c, c)} for c in sorted(tags & self.tags)],
                "became": [{"code": c, "name": self.tag_names.get(c, c)} for c in sorted(tags & self.became)],
            }
            holding = holdings.get(row["customer_id"])
            if owner:
                rm_name = self.people.names.get(owner, "")
            else:
                leads = self.people.leads.get(branch_id, [])
                rm_name = self.people.names.get(leads[0].pk, "") if leads else ""
            script = script_render(
                self.rule.script,
                {
                    "customer_name": row["customer__name"],
                    "rm_name": rm_name,
                    "branch_name": self.people.branch_names.get(branch_id, ""),
                    "rule_name": self.rule.name,
                    "product": holding.product if holding else "",
                    "maturity_date": f"{holding.maturity_date:%Y-%m-%d}" if holding else "",
                    "amount": _money(holding.amount) if holding else "",
                    "aum": _money(row["customer__aum"]),
                    "due_date": self.due_date,
                },
            )
            objects.append((row["customer_id"], owner, branch_id, reason, script))
        if connection.vendor == "postgresql":
            self._copy(objects)
            return
        Opportunity.objects.bulk_create(
            [
                Opportunity(
                    rule=self.rule,
                    customer_id=customer_id,
                    assignee_id=owner,
                    branch_id=branch_id,
                    reason=reason,
                    script=script,
                    created_at=self.now,
                    due_at=self.due_at,
                )
                for customer_id, owner, branch_id, reason, script in objects
            ],
            batch_size=BATCH,
            ignore_conflicts=True,
        )

    def _copy(self, objects: list[NewRow]) -> None:
        """PostgreSQL: COPY the batch into a temporary table, then one INSERT … SELECT … ON
        CONFLICT DO NOTHING (the open-per-rule-and-customer index still decides). Building
        model instances and binding arrays cost more than the database work at this size."""
        table = connection.ops.quote_name(Opportunity._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE IF NOT EXISTS opportunity_load (customer_id bigint, "
                "assignee_id bigint, branch_id bigint, reason jsonb, script text) ON COMMIT DROP"
            )
            cursor.execute("TRUNCATE opportunity_load")
            with cursor.cursor.copy(
                "COPY opportunity_load (customer_id, assignee_id, branch_id, reason, script) FROM STDIN"
            ) as copy:
                for customer_id, owner, branch_id, reason, script in objects:
                    copy.write_row(
                        (customer_id, owner, branch_id, json.dumps(reason, ensure_ascii=False), script)
                    )
            cursor.execute(
                f"INSERT INTO {table} (rule_id, customer_id, assignee_id, branch_id, status, outcome, note, "  # noqa: S608  (a quoted table name)
                "reason, script, created_at, due_at, review_comment) "
                "SELECT %s, customer_id, assignee_id, branch_id, %s, '', '', reason, script, %s, %s, '' "
                "FROM opportunity_load ON CONFLICT DO NOTHING",
                [self.rule.pk, Opportunity.Status.OPEN, self.now, self.due_at],
            )


def _dispatch(*, now: datetime, people: People) -> None:
    """One notification per RM (and per lead for the ownerless queue) for the whole run, saying
    what is new today (notices.py)."""
    opportunities_announce(now=now, leads=people.leads)
