"""PostgreSQL only: a GIN index on the wide JSON so containment filters (`values @> {...}`)
use it. SQLite has no GIN; there the migration does nothing, so the embedded default and
the scaled deployment share one migration history."""

from django.db import migrations

INDEX = "customers_indicatorvalues_values_gin"


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON customers_indicatorvalues "
            "USING gin (\"values\" jsonb_path_ops) WHERE is_latest"
        )


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_portraits")]

    operations = [migrations.RunPython(create, drop)]
