"""A large project generated inside PostgreSQL: items, streams, tasks, assignments, annotations.

The rows are produced by ``INSERT … SELECT … FROM generate_series`` so nothing crosses the wire:
a million tasks with three million annotations take a few minutes on two cores, most of it
spent maintaining the indexes.

Shape of the project (``n`` tasks, overlap 3, a pool of annotators):
- the first 80 % of the tasks are finished: three submitted human annotations each and an
  agreement in [0, 1); one in four is gold (with a gold annotation), one in four in review,
  the rest complete;
- the last 20 % are open with two submitted annotations and one free slot.
So ``n`` tasks carry ``3 n`` annotations (2.4 n human on finished tasks, 0.2 n gold, 0.4 n on open
tasks) and ``2.8 n`` assignments.
"""

from __future__ import annotations

import time
from typing import Any

REGIONS = (
    '{"regions": [{"id": "a", "track": "speech", "label": "speech", "start_ms": 1000, "end_ms": 4000},'
    ' {"id": "b", "track": "speech", "label": "music", "start_ms": 5000, "end_ms": 9000}]}'
)

TABLES = ("datasets_item", "datasets_stream", "annotation_task", "annotation_assignment", "annotation_annotation")


def _sql(cursor: Any, label: str, sql: str, params: dict[str, Any], timings: dict[str, float]) -> None:
    t0 = time.perf_counter()
    cursor.execute(sql, params)
    timings[label] = time.perf_counter() - t0


def generate(*, project_id: int, dataset_id: int, asset_id: int, annotator_ids: list[int], n: int,
             manager_id: int, vacuum: bool = True) -> dict[str, float]:
    """Fill the project with ``n`` tasks; returns seconds per step.

    ``vacuum``: end with VACUUM ANALYZE (index-only scans need the visibility map); without it
    (inside a transaction, as in the tests) only ANALYZE the tables written.
    """
    from django.db import connection, transaction

    timings: dict[str, float] = {}
    finished = n * 8 // 10
    params: dict[str, Any] = {
        "n": n, "finished": finished, "project": project_id, "dataset": dataset_id, "asset": asset_id,
        "users": annotator_ids, "k": len(annotator_ids), "manager": manager_id, "regions": REGIONS,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        # The rows are consistent by construction: skip the deferred foreign-key checks, which
        # would otherwise look up every one of the millions of references again at COMMIT.
        cursor.execute("SET LOCAL session_replication_role = replica")
        for table in TABLES:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            params[f"{table}_base"] = int(cursor.fetchone()[0])
        _sql(cursor, "items", """
            INSERT INTO datasets_item (id, created_at, updated_at, external_id, duration_ms, provenance,
                provenance_kind, metadata, dataset_id, consent, licence)
            SELECT %(datasets_item_base)s + i, now(), now(), 'x' || i, 60000, '{}'::jsonb, 'captured',
                '{}'::jsonb, %(dataset)s, '{}'::jsonb, ''
            FROM generate_series(1, %(n)s) AS i""", params, timings)
        _sql(cursor, "streams", """
            INSERT INTO datasets_stream (id, role, offset_ms, asset_id, item_id)
            SELECT %(datasets_stream_base)s + i, 't', 0, %(asset)s, %(datasets_item_base)s + i
            FROM generate_series(1, %(n)s) AS i""", params, timings)
        # Task i: finished when i <= finished (gold / review / complete by i mod 4), else open.
        _sql(cursor, "tasks", """
            INSERT INTO annotation_task (id, created_at, updated_at, status, target_count, submitted_count,
                active_count, is_honeypot, for_everyone, agreement, flagged, item_id, project_id)
            SELECT %(annotation_task_base)s + i, now() - make_interval(secs => %(n)s - i), now(),
                CASE WHEN i > %(finished)s THEN 'open' WHEN i %% 4 = 0 THEN 'gold'
                     WHEN i %% 4 = 1 THEN 'review' ELSE 'complete' END,
                3, CASE WHEN i > %(finished)s THEN 2 ELSE 3 END, 0, false, false,
                CASE WHEN i > %(finished)s THEN NULL ELSE ((i::bigint * 7919) %% 1000) / 1000.0 END,
                false, %(datasets_item_base)s + i, %(project)s
            FROM generate_series(1, %(n)s) AS i""", params, timings)
        # Slot j of task i goes to annotator (3 i + j) mod k: three different people per task.
        _sql(cursor, "assignments", """
            INSERT INTO annotation_assignment (id, created_at, updated_at, status, lease_expires_at,
                submitted_at, annotator_id, task_id)
            SELECT %(annotation_assignment_base)s + (i - 1) * 3 + j + 1, now(), now(), 'submitted', now(), now(),
                (%(users)s::int[])[((3 * i + j) %% %(k)s) + 1], %(annotation_task_base)s + i
            FROM generate_series(1, %(n)s) AS i CROSS JOIN generate_series(0, 2) AS j
            WHERE i <= %(finished)s OR j < 2""", params, timings)
        _sql(cursor, "annotations", """
            INSERT INTO annotation_annotation (id, created_at, updated_at, kind, status, version, result,
                automatic, submitted_at, lead_time_ms, annotator_id, task_id, review_note)
            SELECT %(annotation_annotation_base)s + (i - 1) * 4 + j + 1, now(), now(),
                CASE WHEN j = 3 THEN 'gold' ELSE 'human' END, 'submitted', 1, %(regions)s::jsonb,
                j = 3, now(), 1000,
                CASE WHEN j = 3 THEN %(manager)s ELSE (%(users)s::int[])[((3 * i + j) %% %(k)s) + 1] END,
                %(annotation_task_base)s + i, ''
            FROM generate_series(1, %(n)s) AS i CROSS JOIN generate_series(0, 3) AS j
            WHERE (j < 2) OR (j = 2 AND i <= %(finished)s) OR (j = 3 AND i <= %(finished)s AND i %% 4 = 0)
            """, params, timings)
        for table in TABLES:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        # The counters the write paths keep: tasks, finished tasks, human annotations created.
        params["human"] = finished * 3 + (n - finished) * 2
        cursor.execute("""
            UPDATE annotation_project SET task_count = task_count + %(n)s,
                completed_count = completed_count + %(finished)s, annotation_count = annotation_count + %(human)s
            WHERE id = %(project)s""", params)
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        if vacuum:
            cursor.execute("VACUUM ANALYZE")
        else:
            for table in TABLES:
                cursor.execute(f"ANALYZE {table}")
    timings["vacuum analyze" if vacuum else "analyze"] = time.perf_counter() - t0
    return timings
