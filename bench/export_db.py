"""An export job end to end: 100,000 tasks with two regions each, gathered from PostgreSQL and
written by the worker's task function to JSON, timed and measured for peak memory.

Creates a scratch database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/tandem_export_bench),
prints one table. Run: .venv/bin/python bench/export_db.py [--tasks N]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.scratch import django_step, recreate_database  # noqa: E402

BENCH_DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tandem_export_bench")


def _setup(n_tasks: int) -> int:
    """Create the project and its rows; returns the project id (runs in its own process)."""
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.utils import timezone

    from annotation.models import Annotation, Task
    from annotation.services.imports import project_import
    from annotation.services.projects import project_create
    from common.bulk import insert_rows

    call_command("migrate", verbosity=0)
    manager = User.objects.create_user("bench", password="x", is_staff=True)
    schema = {"tracks": [{"name": "speech", "kind": "segment", "labels": [{"value": "speech"}, {"value": "music"}]}]}
    project = project_create(user=manager, name="export bench", schema=schema, overlap=1)
    first = project_import(project=project, user=manager, uploads={},
                           records=[{"duration_ms": 60_000, "streams": [{"role": "t", "text": "hello"}]}])
    asset_id = Task.objects.get(pk=first["task_ids"][0]).item.streams.get().asset_id
    for start in range(0, n_tasks - 1, 25_000):
        count = min(25_000, n_tasks - 1 - start)
        project_import(project=project, user=manager, uploads={}, records=[
            {"external_id": f"t{start + i}", "duration_ms": 60_000, "streams": [{"role": "t", "asset": asset_id}]}
            for i in range(count)])
    now = timezone.now()
    task_ids = list(Task.objects.filter(project=project).order_by("id").values_list("id", flat=True))
    rows = [[task_id, manager.pk, "human", "submitted", 2, {"regions": [
        {"id": "a", "track": "speech", "label": "speech", "start_ms": 1000, "end_ms": 4000},
        {"id": "b", "track": "speech", "label": "music", "start_ms": 5000, "end_ms": 9000}]}, False, now, 0, "", now, now]
        for task_id in task_ids]
    insert_rows(Annotation, ["task_id", "annotator_id", "kind", "status", "version", "result", "automatic",
                             "submitted_at", "lead_time_ms", "review_note", "created_at", "updated_at"], rows)
    return int(project.pk)


def _run(project_id: int) -> None:
    """Create the export job and run the worker's task function inline; prints seconds and peak RSS."""
    import django

    django.setup()
    from django.contrib.auth.models import User

    from annotation.models import Job, Project
    from annotation.tasks.exports import run_export

    project = Project.objects.get(pk=project_id)
    job = Job.objects.create(project=project, kind="export", created_by=User.objects.get(username="bench"),
                             params={"format": "json", "include": "submitted", "filters": {}, "media": "references"})
    t0, c0 = time.perf_counter(), time.process_time()
    outcome = run_export.run(job.pk)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    job.refresh_from_db()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{outcome}\t{seconds:.2f}\t{cpu:.2f}\t{peak_mb:.0f}\t{job.result.get('items')}\t{job.result.get('regions')}"
          f"\t{job.result.get('bytes', 0) / 1e6:.1f}\t{os.getloadavg()[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=100_000)
    args = parser.parse_args()
    recreate_database(BENCH_DB)
    env = {**os.environ, "DATABASE_URL": BENCH_DB, "DJANGO_SETTINGS_MODULE": "tandem.settings",
           "TANDEM_VAR_DIR": str(ROOT / "bench" / "out" / "export_db"), "CELERY_TASK_ALWAYS_EAGER": "0"}
    env.pop("REDIS_URL", None)
    project_id = int(django_step("export_db", f"_setup({args.tasks})", env))
    last = django_step("export_db", f"_run({project_id})", env)
    outcome, seconds, cpu, peak, items, regions, size, load = last.split("\t")
    print(f"{'export job (worker task, PostgreSQL → JSON)':<44} {'tasks':>8} {'regions':>9} {'seconds':>8} "
          f"{'CPU s':>7} {'peak RSS MB':>12} {'file MB':>8} {'outcome':>10}")
    print(f"{'100,000 tasks × 2 regions' if args.tasks == 100_000 else f'{args.tasks:,} tasks × 2 regions':<44} "
          f"{items:>8} {regions:>9} {seconds:>8} {cpu:>7} {peak:>12} {size:>8} {outcome:>10}")
    # seconds are wall time, PostgreSQL's share included; CPU is the worker process's own
    print(f"load average (1 min) at the end: {load}")
    print("targets: ≤ 10 s, ≤ 300 MB")


if __name__ == "__main__":
    main()
