"""PostgreSQL only: drop the GIN index on the wide record (migration 0003), by measurement
(docs/decisions.md): it made every import 2.1-2.4x slower (bench/scale.py: 124 against 256 rows/s,
95 against 231), and nothing reads through it any more — tag recompute and opportunity generation
read the narrow feature table, the portrait reads one record by customer. A containment query
(`values @> {...}`) that needs it can create it again; the reverse of this migration does."""

from django.db import migrations

INDEX = "customers_indicatorvalues_values_gin"


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON customers_indicatorvalues "
            'USING gin ("values" jsonb_path_ops) WHERE is_latest'
        )


class Migration(migrations.Migration):
    dependencies = [("customers", "0005_customer_features")]

    operations = [migrations.RunPython(drop, create)]
