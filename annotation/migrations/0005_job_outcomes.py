from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("annotation", "0003_storage_scope")]

    operations = [
        migrations.AddField(model_name="job", name="attempt", field=models.PositiveIntegerField(default=0)),
        migrations.AddField(model_name="job", name="claimed_at", field=models.DateTimeField(blank=True, null=True)),
        migrations.AddField(model_name="job", name="heartbeat_at", field=models.DateTimeField(blank=True, null=True)),
        migrations.AlterField(
            model_name="job",
            name="status",
            field=models.CharField(
                choices=[("queued", "Queued"), ("running", "Running"), ("succeeded", "Succeeded"),
                         ("partial", "Partial"), ("failed", "Failed")],
                db_index=True, default="queued", max_length=16,
            ),
        ),
    ]
