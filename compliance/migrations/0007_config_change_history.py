"""The lexicon and detector settings' history, append-only like the archive."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE TRIGGER compliance_configchange_append_only BEFORE UPDATE OR DELETE "
            "ON compliance_configchange FOR EACH ROW EXECUTE FUNCTION compliance_refuse_change()"
        )


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS compliance_configchange_append_only ON compliance_configchange")


class Migration(migrations.Migration):

    dependencies = [
        ('compliance', '0006_keyed_hash_and_hold_history'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ConfigChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('term', '敏感词'), ('detector', '内置检测')], max_length=16)),
                ('key', models.CharField(max_length=64)),
                ('before', models.JSONField(blank=True, null=True)),
                ('after', models.JSONField()),
                ('at', models.DateTimeField(auto_now_add=True)),
                ('by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['id'],
            },
        ),
        migrations.RunPython(guard, unguard),
    ]
