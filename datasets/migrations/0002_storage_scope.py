from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("datasets", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="dataset",
            name="import_source",
            field=models.CharField(blank=True, default="", max_length=500),
        ),
    ]
