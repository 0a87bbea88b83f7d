"""The fingerprint version beside each perceptual hash, so hashes of different algorithms are never compared.

Hashes stored before this migration are marked with the versions the code had when they were made:
audio 1 (computed at the file's own rate; ``manage.py refingerprint`` recomputes them), video 1.
The values are written here, not imported, so the migration means the same thing when the code moves on.
"""

from django.db import migrations, models

MARKED = {"audio": "1", "video": "1"}


def mark_hash_versions(apps, schema_editor):
    Asset = apps.get_model("datasets", "Asset")
    for kind, version in MARKED.items():
        Asset.objects.filter(kind=kind, perceptual_hash__isnull=False).update(perceptual_hash_version=version)


class Migration(migrations.Migration):
    dependencies = [("datasets", "0005_import_indexes")]

    operations: list[migrations.operations.base.Operation] = [
        migrations.AddField("asset", "perceptual_hash_version", models.CharField(blank=True, default="", max_length=8)),
        migrations.RunPython(mark_hash_versions, migrations.RunPython.noop),
    ]
