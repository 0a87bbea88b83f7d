"""Fewer indexes on items and streams: each one is written for every row a 100,000-item import adds.

The single-column indexes Django made for ``db_index`` go; a dataset's items and an item by external
id share one composite index, and retention dates get a partial one (most items have none).
The indexes are dropped by name rather than through ``AlterField``, which on a foreign key would
also drop and re-validate the constraint over the whole table.
"""

import django.db.models.deletion
from django.db import migrations, models

# Django's names for the indexes of ``db_index`` (the same on every backend), with what each covered.
PLAIN = [("datasets_item_created_at_f91e1b09", "datasets_item", "created_at"),
         ("datasets_item_dataset_id_2c594727", "datasets_item", "dataset_id"),
         ("datasets_item_external_id_d54b44aa", "datasets_item", "external_id"),
         ("datasets_item_provenance_kind_415d45fb", "datasets_item", "provenance_kind"),
         ("datasets_item_retention_until_bfdcb05f", "datasets_item", "retention_until"),
         ("datasets_stream_item_id_fdb7ea27", "datasets_stream", "item_id")]
# PostgreSQL's companions for LIKE queries on text columns, which nothing sends.
LIKE = ["datasets_item_external_id_d54b44aa_like", "datasets_item_provenance_kind_415d45fb_like"]
DROPPED = [f'DROP INDEX IF EXISTS "{name}"' for name in [*(p[0] for p in PLAIN), *LIKE]]
RESTORED = [f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")' for name, table, column in PLAIN]


class Migration(migrations.Migration):
    dependencies = [("datasets", "0004_consent_retention")]

    operations: list[migrations.operations.base.Operation] = [
        # The replacements first, so no lookup is left without an index.
        migrations.AddIndex("item", models.Index(fields=["dataset", "external_id"], name="item_dataset_external_idx")),
        migrations.AddIndex("item", models.Index(condition=models.Q(retention_until__isnull=False),
                                                 fields=["retention_until"], name="item_retention_idx")),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(DROPPED, reverse_sql=RESTORED)],
            state_operations=[
                migrations.AlterField("item", "created_at", models.DateTimeField(auto_now_add=True)),
                migrations.AlterField("item", "dataset", models.ForeignKey(
                    db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="items",
                    to="datasets.dataset")),
                migrations.AlterField("item", "external_id", models.CharField(blank=True, max_length=255)),
                migrations.AlterField("item", "provenance_kind", models.CharField(default="captured", max_length=16)),
                migrations.AlterField("item", "retention_until", models.DateField(blank=True, null=True)),
                migrations.AlterField("stream", "item", models.ForeignKey(
                    db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="streams",
                    to="datasets.item")),
            ],
        ),
    ]
