"""Speed at a million tasks: next task, the filtered task list, project detail, a 100,000-item import.

Creates a scratch database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/tandem_scale_bench),
generates a project of ``--tasks`` tasks with three annotations each inside PostgreSQL
(``bench/scale_data.py``), drives the API in-process through Django's test client (server time
without network) and prints one table with each target and whether it was met.

Run: .venv/bin/python bench/scale.py [--tasks 1000000] [--import-items 100000] [--reuse] [--only list,import]
(``--reuse`` keeps the database of the last run with the same ``--tasks``, skipping the build; ``--only``
measures some of the requests.) Besides wall time each row gives the CPU time of the server's Python
and of its PostgreSQL backend (when the server runs on this machine), which load stretches far less.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.scratch import recreate_database  # noqa: E402

BENCH_DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tandem_scale_bench")
ANNOTATORS = 200
SCHEMA = {"tracks": [{"name": "speech", "kind": "segment", "labels": [{"value": "speech"}, {"value": "music"}]}]}


# name, p50, p95, server CPU p50, database CPU mean, target p95, unit
Row = tuple[str, float, float, float, float, float, str]
PARTS = ("next", "list", "deep", "detail", "submit", "import")


def _db_cpu_ms() -> float:
    """CPU milliseconds the PostgreSQL backend of this process's connection has used so far, read
    from /proc when the server runs on this machine (else 0: the column then says nothing)."""
    from django.db import connection

    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


class Clock:
    """Wall and CPU milliseconds of each timed call. CPU is this process's (the server's Python) and,
    separately, its PostgreSQL backend's: other load on the machine stretches the wall figure, much
    less the CPU ones (the backend's is counted in clock ticks, 10 ms)."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.db: list[float] = []

    def time(self, call: Callable[[], Any]) -> Any:
        d0 = _db_cpu_ms()
        t0, c0 = time.perf_counter(), time.process_time()
        out = call()
        self.wall.append((time.perf_counter() - t0) * 1000)
        self.cpu.append((time.process_time() - c0) * 1000)
        self.db.append(_db_cpu_ms() - d0)
        return out

    def summary(self, skip: int) -> tuple[float, float, float, float]:
        """p50 and p95 wall, p50 CPU, mean database CPU, leaving out the first ``skip`` calls (cold caches)."""
        wall, cpu, db = sorted(self.wall[skip:]), sorted(self.cpu[skip:]), self.db[skip:]
        return (wall[len(wall) // 2], wall[min(len(wall) - 1, int(len(wall) * 0.95))], cpu[len(cpu) // 2],
                sum(db) / len(db))


def _build(n_tasks: int) -> dict[str, Any]:
    from django.contrib.auth.models import User

    from annotation.models import Task
    from annotation.services.imports import project_import
    from annotation.services.projects import member_set, project_create
    from bench.scale_data import generate

    manager = User.objects.create_user("bench-manager", password="x", is_staff=True)
    annotators = User.objects.bulk_create([User(username=f"ann{i:03d}") for i in range(ANNOTATORS)])
    project = project_create(user=manager, name=f"scale {n_tasks}", schema=SCHEMA, overlap=3)
    for user in annotators:
        member_set(project=project, user=manager, member=user, role="annotator")
    first = project_import(project=project, user=manager, uploads={},
                           records=[{"duration_ms": 60_000, "streams": [{"role": "t", "text": "hello"}]}])
    asset_id = Task.objects.get(pk=first["task_ids"][0]).item.streams.get().asset_id
    t0 = time.perf_counter()
    steps = generate(project_id=project.pk, dataset_id=project.dataset_id, asset_id=asset_id,
                     annotator_ids=[u.pk for u in annotators], n=n_tasks - 1, manager_id=manager.pk)
    steps["total"] = time.perf_counter() - t0
    return {"project": project.pk, "asset": asset_id, "build_s": steps}


def _measure(project_id: int, asset_id: int, import_items: int, parts: set[str]) -> list[Row]:
    from django.contrib.auth.models import User
    from rest_framework.test import APIClient

    from annotation.models import Project, Task
    from annotation.services.projects import member_set, project_create
    from bench.scale_data import REGIONS
    from qa.models import TaskAgreement

    manager = User.objects.get(username="bench-manager")
    # A new annotator each run: one who skipped the tasks of earlier runs would walk past them all.
    newcomer = User.objects.create_user(f"bench-newcomer-{time.time():.0f}", password="x")
    member_set(project=Project.objects.get(pk=project_id), user=manager, member=newcomer, role="annotator")
    admin, ann = APIClient(), APIClient()
    admin.force_authenticate(manager)
    ann.force_authenticate(newcomer)
    rows: list[Row] = []

    if "next" in parts:
        # Next task: each call takes a fresh task; the held one is skipped (untimed) before the next call.
        clock = Clock()
        for _ in range(300):
            got = clock.time(lambda: ann.post(f"/api/projects/{project_id}/next/"))
            assert got.status_code == 200, got.content
            ann.post(f"/api/tasks/{got.json()['task']['id']}/skip/")
        rows.append(("next task", *clock.summary(20), 20, "ms"))

    if "list" in parts:
        # Filtered task list: status + annotator + agreement range, a different annotator and range each time.
        queries = []
        for i in range(200):
            low = (i % 7) / 10
            queries.append(f"/api/projects/{project_id}/tasks/?status={('complete', 'review', 'gold')[i % 3]}"
                           f"&annotator=ann{(i * 37) % ANNOTATORS:03d}&agreement_gte={low}&agreement_lt={low + 0.3}")
        clock = Clock()
        for url in queries:
            response = clock.time(partial(admin.get, url))
            assert response.status_code == 200, response.content
        rows.append(("task list filtered, page number + count", *clock.summary(10), 100, "ms"))

        # The same queries as keyset pages (no count): the first page, then each one's next page.
        clock, next_urls = Clock(), []
        for url in queries:
            response = clock.time(partial(admin.get, url + "&cursor="))
            assert response.status_code == 200, response.content
            next_urls.append(response.json()["next"])
        rows.append(("task list filtered, cursor first page", *clock.summary(10), 100, "ms"))
        clock = Clock()
        for url in filter(None, next_urls):
            response = clock.time(partial(admin.get, url))
            assert response.status_code == 200, response.content
        rows.append(("task list filtered, cursor next page", *clock.summary(10), 100, "ms"))

        # An annotator's own tasks (about 14,000 of the million), page number + count, no filter.
        clock = Clock()
        for i in range(50):
            own = APIClient()
            own.force_authenticate(User.objects.get(username=f"ann{(i * 37) % ANNOTATORS:03d}"))
            response = clock.time(partial(own.get, f"/api/projects/{project_id}/tasks/?page={1 + i % 5}"))
            assert response.status_code == 200 and response.json()["count"] > 10_000, response.content[:200]
        rows.append(("task list, an annotator's own, page + count", *clock.summary(5), 100, "ms"))

    if "deep" in parts:
        # Deep in the unfiltered list: page 2,000 against a cursor 100,000 tasks in.
        first_id = Task.objects.filter(project_id=project_id).order_by("id").values_list("id", flat=True)[0]
        clock = Clock()
        for _ in range(30):
            response = clock.time(lambda: admin.get(f"/api/projects/{project_id}/tasks/?page=2000"))
            assert response.status_code == 200, response.content
        rows.append(("task list unfiltered, page=2000 + count", *clock.summary(5), 100, "ms"))
        # The cursor is opaque to clients; the bench writes one (DRF's format) to start 100,000 ids in.
        deep = base64.b64encode(f"p={first_id + 100_000}".encode()).decode()
        clock = Clock()
        for _ in range(30):
            response = clock.time(lambda: admin.get(f"/api/projects/{project_id}/tasks/", {"cursor": deep}))
            assert response.status_code == 200 and len(response.json()["results"]) == 50, response.content
        rows.append(("task list unfiltered, cursor 100,000 in", *clock.summary(5), 100, "ms"))

    if "detail" in parts:
        clock = Clock()
        for _ in range(300):
            clock.time(lambda: admin.get(f"/api/projects/{project_id}/"))
        rows.append(("project detail + counts", *clock.summary(20), 50, "ms"))

    if "submit" in parts:
        # One more submission: the third annotation of an open task, submitted; with Celery eager the
        # request also computes that task's agreement and routes it (review or gold).
        regions = json.loads(REGIONS)["regions"]
        clock = Clock()
        for _ in range(30):
            task_id = ann.post(f"/api/projects/{project_id}/next/").json()["task"]["id"]
            created = ann.post(f"/api/tasks/{task_id}/annotations/", {"result": {"regions": regions}}, format="json")
            assert created.status_code == 201, created.content
            url = f"/api/annotations/{created.json()['id']}/submit/"
            done = clock.time(partial(ann.post, url, {}, format="json"))
            assert done.status_code == 200, done.content
        assert TaskAgreement.objects.filter(task__project_id=project_id).count() >= 30
        rows.append(("submission + that task's agreement", *clock.summary(5), 1000, "ms"))

    if import_items and "import" in parts:
        # Into a project of its own, so the large project stays the same from run to run.
        project = project_create(user=manager, name=f"import {time.time():.0f}", schema=SCHEMA, overlap=3)
        first = admin.post(f"/api/projects/{project.pk}/import/", [{"streams": [{"role": "t", "text": "hello"}]}],
                           format="json")
        asset_id = Task.objects.get(pk=first.json()["task_ids"][0]).item.streams.get().asset_id
        items = [{"external_id": f"imp-{i}", "duration_ms": 60_000, "streams": [{"role": "t", "asset": asset_id}]}
                 for i in range(import_items)]
        body = json.dumps(items)
        clock = Clock()
        response = clock.time(lambda: admin.post(f"/api/projects/{project.pk}/import/", body,
                                                 content_type="application/json"))
        assert response.status_code == 201, response.content[:500]
        wall, cpu, db = clock.wall[0] / 1000, clock.cpu[0] / 1000, clock.db[0] / 1000
        rows.append((f"import {import_items:,} items, one request", wall, wall, cpu, db, 5, "s"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--import-items", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="measure the database the last run built")
    parser.add_argument("--only", default=",".join(PARTS), help=f"measure only these (comma-separated: {', '.join(PARTS)})")
    args = parser.parse_args()
    if not args.reuse:
        recreate_database(BENCH_DB)
    os.environ["DATABASE_URL"] = BENCH_DB
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
    os.environ.setdefault("TANDEM_VAR_DIR", str(ROOT / "bench" / "out" / "scale"))
    import django

    django.setup()
    logging.getLogger("celery").setLevel(logging.WARNING)
    from django.conf import settings
    from django.core.management import call_command

    from annotation.models import Annotation, Project, Task

    settings.ALLOWED_HOSTS = ["*"]
    from django.db import connection

    # One connection for the whole run (not renewed after CONN_MAX_AGE), so its backend's CPU adds up.
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = None
    call_command("migrate", verbosity=0)
    info: dict[str, Any]
    if args.reuse:
        # Earlier runs each imported 100,000 tasks; vacuum them as autovacuum would have by now (it
        # may be off on a benchmark server), or index-only scans meet pages not yet marked visible.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE annotation_task, annotation_assignment, datasets_item, datasets_stream")
        project = Project.objects.get(name=f"scale {args.tasks}")
        info = {"project": project.pk, "asset": Task.objects.filter(project=project).order_by("id")
                .values_list("item__streams__asset_id", flat=True).first()}
    else:
        info = _build(args.tasks)
        print("build (s): " + ", ".join(f"{k} {v:.1f}" for k, v in info["build_s"].items()))
    n_tasks = Task.objects.filter(project_id=info["project"]).count()
    n_annotations = Annotation.objects.filter(task__project_id=info["project"]).count()
    print(f"project {info['project']}: {n_tasks:,} tasks, {n_annotations:,} annotations")
    rows = _measure(info["project"], info["asset"], args.import_items, set(args.only.split(",")))
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'p50':>9}  {'p95':>9}  {'cpu p50':>9}  {'db cpu':>9}  {'target p95':>10}  result")
    for name, p50, p95, cpu, db, target, unit in rows:
        verdict = "pass" if p95 <= target else f"MISS ({p95 / target:.1f}x)"
        print(f"{name:<{width}}  {p50:>7.1f}{unit:>2}  {p95:>7.1f}{unit:>2}  {cpu:>7.1f}{unit:>2}  {db:>7.1f}{unit:>2}  "
              f"{'≤ ' + str(target) + ' ' + unit:>10}  {verdict}")


if __name__ == "__main__":
    main()
