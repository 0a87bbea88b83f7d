"""Project-level agreement over stored task reports, at database scale.

Creates a throwaway test database (from DATABASE_URL, like the tests), fills a project with
10,000 tasks, each with a stored report of three annotators, and times the reads the API and the
dashboard make, and the recomputation of every task's agreement after the project's measure
changed (the Celery job's function, batch reports a chunk at a time, against the single-task path
on a sample). Run: `.venv/bin/python bench/agreement_db.py [n_tasks]`.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

SCHEMA: dict[str, Any] = {"tracks": [
    {"name": "speech", "kind": "segment", "labels": [{"value": "speech", "hotkey": "1"}, {"value": "music", "hotkey": "2"},
                                                     {"value": "noise", "hotkey": "3"}]},
    {"name": "events", "kind": "point", "labels": [{"value": "clap", "hotkey": "c"}]},
    {"name": "words", "kind": "transcript"},
]}
NAMES = ["ann_a", "ann_b", "ann_c"]


def _result(rng: random.Random, duration: int) -> dict[str, Any]:
    regions: list[dict[str, Any]] = []
    t = 0
    while t < duration - 2000:
        start = t + rng.randint(0, 800)
        end = start + rng.randint(500, 4000)
        if end > duration:
            break
        regions.append({"id": f"s{len(regions)}", "track": "speech", "label": rng.choice(["speech", "music", "noise"]),
                        "start_ms": start, "end_ms": end})
        t = end
    for k in range(rng.randint(0, 5)):
        regions.append({"id": f"p{k}", "track": "events", "label": "clap", "time_ms": rng.randint(0, duration)})
    regions.append({"id": "w0", "track": "words", "start_ms": 0, "end_ms": 1000,
                    "text": " ".join(rng.choice(["hello", "there", "world", "again"]) for _ in range(8))})
    return {"regions": regions}


def _timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    best = float("inf")
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _cpu(fn: Callable[[], Any]) -> tuple[float, float]:
    """(wall, this process's CPU) seconds of one call; the database server's CPU is not in the second."""
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def main(n_tasks: int = 10_000) -> None:
    from annotation.models import Annotation, AnnotationStatus, Project, Role, Task, TaskStatus
    from annotation.services.projects import member_set, project_create
    from datasets.models import Item
    from qa.metrics import AgreementParams, task_report, task_reports
    from qa.models import TaskAgreement
    from qa.selectors import agreement_csv, project_agreement
    from qa.selectors_quality import annotator_quality
    from qa.services.agreement import agreement_compute, measure_value
    from qa.tasks import recompute_project

    rng = random.Random(7)
    manager = User.objects.create_user("bench-manager")
    project = project_create(user=manager, name="bench", schema=SCHEMA, overlap=3)
    annotators = [User.objects.create_user(name) for name in NAMES]
    for user in annotators:
        member_set(project=project, user=manager, member=user, role=Role.ANNOTATOR)
    duration = 30_000
    distinct = 200
    t0 = time.perf_counter()
    versions = [{n: _result(rng, duration) for n in NAMES} for _ in range(distinct)]
    reports = task_reports(SCHEMA, versions,
                           durations=[float(duration)] * distinct, params=AgreementParams())
    one_report_s = (time.perf_counter() - t0) / distinct
    items = Item.objects.bulk_create(
        [Item(dataset=project.dataset, external_id=f"clip-{i:05d}", duration_ms=duration) for i in range(n_tasks)],
        batch_size=2000)
    tasks = Task.objects.bulk_create([Task(project=project, item=it, target_count=3, status=TaskStatus.GOLD) for it in items],
                                     batch_size=2000)
    rows = []
    for i, task in enumerate(tasks):
        rep = reports[i % distinct]
        rows.append(TaskAgreement(task=task, score=measure_value(rep, "time_sliced_alpha"), measure="time_sliced_alpha",
                                  report=rep, track_scores={k: v["score"] for k, v in rep["tracks"].items()},
                                  pairs=rep["pairs"]))
    TaskAgreement.objects.bulk_create(rows, batch_size=1000)
    Annotation.objects.bulk_create(
        [Annotation(task=task, annotator=user, status=AnnotationStatus.SUBMITTED, result=versions[i % distinct][user.username])
         for i, task in enumerate(tasks) for user in annotators], batch_size=3000)
    size_kb = len(str(reports[0])) / 1024

    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(manager)
    results = [
        ("task_report, one task (3 annotators, 30 s)", 1, _timed(lambda: task_report(
            SCHEMA, {n: _result(rng, duration) for n in NAMES}, duration_ms=float(duration),
            params=AgreementParams()), 5)[0]),
        ("project_agreement selector", n_tasks, _timed(lambda: project_agreement(project))[0]),
        ("GET /api/projects/{id}/agreement/", n_tasks, _timed(lambda: client.get(f"/api/projects/{project.pk}/agreement/"))[0]),
        ("GET ...agreement/?format=csv (streamed)", n_tasks,
         _timed(lambda: b"".join(client.get(f"/api/projects/{project.pk}/agreement/?format=csv").streaming_content))[0]),  # type: ignore[attr-defined]
        ("CSV selector alone", n_tasks, _timed(lambda: sum(len(x) for x in agreement_csv(project)))[0]),
        ("annotator_quality selector", n_tasks, _timed(lambda: annotator_quality(project))[0]),
    ]
    Project.objects.filter(pk=project.pk).update(agreement_measure="segment_f1")
    sample = min(200, n_tasks)
    single = _cpu(lambda: [agreement_compute(t) for t in Task.objects.select_related("project", "item")
                           .filter(project=project).order_by("id")[:sample]])
    batch = _cpu(lambda: recompute_project(project.pk))
    assert TaskAgreement.objects.filter(task__project=project, measure="segment_f1").count() == n_tasks
    print(f"measure change, recompute of {n_tasks} tasks (job function, chunks of 1,000): "
          f"{batch[0]:.2f} s wall, {batch[1]:.2f} s CPU; single-task path on {sample} tasks: {single[0]:.2f} s wall, "
          f"{single[1]:.2f} s CPU (x{n_tasks / sample:g}: {single[1] * n_tasks / sample:.1f} s CPU)")
    print(f"database: {connection.vendor}; stored report ~{size_kb:.1f} KiB; one report computed in {one_report_s * 1000:.1f} ms")
    print(f"| {'operation':<45} | {'tasks':>6} | {'seconds':>8} |")
    print(f"|{'-' * 47}|{'-' * 8}|{'-' * 10}|")
    for name, n, secs in results:
        print(f"| {name:<45} | {n:>6} | {secs:>8.3f} |")


if __name__ == "__main__":
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
