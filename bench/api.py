"""API speed against PostgreSQL: import, annotation save, next task, project detail.

Creates a scratch database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/tandem_bench),
drives the API in-process through Django's test client (so figures are server time without network),
prints one table. Run: .venv/bin/python bench/api.py [--items 10000] (items per import request)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.scratch import recreate_database  # noqa: E402

BENCH_DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tandem_bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=10_000, help="items per import request")
    n_items = parser.parse_args().items
    recreate_database(BENCH_DB)
    os.environ["DATABASE_URL"] = BENCH_DB
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    os.environ.setdefault("TANDEM_VAR_DIR", str(ROOT / "bench" / "out" / "api"))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    from django.contrib.auth.models import User

    from annotation.models import Project, Task
    from annotation.services.projects import member_set, project_create

    manager = User.objects.create_user("bench-manager", password="x", is_staff=True)
    annotator = User.objects.create_user("bench-annotator", password="x")
    schema = {"tracks": [{"name": "speech", "kind": "segment", "labels": [{"value": "speech"}]}]}
    project = project_create(user=manager, name="bench", schema=schema, overlap=1)
    member_set(project=project, user=manager, member=annotator, role="annotator")
    admin, ann = APIClient(), APIClient()
    admin.force_authenticate(manager)
    ann.force_authenticate(annotator)
    rows: list[tuple[str, str, str]] = []

    # Import: n_items items referencing one stored asset, one manifest request.
    first = admin.post(f"/api/projects/{project.pk}/import/", [{"streams": [{"role": "t", "text": "hello world"}]}], format="json")
    asset_id = Task.objects.get(pk=first.json()["task_ids"][0]).item.streams.get().asset_id
    import_ms = []
    for run in range(3):
        items = [{"external_id": f"i{run}-{i}", "duration_ms": 60_000, "streams": [{"role": "t", "asset": asset_id}]}
                 for i in range(n_items)]
        body = json.dumps(items)
        t0 = time.perf_counter()
        response = admin.post(f"/api/projects/{project.pk}/import/", body, content_type="application/json")
        import_ms.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 201, response.content
    target = f"≤ {n_items // 10} ms" if n_items <= 10_000 else f"≤ {n_items // 20_000} s"
    rows.append((f"import {n_items:,} items, first request in the process", f"{import_ms[0]:.0f} ms", target))
    rows.append((f"import {n_items:,} items, median of 3", f"{statistics.median(import_ms):.0f} ms", target))

    # Next task: each call takes a fresh task (skip the held one first).
    next_ms = []
    for _ in range(200):
        t0 = time.perf_counter()
        got = ann.post(f"/api/projects/{project.pk}/next/")
        next_ms.append((time.perf_counter() - t0) * 1000)
        ann.post(f"/api/tasks/{got.json()['task']['id']}/skip/")
    rows.append(("next task p50", f"{statistics.median(next_ms):.1f} ms", "≤ 20 ms"))

    # Annotation save with version, 500 saves of a 50-region result.
    task_id = ann.post(f"/api/projects/{project.pk}/next/").json()["task"]["id"]
    annotation = ann.post(f"/api/tasks/{task_id}/annotations/", {}, format="json").json()
    version = annotation["version"]
    save_ms = []
    for n in range(500):
        regions = [{"id": f"r{i}", "track": "speech", "label": "speech", "start_ms": i * 1000 + n % 7,
                    "end_ms": i * 1000 + 500} for i in range(50)]
        body = json.dumps({"result": {"regions": regions}, "version": version})
        t0 = time.perf_counter()
        saved = ann.put(f"/api/annotations/{annotation['id']}/", body, content_type="application/json")
        save_ms.append((time.perf_counter() - t0) * 1000)
        version = saved.json()["version"]
    with CaptureQueriesContext(connection) as queries:
        ann.put(f"/api/annotations/{annotation['id']}/", json.dumps({"result": {"regions": []}, "version": version}),
                content_type="application/json")
    save_ms.sort()
    rows.append(("annotation save p50 / p95", f"{save_ms[len(save_ms) // 2]:.1f} / {save_ms[int(len(save_ms) * 0.95)]:.1f} ms", "p95 ≤ 30 ms"))
    rows.append(("SQL queries per save", str(len(queries)), "bounded (test: ≤ 8)"))

    # Project detail with 100,000 tasks.
    more = [{"external_id": f"j{i}", "streams": [{"role": "t", "asset": asset_id}]} for i in range(70_000 - 1)]
    for start in range(0, len(more), 30_000):
        admin.post(f"/api/projects/{project.pk}/import/", more[start:start + 30_000], format="json")
    count = Project.objects.get(pk=project.pk).task_count
    detail_ms = []
    for _ in range(50):
        t0 = time.perf_counter()
        admin.get(f"/api/projects/{project.pk}/")
        detail_ms.append((time.perf_counter() - t0) * 1000)
    rows.append((f"project detail, {count:,} tasks, p50", f"{statistics.median(detail_ms):.1f} ms", "≤ 50 ms"))

    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'result':>16}  target")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>16}  {target}")


if __name__ == "__main__":
    main()
