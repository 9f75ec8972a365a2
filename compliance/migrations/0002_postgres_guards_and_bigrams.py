"""PostgreSQL only: triggers that make the archive append-only, and the bigram search index.

On SQLite this migration does nothing: the ORM guard (AppendOnlyModel) refuses edits there and
search uses LIKE over the normalised column.
"""

from django.db import migrations

GUARD = """
CREATE OR REPLACE FUNCTION compliance_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'compliance archive is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;
"""

TABLES = ["compliance_message", "compliance_searchaudit", "compliance_alertdisposition", "compliance_ownershipchange"]

BIGRAMS = """
CREATE OR REPLACE FUNCTION compliance_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(t, i, 2)), '{}')
    FROM generate_series(1, greatest(char_length(t) - 1, 0)) AS i
$$;
CREATE INDEX compliance_message_bigrams ON compliance_message USING gin (compliance_bigrams(normalized));
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(GUARD, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION compliance_refuse_change()"
        )
    schema_editor.execute(BIGRAMS, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS compliance_message_bigrams")
    schema_editor.execute("DROP FUNCTION IF EXISTS compliance_bigrams(text)")
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS compliance_refuse_change()")


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
