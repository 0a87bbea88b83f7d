import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("datasets", "0003_asset_lifecycle")]

    operations: list[migrations.operations.base.Operation] = [
        migrations.AddField("item", "consent", models.JSONField(blank=True, default=list)),
        migrations.AddField("item", "licence", models.CharField(blank=True, default="", max_length=200)),
        migrations.AddField("item", "retention_until", models.DateField(blank=True, db_index=True, null=True)),
        migrations.AddField("item", "media_deleted_at", models.DateTimeField(blank=True, null=True)),
        migrations.AddField("asset", "perceptual_hash", models.BigIntegerField(blank=True, null=True)),
        migrations.AddField("asset", "duplicate_of", models.ForeignKey(
            blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="datasets.asset")),
        migrations.AddField("asset", "duplicate_kind", models.CharField(blank=True, default="", max_length=8)),
        migrations.AddField("asset", "duplicate_distance", models.PositiveSmallIntegerField(blank=True, null=True)),
    ]
