from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("annotation", "0005_job_outcomes")]

    operations: list[migrations.operations.base.Operation] = [
        migrations.AddField(
            model_name="project",
            name="allow_reopen",
            field=models.BooleanField(default=False),
        ),
    ]
