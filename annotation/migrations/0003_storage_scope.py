from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("annotation", "0002_project_merge_rule")]

    operations = [
        migrations.AlterField(
            model_name="annotationrevision",
            name="result",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="annotationrevision",
            name="delta",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="annotationrevision",
            name="base_version",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="annotationrevision",
            name="chain_bytes",
            field=models.PositiveIntegerField(default=0),
        ),
    ]
