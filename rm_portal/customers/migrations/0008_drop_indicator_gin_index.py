"""PostgreSQL only: drop the GIN index on the wide record (migration 0003). Nothing reads through it
any more — tag recompute and opportunity generation read the narrow feature table, the portrait
reads one record by customer — and it made the old import 2.1-2.4x slower (figures and the newer
measurement in docs/decisions.md). A containment query (`values @> {...}`) that needs it can create
it again; the reverse of this migration does."""

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
    dependencies = [("customers", "0007_customer_features")]

    operations = [migrations.RunPython(drop, create)]
