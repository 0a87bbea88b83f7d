from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("datasets", "0002_storage_scope")]

    operations = [
        migrations.AddField(model_name="asset", name="attempt", field=models.PositiveIntegerField(default=0)),
        migrations.AddField(model_name="asset", name="claimed_at", field=models.DateTimeField(blank=True, null=True)),
        migrations.AddField(model_name="asset", name="heartbeat_at", field=models.DateTimeField(blank=True, null=True)),
    ]
