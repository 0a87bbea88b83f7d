from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("qa", "0002_agreement_summary")]

    operations: list[migrations.operations.base.Operation] = [
        migrations.AlterField(
            model_name="reviewitem",
            name="state",
            field=models.CharField(
                choices=[("queued", "Queued"), ("claimed", "Claimed"), ("resolved", "Resolved"), ("returned", "Returned")],
                db_index=True, default="queued", max_length=16,
            ),
        ),
    ]
