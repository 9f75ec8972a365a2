"""The run's narrow copy of the latest wide records (`ConditionSnapshot`): only the indicators
its rules use, one small JSON document per customer, made in one pass inside the run's transaction."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

from rm_portal.customers.models import IndicatorValues
from rm_portal.customers.rules import RuleError
from rm_portal.customers.services.tags import RuleContext
from rm_portal.opportunities.conditions import condition_parse
from rm_portal.opportunities.models import ConditionSnapshot, OpportunityRule


def _indicator_codes(rules: list[OpportunityRule], context: RuleContext) -> list[str]:
    codes: set[str] = set()
    for rule in rules:
        try:
            codes |= condition_parse(rule.condition, context=context).indicators
        except RuleError:
            continue  # skipped (and logged) by _rule_run
    return sorted(codes)


def snapshot_refresh(rules: list[OpportunityRule], *, context: RuleContext) -> QuerySet[ConditionSnapshot]:
    """Copy the indicators the rules use out of the latest wide records, in one pass that
    reads each wide document once. Only quoted table and column names and placeholders are
    formatted into the SQL; the indicator codes are parameters.

    PostgreSQL: `values || '{}'` in a subquery that is not flattened de-compresses each JSONB
    document once; TRUNCATE holds the table until the run commits, so a second run waits.
    SQLite: json_each walks each document once (the writer lock already serialises runs)."""
    codes = _indicator_codes(rules, context)
    quote = connection.ops.quote_name
    table, wide, values = (
        quote(ConditionSnapshot._meta.db_table),
        quote(IndicatorValues._meta.db_table),
        quote("values"),
    )
    params: list[str] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # jsonb_build_object takes at most 100 arguments: 50 keys per call, joined with ||.
            parts = []
            for start in range(0, len(codes), 50):
                chunk = codes[start : start + 50]
                parts.append(
                    "jsonb_build_object(" + ", ".join(["%s::text, wide -> %s::text"] * len(chunk)) + ")"
                )
                for code in chunk:
                    params += [code, code]
            document = " || ".join(parts) or "'{}'::jsonb"
            wide_once = f"{values} || '{{}}'::jsonb AS wide"
            latest = f"SELECT customer_id, {wide_once} FROM {wide} WHERE is_latest OFFSET 0"  # noqa: S608
            cursor.execute(f"TRUNCATE {table}")
            cursor.execute(
                f"INSERT INTO {table} (customer_id, {values}) "  # noqa: S608
                f"SELECT customer_id, jsonb_strip_nulls({document}) FROM ({latest}) latest",
                params,
            )
        else:
            marks = ", ".join(["%s"] * len(codes)) or "NULL"
            # json_each gives booleans as 1/0: put JSON true/false back so `flag = true` still holds.
            item = "CASE type WHEN 'true' THEN json('true') WHEN 'false' THEN json('false') ELSE value END"
            document = (
                f"(SELECT json_group_object(key, {item}) FROM json_each(wide.{values}) "  # noqa: S608
                f"WHERE type != 'null' AND key IN ({marks}))"
            )
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
            cursor.execute(
                f"INSERT INTO {table} (customer_id, {values}) "  # noqa: S608
                f"SELECT customer_id, COALESCE({document}, '{{}}') FROM {wide} AS wide WHERE is_latest",
                codes,
            )
    return ConditionSnapshot.objects.all()


def snapshot_clear() -> None:
    table = connection.ops.quote_name(ConditionSnapshot._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table}" if connection.vendor == "postgresql" else f"DELETE FROM {table}")  # noqa: S608
