"""PostgreSQL statistics on a follow's bank day, so the per-day stats hash a few hundred groups.

Without them the planner cannot know how many distinct days `(added_at AT TIME ZONE '<bank zone>')::date`
holds, assumes one per row, and sorts the whole range on disk before grouping: over a year of a
million follows 2.0 s against 0.34 s (bench/wecom_bench.py). Other databases need nothing. The zone
is the bank's TIME_ZONE when migrating; if it changes later, the figures stay right and only the
estimate is lost (run the migration backwards and forwards to renew it)."""

from django.conf import settings
from django.db import migrations

NAME = "wecom_contactfollow_bank_day"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    zone = schema_editor.quote_value(settings.TIME_ZONE)
    schema_editor.execute(
        f"CREATE STATISTICS IF NOT EXISTS {NAME} ON ((added_at AT TIME ZONE {zone})::date) "
        "FROM wecom_contactfollow"
    )
    schema_editor.execute("ANALYZE wecom_contactfollow")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("wecom", "0005_handover_transfers")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
