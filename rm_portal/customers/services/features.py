"""The narrow feature table (`customers_features`): a typed column per indicator the rules use.

Tag recompute and opportunity generation compare a few dozen indicators per customer; reading them
out of the 448-key wide record (JSONB, TOASTed and compressed on PostgreSQL; JSON text on SQLite)
costs far more than the comparisons. This table holds them as real typed columns (`n_<code>`
double precision, `t_<code>` text, `b_<code>` boolean), added by `features_ensure` when a rule
starts using an indicator (ALTER TABLE … ADD COLUMN, the same on both databases) and filled from
the wide records.

Which rows to read again comes from the database: triggers on the wide table (migration 0005) put
every customer whose record was inserted, updated or deleted in `customers_featurestale`, whoever
wrote it. `features_refresh` reads only those records, rewrites their rows set-based (one
INSERT … ON CONFLICT DO UPDATE) and stamps `changed_at` on a row only when a value the rules read
changed, so an incremental recompute looks at exactly the customers whose inputs moved.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from rm_portal.customers.services.locks import IMPORT_LOCK, hold

TABLE = "customers_features"
STALE = "customers_featurestale"
PREFIX = {"number": "n", "text": "t", "flag": "b"}
SQL_TYPES = {
    "postgresql": {"number": "double precision", "text": "text", "flag": "boolean"},
    "sqlite": {"number": "real", "text": "text", "flag": "boolean"},
}
# Above this share of the table, a refresh reads the wide table in one hash join (every record
# decompressed once) rather than one index probe per stale customer, and ANALYZEs afterwards.
BULK_SHARE = 0.1
BULK_MIN = 10_000


def feature_column(code: str, kind: str) -> str:
    """The column of an indicator: the type is in the name, so a changed type is a new column.
    Long codes are hashed (PostgreSQL truncates identifiers past 63 bytes)."""
    name = f"{PREFIX[kind]}_{code}"
    if len(name.encode()) > 60:
        name = f"{PREFIX[kind]}_h{hashlib.blake2b(code.encode(), digest_size=8).hexdigest()}"
    return name


@dataclass
class Refresh:
    at: datetime
    added: set[str] = field(default_factory=set)  # indicator codes whose column is new
    stale: int = 0  # customers read again


def features_columns(cursor: CursorWrapper) -> set[str]:
    """The table's columns, in one cheap query (the introspection API costs one per column on SQLite)."""
    cursor.execute(f"SELECT * FROM {TABLE} WHERE 1 = 0")  # noqa: S608
    return {column[0] for column in cursor.description}


def _extract(code: str, kind: str, wide: str, params: list[Any]) -> str:
    """SQL reading one indicator out of a wide record, as its type; a value of another JSON type
    (a number indicator holding text, written around the import's checks) reads as missing."""
    if connection.vendor == "postgresql":
        params += [code, code]
        if kind == "number":
            return f"CASE WHEN jsonb_typeof({wide} -> %s) = 'number' THEN ({wide} ->> %s)::float8 END"
        if kind == "flag":
            return f"CASE WHEN jsonb_typeof({wide} -> %s) = 'boolean' THEN ({wide} ->> %s)::boolean END"
        params.pop()
        return f"({wide} ->> %s)"
    path = '$."' + code.replace('"', '\\"') + '"'
    if kind == "number":
        params += [path, path]
        return f"CASE WHEN json_type({wide}, %s) IN ('integer', 'real') THEN json_extract({wide}, %s) END"
    if kind == "flag":
        params.append(path)
        return f"CASE json_type({wide}, %s) WHEN 'true' THEN 1 WHEN 'false' THEN 0 END"
    params.append(path)
    return f"json_extract({wide}, %s)"


def _upsert(
    cursor: CursorWrapper,
    source: str,
    columns: Mapping[str, str],
    compared: list[str],
    at: datetime,
    bulk: bool,
) -> None:
    """Rewrite the rows of the customers in temp table `source` from their latest wide records.
    `compared`: the columns that were there before; `changed_at` moves only if one of them (or
    `present`) differs. Only quoted names and placeholders are formatted into the SQL."""
    quote = connection.ops.quote_name
    params: list[Any] = [connection.ops.adapt_datetimefield_value(at)]
    names = [quote(feature_column(code, kind)) for code, kind in columns.items()]
    if connection.vendor == "postgresql":
        reads = [_extract(code, kind, "r.w", params) for code, kind in columns.items()]
        if bulk:
            wide = (
                "LEFT JOIN (SELECT customer_id, \"values\" || '{}'::jsonb AS w "
                "FROM customers_indicatorvalues WHERE is_latest OFFSET 0) r ON r.customer_id = s.customer_id"
            )
        else:
            # OFFSET 0 keeps the subquery whole, so each record is decompressed once, not per column.
            wide = (
                "LEFT JOIN LATERAL (SELECT \"values\" || '{}'::jsonb AS w FROM customers_indicatorvalues i "
                "WHERE i.customer_id = s.customer_id AND i.is_latest OFFSET 0) r ON true"
            )
        present = "r.w IS NOT NULL"
        distinct = "IS DISTINCT FROM"
    else:
        reads = [_extract(code, kind, 'r."values"', params) for code, kind in columns.items()]
        wide = "LEFT JOIN customers_indicatorvalues r ON r.customer_id = s.customer_id AND r.is_latest"
        present = "r.id IS NOT NULL"
        distinct = "IS NOT"
    old, new = f"{TABLE}.present", "excluded.present"
    if compared:
        old = "(" + ", ".join([old, *(f"{TABLE}.{quote(c)}" for c in compared)]) + ")"
        new = "(" + ", ".join([new, *(f"excluded.{quote(c)}" for c in compared)]) + ")"
    updates = ", ".join(
        [
            "present = excluded.present",
            *(f"{name} = excluded.{name}" for name in names),
            f"changed_at = CASE WHEN {old} {distinct} {new} "
            f"THEN excluded.changed_at ELSE {TABLE}.changed_at END",
        ]
    )
    cursor.execute(
        f"INSERT INTO {TABLE} (customer_id, present, changed_at{''.join(', ' + n for n in names)}) "  # noqa: S608
        f"SELECT s.customer_id, {present}, %s{''.join(', ' + r for r in reads)} "
        f"FROM {source} s JOIN customers_customer c ON c.id = s.customer_id {wide} "
        f"WHERE true ON CONFLICT (customer_id) DO UPDATE SET {updates}",
        params,
    )


def features_refresh(indicators: Mapping[str, str], *, defined: Mapping[str, str] | None = None) -> Refresh:
    """Make sure a column exists for each of `indicators` (code → type) and bring every row
    up to date with the wide records. A new column is filled for every customer; otherwise only
    the customers the triggers queued are read. Its own transaction, holding the import's turn
    (`IMPORT_LOCK`), so no import batch is half-written while the queue is taken.
    `defined`: every indicator definition (code → type), when the caller has them at hand."""
    from rm_portal.customers.models import IndicatorDefinition

    at = timezone.now()
    refresh = Refresh(at=at)
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        hold(IMPORT_LOCK)
        present = features_columns(cursor)
        if defined is None:
            defined = dict(IndicatorDefinition.objects.values_list("code", "type"))
        by_column = {
            feature_column(code, kind): (code, kind) for code, kind in defined.items() if kind in PREFIX
        }
        columns: dict[str, str] = {}
        for name in sorted(present):
            if name in by_column:
                columns[by_column[name][0]] = by_column[name][1]
            elif name[:2] in ("n_", "t_", "b_"):
                # The indicator is gone or changed type: its column would only go stale.
                cursor.execute(f"ALTER TABLE {TABLE} DROP COLUMN {quote(name)}")
        for code, kind in indicators.items():
            column = feature_column(code, kind)
            if kind in PREFIX and column not in present:
                sql_type = SQL_TYPES[connection.vendor][kind]
                cursor.execute(f"ALTER TABLE {TABLE} ADD COLUMN {quote(column)} {sql_type} NULL")
                refresh.added.add(code)
                columns[code] = kind
        cursor.execute("DROP TABLE IF EXISTS rm_feature_stale")
        if refresh.added:
            # A new column: every customer with a record is read once (the other columns too).
            cursor.execute(
                "CREATE TEMP TABLE rm_feature_stale AS SELECT DISTINCT customer_id "  # noqa: S608
                f"FROM customers_indicatorvalues UNION SELECT customer_id FROM {STALE}"
            )
        else:
            cursor.execute(f"CREATE TEMP TABLE rm_feature_stale AS SELECT customer_id FROM {STALE}")  # noqa: S608
        cursor.execute(f"SELECT (SELECT count(*) FROM rm_feature_stale), (SELECT count(*) FROM {TABLE})")  # noqa: S608
        stale, rows = (int(n) for n in cursor.fetchone())
        refresh.stale = stale
        if stale:
            bulk = stale >= BULK_MIN and stale >= BULK_SHARE * rows
            compared = [feature_column(c, k) for c, k in columns.items() if c not in refresh.added]
            _upsert(cursor, "rm_feature_stale", columns, compared, at, bulk)
            cursor.execute(
                f"DELETE FROM {STALE} WHERE customer_id IN (SELECT customer_id FROM rm_feature_stale)"  # noqa: S608
            )
            if bulk and connection.vendor == "postgresql":
                cursor.execute(f"ANALYZE {TABLE}")
    return refresh
