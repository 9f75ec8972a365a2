"""Writing parsed rows: customers, their ownership history and the day's indicator records, in bulk."""

from __future__ import annotations

import json

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rm_portal.customers.models import Customer, IndicatorValues, OwnershipRecord
from rm_portal.customers.phones import phone_tail_of
from rm_portal.customers.services.imports.rows import BATCH, Context
from rm_portal.customers.services.locks import IMPORT_LOCK, hold

__all__ = ["IMPORT_LOCK", "apply_batch"]


def apply_batch(
    batch: list[tuple[int, str, dict[str, object], dict[str, object]]],
    ctx: Context,
    errors: list[dict[str, object]],
) -> None:
    """Write one batch of parsed rows in one transaction. Batches of every import take turns
    (`IMPORT_LOCK`), and each reads the customers it will write only once it holds the turn: two
    imports of the same file at once then write each customer once (the second finds them all
    unchanged) instead of both inserting it and one failing on the unique key."""
    with transaction.atomic():
        hold(IMPORT_LOCK)
        _apply_batch(batch, ctx, errors)


def _apply_batch(
    batch: list[tuple[int, str, dict[str, object], dict[str, object]]],
    ctx: Context,
    errors: list[dict[str, object]],
) -> None:
    existing = Customer.objects.in_bulk([row[1] for row in batch], field_name="cust_no")
    ready = []
    for number, cust_no, fields, values in batch:
        if "phone" in fields:  # bulk writes skip save(): keep the picker's indexed tail in step here
            fields["phone_tail"] = phone_tail_of(str(fields["phone"]))
        customer = existing.get(cust_no)
        branch_id = fields.get("branch_id", customer.branch_id if customer else None)
        problem = None
        if customer is None and (not fields.get("name") or branch_id is None):
            problem = _("新客户必须有 name 和 branch")
        elif isinstance(owner_id := fields.get("owner_id"), int) and ctx.rm_branch[owner_id] != branch_id:
            problem = _("客户经理不属于该客户的网点")
        if problem:
            ctx.failed += 1
            errors.append({"row": number, "cust_no": cust_no, "detail": problem})
            continue
        ready.append((cust_no, fields, values))
    if not ready:
        return
    now = timezone.now()
    new = [
        Customer(cust_no=cust_no, **fields) for cust_no, fields, _values in ready if cust_no not in existing
    ]
    Customer.objects.bulk_create(new, batch_size=BATCH)
    OwnershipRecord.objects.bulk_create(
        [
            OwnershipRecord(customer=c, owner_id=c.owner_id, started_at=now, reason="import")
            for c in new
            if c.owner_id
        ]
    )
    changed: dict[str, list[Customer]] = {}
    moved: list[Customer] = []
    for cust_no, fields, _values in ready:
        customer = existing.get(cust_no)
        if customer is None:
            continue
        diff = {name: value for name, value in fields.items() if getattr(customer, name) != value}
        if "owner_id" in diff:
            moved.append(customer)
        for name, value in diff.items():
            setattr(customer, name, value)
        if diff:
            changed.setdefault(",".join(sorted(diff)), []).append(customer)
    for names, customers in changed.items():
        Customer.objects.bulk_update(customers, [*names.split(","), "updated_at"], batch_size=BATCH)
    if moved:
        OwnershipRecord.objects.filter(customer__in=moved, ended_at=None).update(ended_at=now)
        OwnershipRecord.objects.bulk_create(
            [
                OwnershipRecord(customer=c, owner_id=c.owner_id, started_at=now, reason="import")
                for c in moved
                if c.owner_id is not None
            ]
        )
    ids = {c.cust_no: c.pk for c in new} | {no: c.pk for no, c in existing.items()}
    changed_customers = {c.pk for customers in changed.values() for c in customers}
    ctx.created += len(new)
    rows = [(ids[cust_no], values) for cust_no, _fields, values in ready]
    if connection.vendor == "postgresql":
        _merge_values_postgresql(rows, ctx, changed_customers, {c.pk for c in new})
    else:
        _write_values(rows, ctx, changed_customers, {c.pk for c in new})


def _write_values(  # SQLite: the bulk ORM path
    rows: list[tuple[int, dict[str, object]]],
    ctx: Context,
    changed_customers: set[int],
    new_customers: set[int],
) -> None:
    records = IndicatorValues.objects.filter(
        customer_id__in=[customer_id for customer_id, _v in rows]
    ).filter(is_latest=True) | IndicatorValues.objects.filter(
        customer_id__in=[c for c, _v in rows], as_of=ctx.as_of
    )
    latest: dict[int, IndicatorValues] = {}
    same_day: dict[int, IndicatorValues] = {}
    for found in records.only("id", "customer_id", "as_of", "values", "is_latest"):
        if found.is_latest:
            latest[found.customer_id] = found
        if found.as_of == ctx.as_of:
            same_day[found.customer_id] = found
    demote: list[IndicatorValues] = []
    update: list[IndicatorValues] = []
    create: list[IndicatorValues] = []
    for customer_id, values in rows:
        counted = customer_id in new_customers or customer_id in changed_customers
        current = latest.get(customer_id)
        record = same_day.get(customer_id)
        becomes_latest = current is None or current.as_of <= ctx.as_of
        base = (current.values if becomes_latest and current else record.values if record else {}) or {}
        merged = {k: v for k, v in {**base, **values}.items() if v is not None}
        if record is None:
            create.append(
                IndicatorValues(
                    customer_id=customer_id, as_of=ctx.as_of, values=merged, is_latest=becomes_latest
                )
            )
            if becomes_latest and current is not None:
                current.is_latest = False
                demote.append(current)
            ctx.updated += customer_id not in new_customers
        elif record.values != merged:
            record.values = merged
            update.append(record)
            ctx.updated += customer_id not in new_customers
        elif counted:
            ctx.updated += customer_id not in new_customers
        else:
            ctx.unchanged += 1
    # Demote before promoting: at most one latest record per customer at any moment.
    IndicatorValues.objects.bulk_update(demote, ["is_latest"], batch_size=BATCH)
    IndicatorValues.objects.bulk_update(update, ["values", "imported_at"], batch_size=BATCH)
    IndicatorValues.objects.bulk_create(create, batch_size=BATCH)


def _merge_values_postgresql(
    rows: list[tuple[int, dict[str, object]]],
    ctx: Context,
    changed_customers: set[int],
    new_customers: set[int],
) -> None:
    """PostgreSQL: COPY the batch's cells into a staging table and merge in SQL, so no stored
    448-key record is read into Python, decoded, compared and encoded again. The rules are those of
    `_write_values`: an empty cell (JSON null) removes the key (`jsonb_strip_nulls(base || new)`);
    the base is the latest record when this as-of date becomes the latest, else the day's own
    record; a day's record is created (demoting the older latest first) or updated only when the
    merged values differ; a customer whose fields changed counts as updated even if the values
    did not."""
    now = timezone.now()
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # the psycopg cursor underneath Django's wrapper
        cursor.execute("DROP TABLE IF EXISTS rm_import_stage")
        cursor.execute(
            'CREATE TEMP TABLE rm_import_stage (customer_id bigint, "values" jsonb, counted boolean, '
            "new_customer boolean)"
        )
        with cursor.copy(
            'COPY rm_import_stage (customer_id, "values", counted, new_customer) FROM STDIN'
        ) as copy:
            for customer_id, values in rows:
                copy.write_row(
                    (
                        customer_id,
                        json.dumps(values, ensure_ascii=False),
                        customer_id in changed_customers,
                        customer_id in new_customers,
                    )
                )
        cursor.execute("DROP TABLE IF EXISTS rm_import_merge")
        cursor.execute(
            "CREATE TEMP TABLE rm_import_merge AS SELECT q.customer_id, q.counted, q.new_customer, "
            "q.latest_id, q.same_id, q.becomes_latest, q.merged, "
            "(q.same_id IS NULL OR q.same_values IS DISTINCT FROM q.merged) AS changed FROM ("
            "SELECT s.customer_id, s.counted, s.new_customer, l.id AS latest_id, r.id AS same_id, "
            'r."values" AS same_values, (l.id IS NULL OR l.as_of <= %(day)s) AS becomes_latest, '
            'jsonb_strip_nulls(CASE WHEN l.id IS NOT NULL AND l.as_of <= %(day)s THEN l."values" '
            """WHEN r.id IS NOT NULL THEN r."values" ELSE '{}'::jsonb END || s."values") AS merged """
            "FROM rm_import_stage s "
            "LEFT JOIN customers_indicatorvalues l ON l.customer_id = s.customer_id AND l.is_latest "
            "LEFT JOIN customers_indicatorvalues r ON r.customer_id = s.customer_id AND r.as_of = %(day)s"
            ") q",
            {"day": ctx.as_of},
        )
        # Demote before promoting: at most one latest record per customer at any moment.
        cursor.execute(
            "UPDATE customers_indicatorvalues t SET is_latest = false FROM rm_import_merge m "
            "WHERE t.id = m.latest_id AND m.same_id IS NULL AND m.becomes_latest"
        )
        cursor.execute(
            'INSERT INTO customers_indicatorvalues (customer_id, as_of, "values", is_latest, imported_at) '
            "SELECT customer_id, %s, merged, becomes_latest, %s FROM rm_import_merge WHERE same_id IS NULL",
            [ctx.as_of, now],
        )
        cursor.execute(
            'UPDATE customers_indicatorvalues t SET "values" = m.merged, imported_at = %s '
            "FROM rm_import_merge m WHERE t.id = m.same_id AND m.changed",
            [now],
        )
        cursor.execute(
            "SELECT count(*) FILTER (WHERE NOT new_customer AND (changed OR counted)), "
            "count(*) FILTER (WHERE NOT new_customer AND NOT changed AND NOT counted) FROM rm_import_merge"
        )
        updated, unchanged = cursor.fetchone() or (0, 0)
        ctx.updated += int(updated)
        ctx.unchanged += int(unchanged)
