"""The narrow feature table and its change queue. Triggers on the wide table put every written
customer in `customers_featurestale` (statement-level with transition tables on PostgreSQL, one
row per statement's customers; row-level on SQLite), and every existing customer is queued, so the
first refresh fills the feature table from the wide records already there."""

import django.db.models.deletion
from django.db import migrations, models

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION customers_featurestale_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO customers_featurestale (customer_id)
        SELECT DISTINCT customer_id FROM stale_old ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO customers_featurestale (customer_id)
        SELECT DISTINCT customer_id FROM stale_new ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$
"""
PG_TRIGGERS = [
    ("customers_iv_stale_ins", "INSERT", "NEW TABLE AS stale_new"),
    ("customers_iv_stale_upd", "UPDATE", "NEW TABLE AS stale_new"),
    ("customers_iv_stale_del", "DELETE", "OLD TABLE AS stale_old"),
]
SQLITE_TRIGGERS = [("customers_iv_stale_ins", "INSERT", "NEW"), ("customers_iv_stale_upd", "UPDATE", "NEW"),
                   ("customers_iv_stale_del", "DELETE", "OLD")]


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        run(PG_FUNCTION)
        for name, event, transition in PG_TRIGGERS:
            run(
                f"CREATE TRIGGER {name} AFTER {event} ON customers_indicatorvalues "
                f"REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION customers_featurestale_mark()"
            )
    else:
        for name, event, row in SQLITE_TRIGGERS:
            run(
                f"CREATE TRIGGER {name} AFTER {event} ON customers_indicatorvalues BEGIN "
                f"INSERT OR IGNORE INTO customers_featurestale (customer_id) VALUES ({row}.customer_id); END"
            )
    run(
        "INSERT INTO customers_featurestale (customer_id) "
        "SELECT DISTINCT customer_id FROM customers_indicatorvalues"
    )


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    for name, _event, _transition in PG_TRIGGERS:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON customers_indicatorvalues")
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS customers_featurestale_mark()")


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0006_customer_phone_tail'),
    ]

    operations = [
        migrations.CreateModel(
            name='CustomerFeatures',
            fields=[
                ('customer', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='features', serialize=False, to='customers.customer')),
                ('present', models.BooleanField(default=False)),
                ('changed_at', models.DateTimeField(db_index=True)),
            ],
            options={
                'verbose_name': '客户特征',
                'verbose_name_plural': '客户特征',
                'db_table': 'customers_features',
            },
        ),
        migrations.CreateModel(
            name='FeatureStale',
            fields=[
                ('customer_id', models.BigIntegerField(primary_key=True, serialize=False)),
            ],
            options={
                'verbose_name': '待刷新特征',
                'verbose_name_plural': '待刷新特征',
                'db_table': 'customers_featurestale',
            },
        ),
        migrations.AddField(
            model_name='tagdefinition',
            name='rule_digest',
            field=models.CharField(blank=True, default='', max_length=64),
        ),
        migrations.RunPython(create, drop),
    ]
