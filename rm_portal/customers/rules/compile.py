"""Compiling a checked tree to SQL: a Django `Q` over the wide table (one query per tag), or one
SQL boolean per tag over a record decoded once for all tags (`RecordCompiler`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db.models import FloatField, Q, TextField
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from rm_portal.customers.rules.parser import MAX_DEPTH, BoolOp, InList, Node, Not, RuleError, TagRef

_LOOKUPS = {"=": "exact", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}


class QueryCompiler:
    """Compiles a checked tree to a `Q` over IndicatorValues (field `values`) plus the aliases
    the `Q` refers to. Numbers are compared as numbers (a cast of the JSON text), never as
    strings; a missing value makes the comparison false, also under `not`."""

    def __init__(
        self,
        indicators: Mapping[str, str],
        tag_subquery: Callable[[str], Any],
        column: Callable[[str, str], Any] | None = None,
    ) -> None:
        self.indicators = indicators
        self.tag_subquery = tag_subquery
        # `column(code, type)`: an expression for a typed column (the narrow feature table)
        # instead of an extraction from the JSON `values`.
        self.column = column
        self.aliases: dict[str, Any] = {}
        self._names: dict[tuple[str, str], str] = {}

    def alias(self, code: str) -> str:
        kind = self.indicators[code]
        key = (code, kind)
        if key not in self._names:
            name = f"_rule_{len(self._names)}"
            expression: Any
            if self.column is not None:
                expression = self.column(code, kind)
            elif kind == "number":
                expression = Cast(KeyTextTransform(code, "values"), FloatField())
            elif kind == "flag":
                expression = KeyTransform(code, "values")
            else:
                # Cast: a bare key transform would compare JSON to JSON, not text to text.
                expression = Cast(KeyTextTransform(code, "values"), TextField())
            self._names[key] = name
            self.aliases[name] = expression
        return self._names[key]

    def compile(self, node: Node, negated: bool = False) -> Q:
        """`negated`: under an odd number of `not`s. Only there does a missing value need an
        explicit guard; elsewhere SQL's NULL already makes the comparison false."""
        if isinstance(node, BoolOp):
            result = self.compile(node.items[0], negated)
            for item in node.items[1:]:
                other = self.compile(item, negated)
                result = (result & other) if node.op == "and" else (result | other)
            return result
        if isinstance(node, Not):
            return ~self.compile(node.item, not negated)
        if isinstance(node, TagRef):
            return Q(customer_id__in=self.tag_subquery(node.ref))
        name = self.alias(node.code)
        inner_not = node.negated if isinstance(node, InList) else node.op == "!="
        if isinstance(node, InList):
            condition = Q(**{f"{name}__in": list(node.values)})
        elif node.op == "!=":
            condition = Q(**{name: node.value})
        else:
            condition = Q(**{f"{name}__{_LOOKUPS[node.op]}": node.value})
        condition = ~condition if inner_not else condition
        if negated:
            condition = Q(**{f"{name}__isnull": False}) & condition
        return condition


class RecordCompiler:
    """Compiles a checked tree to an SQL boolean expression over `x`, one row per customer with
    a column per indicator the rules use: on PostgreSQL `jsonb_to_record(values) AS
    x(<record_definition()>)`, on SQLite a temporary table built by `sqlite_pivot()`. Either way
    the 448-key record is parsed once per row for all tags, instead of once per extraction
    (that parse is what a rule costs). Same semantics as QueryCompiler:
    numbers compare as float8, a missing value makes a comparison false, also under `not`.
    Tag references are expanded to the referenced tag's rule (`expand`), so one row's
    every tag is decided in the same pass. Values and keys are always bound parameters."""

    def __init__(self, indicators: Mapping[str, str], expand: Callable[[str], Node | None]) -> None:
        self.indicators = indicators
        self.expand = expand
        self.columns: dict[str, str] = {}  # code -> "quoted name" in the record's column list

    def column(self, code: str) -> str:
        if code not in self.columns:
            self.columns[code] = '"' + code.replace('"', '""') + '"'
        return "x." + self.columns[code]

    def record_definition(self) -> str:
        """The column list for `jsonb_to_record(values) AS x(...)`: every code the rules use, typed."""
        types = {"number": "float8", "flag": "boolean", "text": "text"}
        return (
            ", ".join(f"{name} {types[self.indicators[code]]}" for code, name in self.columns.items())
            or '"-" text'
        )

    def sqlite_pivot(self) -> tuple[str, list[Any]]:
        """SELECT customer_id and one column per used indicator from the latest records, with
        json_each parsing each record once. A LEFT JOIN keeps customers without any of them."""
        params: list[Any] = []
        picks = []
        for code, name in self.columns.items():
            picks.append(f"MAX(CASE WHEN j.key = %s THEN j.value END) AS {name}")
            params.append(code)
        marks = ", ".join(["%s"] * len(self.columns)) or "NULL"
        params.extend(self.columns)
        sql = (
            f"SELECT i.customer_id, {', '.join(picks) or 'NULL AS unused'} "  # noqa: S608  (quoted codes and placeholders only)
            'FROM customers_indicatorvalues i LEFT JOIN json_each(i."values") j '
            f"ON j.key IN ({marks}) WHERE i.is_latest GROUP BY i.customer_id"
        )
        return sql, params

    def compile(self, node: Node, params: list[Any], negated: bool = False, depth: int = 0) -> str:
        if depth > MAX_DEPTH:
            raise RuleError(1, _("嵌套过深"))
        if isinstance(node, BoolOp):
            joiner = " AND " if node.op == "and" else " OR "
            return (
                "(" + joiner.join(self.compile(item, params, negated, depth + 1) for item in node.items) + ")"
            )
        if isinstance(node, Not):
            return "(NOT " + self.compile(node.item, params, not negated, depth + 1) + ")"
        if isinstance(node, TagRef):
            tree = self.expand(node.ref)
            return "FALSE" if tree is None else self.compile(tree, params, negated, depth + 1)
        kind = self.indicators[node.code]
        extract = self.column(node.code)
        own: list[Any] = []

        def literal(value: Any) -> Any:
            return float(value) if kind == "number" else value

        if isinstance(node, InList):
            own.extend(literal(value) for value in node.values)
            marks = ", ".join(["%s"] * len(node.values))
            sql = f"({extract} {'NOT IN' if node.negated else 'IN'} ({marks}))"
        else:
            own.append(literal(node.value))
            sql = f"({extract} {'<>' if node.op == '!=' else node.op} %s)"
        if negated:
            sql = f"({extract} IS NOT NULL AND {sql})"
        params.extend(own)
        return sql


class FeatureCompiler(RecordCompiler):
    """RecordCompiler over the narrow feature table (`customers_features AS x`): each indicator
    is its typed column, named by `naming(code, type)`; nothing is parsed at all."""

    def __init__(
        self,
        indicators: Mapping[str, str],
        expand: Callable[[str], Node | None],
        naming: Callable[[str, str], str],
    ) -> None:
        super().__init__(indicators, expand)
        self.naming = naming

    def column(self, code: str) -> str:
        if code not in self.columns:
            self.columns[code] = '"' + self.naming(code, self.indicators[code]).replace('"', '""') + '"'
        return "x." + self.columns[code]
