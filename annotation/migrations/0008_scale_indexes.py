from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("annotation", "0007_review_return")]

    operations: list[migrations.operations.base.Operation] = [
        migrations.AddIndex(
            model_name="task",
            index=models.Index(fields=["project", "status", "agreement"], name="task_status_agreement_idx"),
        ),
        migrations.AddIndex(
            model_name="assignment",
            index=models.Index(fields=["annotator", "task"], name="assignment_annotator_task_idx"),
        ),
        migrations.AddIndex(
            model_name="assignment",
            index=models.Index(condition=models.Q(status="active"), fields=["lease_expires_at"],
                               name="assignment_active_lease_idx"),
        ),
    ]
