"""Agreement of one task: gather its submitted annotations, run the pure report, store it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from django.db import connection, transaction
from django.utils import timezone

from annotation.models import Annotation, AnnotationKind, AnnotationStatus, Project, Task
from annotation.selectors_exports import read_text
from datasets.models import AssetKind, Stream
from qa.metrics import AgreementParams, task_report, task_reports
from qa.metrics.measures import pair_measures, task_measure
from qa.models import TaskAgreement


def submitted_versions(task: Task) -> dict[str, dict[str, Any]]:
    """Each annotator's submitted human result on the task, keyed by username."""
    return _chunk_versions([task.pk])[task.pk]


def has_spans(schema: Mapping[str, Any]) -> bool:
    """Whether a span track needs the item's text (only then are text streams read)."""
    return any(t.get("kind") == "span" for t in schema.get("tracks", []))


def _read_texts(streams: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Text by role from (role, storage key) pairs; a file that cannot be read is left out."""
    out: dict[str, str] = {}
    for role, key in streams:
        try:
            out[role] = read_text(key)
        except OSError:
            continue
    return out


def task_texts(task: Task, schema: Mapping[str, Any]) -> dict[str, str]:
    """Contents of the item's text streams by role; read only when a span track needs them."""
    return _chunk_texts([task.item_id])[task.item_id] if has_spans(schema) else {}


def agreement_params(project: Project) -> AgreementParams:
    """The project's stored agreement settings as report parameters (the one place they map).

    A project stores which measure it is judged by; gamma is slow, so a report computes it only
    for a project that is judged by gamma. The matching thresholds are the published defaults.
    """
    measure = project.agreement_measure or "time_sliced_alpha"
    return AgreementParams(gamma=measure == "gamma", measure=measure)


def measure_value(report: Mapping[str, Any], measure: str) -> float | None:
    """The number the project's threshold is compared with: the task figure of ``measure``.

    The same rule gives the pair figures stored with the report (`qa.metrics.measures`), so the
    task, the report and the annotator pairs never show three different numbers for one measure.
    """
    return task_measure(report, measure)


def report_for(task: Task) -> dict[str, Any]:
    """The agreement report of a task's submitted annotations (pure core; no writes)."""
    project = task.project
    schema = project.schema or {"tracks": []}
    versions = submitted_versions(task)
    duration = float(task.item.duration_ms) if task.item.duration_ms else None
    return task_report(schema, versions, duration_ms=duration, texts=task_texts(task, schema),
                       params=agreement_params(project))


def stored_fields(report: dict[str, Any], measure: str) -> dict[str, Any]:
    """The TaskAgreement fields of a report judged by ``measure`` (one rule for every way a report is stored)."""
    value = measure_value(report, measure)
    if report.get("measure") != measure:
        # A report made for another measure (the setting changed): its pair figures follow suit.
        report = {**report, "measure": measure, "score": value, "pairs": pair_measures(report, measure)}
    return {
        "score": value, "measure": measure, "report": report,
        "track_scores": {name: t.get("score") for name, t in report.get("tracks", {}).items()},
        "pairs": list(report.get("pairs", [])),
    }


@transaction.atomic
def agreement_store(task: Task, report: dict[str, Any]) -> TaskAgreement:
    """Store a report and its measured value on TaskAgreement and Task.agreement (upsert)."""
    fields = stored_fields(report, agreement_params(task.project).measure)
    row, _ = TaskAgreement.objects.update_or_create(task=task, defaults=fields)
    Task.objects.filter(pk=task.pk).update(agreement=fields["score"])
    task.agreement = fields["score"]
    return row


@transaction.atomic
def agreement_compute(task: Task) -> TaskAgreement:
    """Compute and store the task's agreement (idempotent: the same annotations give the same row).

    The task row is locked before its annotations are read, so this and a project's recompute
    (`agreement_store_many`) never store a report of older annotations over a newer one.
    """
    Task.objects.select_for_update().filter(pk=task.pk).values_list("pk", flat=True).first()
    return agreement_store(task, report_for(task))


def agreement_get(task: Task) -> TaskAgreement:
    """The stored agreement of a task, computed now if it has none."""
    row = TaskAgreement.objects.filter(task=task).first()
    return row if row is not None else agreement_compute(task)


def tasks_with_submissions(project_id: int, after: int, limit: int) -> list[int]:
    """The next ``limit`` task ids above ``after`` of the project that have a submitted human annotation."""
    rows = (Annotation.objects.filter(task__project_id=project_id, task_id__gt=after, kind=AnnotationKind.HUMAN,
                                      status=AnnotationStatus.SUBMITTED)
            .order_by("task_id").values_list("task_id", flat=True).distinct()[:limit])
    return list(rows)


def _chunk_versions(task_ids: Sequence[int]) -> dict[int, dict[str, dict[str, Any]]]:
    """Each task's submitted human results keyed by username (``#pk`` without one), in id order, in one query."""
    rows = (Annotation.objects.filter(task_id__in=task_ids, kind=AnnotationKind.HUMAN,
                                      status=AnnotationStatus.SUBMITTED)
            .order_by("id").values_list("task_id", "pk", "annotator__username", "result"))
    out: dict[int, dict[str, dict[str, Any]]] = {pk: {} for pk in task_ids}
    for task_id, pk, username, result in rows:
        out[task_id][username if username is not None else f"#{pk}"] = result or {"regions": []}
    return out


def _chunk_texts(item_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """Each item's text streams by role, found in one query (a file that cannot be read is left out)."""
    streams: dict[int, list[tuple[str, str]]] = {pk: [] for pk in item_ids}
    rows = (Stream.objects.filter(item_id__in=item_ids, asset__kind=AssetKind.TEXT)
            .values_list("item_id", "role", "asset__storage_key"))
    for item_id, role, key in rows:
        streams[item_id].append((role, key))
    return {pk: _read_texts(s) for pk, s in streams.items()}


# One statement per chunk: the rows arrive as one JSON document (bound as one string; an array
# parameter per column would be quoted element by element, which cost more than the reports),
# are upserted, and set Task.agreement where it changes.
_UPSERT = """
WITH r AS (SELECT * FROM jsonb_to_recordset(%s::jsonb) AS r(task_id bigint, score double precision, measure text,
                                                            report jsonb, track_scores jsonb, pairs jsonb)),
stored AS (
  INSERT INTO {agreement} (task_id, score, measure, report, track_scores, pairs, computed_at)
  SELECT task_id, score, measure, report, track_scores, pairs, %s FROM r
  ON CONFLICT (task_id) DO UPDATE SET score = EXCLUDED.score, measure = EXCLUDED.measure, report = EXCLUDED.report,
    track_scores = EXCLUDED.track_scores, pairs = EXCLUDED.pairs, computed_at = EXCLUDED.computed_at)
UPDATE {task} t SET agreement = r.score FROM r WHERE t.id = r.task_id AND t.agreement IS DISTINCT FROM r.score
"""


def _store_rows(rows: Sequence[TaskAgreement], portable: bool) -> None:
    """Upsert the rows and copy each score to Task.agreement: one statement on PostgreSQL, the ORM elsewhere."""
    if portable:
        TaskAgreement.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["task"],
            update_fields=["score", "measure", "report", "track_scores", "pairs", "computed_at"])
        Task.objects.bulk_update([Task(pk=row.task_id, agreement=row.score) for row in rows], ["agreement"])
        return
    payload = orjson.dumps([{"task_id": r.task_id, "score": r.score, "measure": r.measure, "report": r.report,
                             "track_scores": r.track_scores, "pairs": r.pairs} for r in rows],
                           option=orjson.OPT_NON_STR_KEYS).decode()  # keys as json.dumps writes them (None: "null")
    sql = _UPSERT.format(agreement=connection.ops.quote_name(TaskAgreement._meta.db_table),
                         task=connection.ops.quote_name(Task._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql, [payload, timezone.now()])


@transaction.atomic
def agreement_store_many(
    project: Project, task_ids: Sequence[int], *, portable: bool | None = None
) -> list[tuple[int, str, TaskAgreement]]:
    """Compute and store the agreement of many tasks of one project: (task id, task status, row) each.

    The reports are those `agreement_compute` stores one task at a time (`task_reports` equals
    `task_report` task by task), stored by the same rule (`stored_fields`); the rows are
    upserted and Task.agreement set for the whole chunk at once (``portable``: through the ORM,
    by default on any database but PostgreSQL).
    """
    schema = project.schema or {"tracks": []}
    params = agreement_params(project)
    # Locked before their annotations are read, as `agreement_compute` locks its task: a
    # submission's own recompute waits for this chunk and then stores the newer report.
    list(Task.objects.select_for_update().filter(pk__in=task_ids).order_by("id").values_list("pk", flat=True))
    tasks = list(Task.objects.filter(pk__in=task_ids).order_by("id")
                 .values_list("pk", "item_id", "item__duration_ms", "status"))
    if not tasks:
        return []
    versions = _chunk_versions([t[0] for t in tasks])
    texts = _chunk_texts([t[1] for t in tasks]) if has_spans(schema) else {}
    reports = task_reports(schema, [versions[t[0]] for t in tasks],
                           durations=[float(t[2]) if t[2] else None for t in tasks],
                           texts=[texts.get(t[1], {}) for t in tasks] if texts else None, params=params)
    rows = [TaskAgreement(task_id=t[0], **stored_fields(r, params.measure)) for t, r in zip(tasks, reports)]
    _store_rows(rows, connection.vendor != "postgresql" if portable is None else portable)
    return [(t[0], t[3], row) for t, row in zip(tasks, rows)]
