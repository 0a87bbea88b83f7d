from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("annotation", "0006_editor_reopen")]

    operations: list[migrations.operations.base.Operation] = [
        migrations.AddField(
            model_name="annotation",
            name="review_note",
            field=models.TextField(blank=True, default=""),
        ),
    ]
