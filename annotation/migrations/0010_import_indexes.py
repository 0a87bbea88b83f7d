"""Fewer indexes on tasks: each one is written for every task a 100,000-item import adds.

``task_status_agreement_idx`` carries the task id, so a list filtered by status, agreement range
and annotator joins task ids from indexes alone.

``task_unique_item`` now starts with the item, so it also finds an item's tasks; a project's tasks
are found through ``task_queue_idx``. The single-column indexes of ``project``, ``item``, ``status``
and ``agreement`` go (the composite ones serve every query that used them). They are dropped by
name rather than through ``AlterField``, which on a foreign key would also drop and re-validate the
constraint over the whole table.
"""

import django.db.models.deletion
from django.db import migrations, models

# Django's names for the indexes of ``db_index`` (the same on every backend), with what each covered.
PLAIN = [("annotation_task_project_id_988e15bb", "project_id"), ("annotation_task_item_id_1983caaa", "item_id"),
         ("annotation_task_status_ce68160c", "status"), ("annotation_task_agreement_a248c7f1", "agreement")]
# PostgreSQL's companion for LIKE queries on the status, which nothing sends.
LIKE = ["annotation_task_status_ce68160c_like"]
DROPPED = [f'DROP INDEX IF EXISTS "{name}"' for name in [*(p[0] for p in PLAIN), *LIKE]]
RESTORED = [f'CREATE INDEX IF NOT EXISTS "{name}" ON "annotation_task" ("{column}")' for name, column in PLAIN]


class Migration(migrations.Migration):
    dependencies = [("annotation", "0009_project_privacy"), ("datasets", "0005_import_indexes")]

    operations: list[migrations.operations.base.Operation] = [
        # The task list's filters read the task ids of an agreement range from this one alone.
        migrations.RemoveIndex("task", "task_status_agreement_idx"),
        migrations.AddIndex("task", models.Index(fields=["project", "status", "agreement", "id"],
                                                 name="task_status_agreement_idx")),
        migrations.RemoveConstraint("task", "task_unique_item"),
        migrations.AddConstraint("task", models.UniqueConstraint(fields=("item", "project"), name="task_unique_item")),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(DROPPED, reverse_sql=RESTORED)],
            state_operations=[
                migrations.AlterField("task", "project", models.ForeignKey(
                    db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="tasks",
                    to="annotation.project")),
                migrations.AlterField("task", "item", models.ForeignKey(
                    db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="tasks",
                    to="datasets.item")),
                migrations.AlterField("task", "status", models.CharField(
                    choices=[("open", "Open"), ("complete", "Complete"), ("review", "Review"), ("gold", "Gold")],
                    default="open", max_length=16)),
                migrations.AlterField("task", "agreement", models.FloatField(blank=True, null=True)),
            ],
        ),
    ]
