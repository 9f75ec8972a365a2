"""The keyed hash (version 2) for new messages, old rows kept as version 1 (never rewritten: the
archive is append-only), and the legal hold's history, append-only like the rest."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE TRIGGER compliance_legalholdchange_append_only BEFORE UPDATE OR DELETE "
            "ON compliance_legalholdchange FOR EACH ROW EXECUTE FUNCTION compliance_refuse_change()"
        )


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS compliance_legalholdchange_append_only ON compliance_legalholdchange"
        )


class Migration(migrations.Migration):

    dependencies = [
        ('compliance', '0005_detector_settings'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='message',
            name='flagged',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='message',
            name='hash_version',
            # every row archived before this migration hashed with the unkeyed scheme
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AlterField(
            model_name='message',
            name='hash_version',
            field=models.PositiveSmallIntegerField(default=2),
        ),
        migrations.CreateModel(
            name='LegalHoldChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('hold', models.BooleanField()),
                ('at', models.DateTimeField(auto_now_add=True)),
                ('by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('conversation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='holds', to='compliance.conversation')),
            ],
            options={
                'ordering': ['id'],
            },
        ),
        migrations.RunPython(guard, unguard),
    ]
