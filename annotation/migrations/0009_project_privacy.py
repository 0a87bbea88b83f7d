from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("annotation", "0008_scale_indexes")]

    operations: list[migrations.operations.base.Operation] = [
        migrations.AddField("project", "require_consent", models.CharField(blank=True, max_length=100, null=True)),
        migrations.AddField("project", "audit_facets", models.JSONField(blank=True, default=list)),
        migrations.AddField("project", "audit_thresholds", models.JSONField(blank=True, default=dict)),
        migrations.AddField("annotation", "media_deleted_at", models.DateTimeField(blank=True, null=True)),
    ]
