from django.db import migrations, models

from rm_portal.customers.phones import phone_tail_of

BATCH = 2000


def fill_tails(apps, schema_editor):
    """Existing customers get their tail once; from here on every writer keeps it."""
    Customer = apps.get_model("customers", "Customer")
    rows = Customer.objects.exclude(phone="").only("id", "phone").order_by("id")
    last = 0
    while True:
        batch = list(rows.filter(id__gt=last)[:BATCH])
        if not batch:
            return
        for customer in batch:
            customer.phone_tail = phone_tail_of(customer.phone)
        Customer.objects.bulk_update(batch, ["phone_tail"])
        last = batch[-1].id


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0005_handover_record"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="phone_tail",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=4),
        ),
        migrations.RunPython(fill_tails, migrations.RunPython.noop),
    ]
