"""The dataset audit of a 100,000-item project: GET /api/projects/{id}/audit/ timed end to end.

Every item has a speaker (60 of them), a language (5), a duration, a provenance (10 % synthetic)
and, for 80 % of them, a consent record; every task has one submitted annotation with three
regions (5 annotators), and 30 % also a gold annotation with three regions and a redaction.
Creates a scratch database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/tandem_audit_bench) and prints one table.
Run: .venv/bin/python bench/audit.py [--items N]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.scratch import django_step, recreate_database  # noqa: E402

BENCH_DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tandem_audit_bench")
SCHEMA = {"tracks": [
    {"name": "speech", "kind": "segment", "labels": [{"value": "speech"}, {"value": "music"}, {"value": "noise"}]},
    {"name": "redactions", "kind": "redact", "labels": [{"value": "voice"}, {"value": "name"}]},
]}


def _setup(n_items: int) -> int:
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
    annotators = [User.objects.create_user(f"annotator{i}", password="x") for i in range(5)]
    project = project_create(user=manager, name="audit bench", schema=SCHEMA, overlap=1, require_consent="research",
                             audit_facets=["speaker", "language", "device"],
                             audit_thresholds={"min_label_share": 0.05, "max_facet_share": {"speaker": 0.3}})
    first = project_import(project=project, user=manager, uploads={},
                           records=[{"duration_ms": 60_000, "streams": [{"role": "t", "text": "hello"}]}])
    asset_id = Task.objects.get(pk=first["task_ids"][0]).item.streams.get().asset_id
    consent = [{"subject": "s", "scope": "research", "given_at": "2026-01-01"}]
    for start in range(0, n_items - 1, 25_000):
        count = min(25_000, n_items - 1 - start)
        project_import(project=project, user=manager, uploads={}, records=[
            {"external_id": f"t{n}", "duration_ms": 30_000 + (n % 7) * 5000,
             "metadata": {"speaker": f"spk{n % 60}", "language": ["en", "fr", "de", "es", "it"][n % 5],
                          "device": ["phone", "headset"][n % 2]},
             "provenance": {"kind": "synthetic", "generator": "tts"} if n % 10 == 0 else {"kind": "captured"},
             "consent": consent if n % 5 else [], "licence": "CC-BY-4.0" if n % 3 else "CC0-1.0",
             "streams": [{"role": "t", "asset": asset_id}]}
            for n in range(start, start + count)])
    now = timezone.now()
    task_ids = list(Task.objects.filter(project=project).order_by("id").values_list("id", flat=True))

    def regions(n: int) -> list[dict[str, object]]:
        return [{"id": "a", "track": "speech", "label": "speech", "start_ms": 1000, "end_ms": 4000 + n % 900},
                {"id": "b", "track": "speech", "label": "music", "start_ms": 3000, "end_ms": 9000},
                {"id": "c", "track": "speech", "label": "noise" if n % 4 else "speech", "start_ms": 10_000,
                 "end_ms": 12_000}]

    cols = ["task_id", "annotator_id", "kind", "status", "version", "result", "automatic", "submitted_at",
            "lead_time_ms", "created_at", "updated_at"]
    # Columns this bench does not set but the table requires: their model defaults.
    extra = {f.attname: f.get_default() for f in Annotation._meta.concrete_fields
             if f.attname not in cols and f.attname != "id" and not f.null}
    cols += list(extra)
    insert_rows(Annotation, cols, [
        [t, annotators[n % 5].pk, "human", "submitted", 2, {"regions": regions(n)}, False, now, 0, now, now,
         *extra.values()]
        for n, t in enumerate(task_ids)])
    insert_rows(Annotation, cols, [
        [t, None, "gold", "submitted", 1, {"regions": [*regions(n + 1), {"id": "r", "track": "redactions",
                                                                            "label": "voice", "start_ms": 0, "end_ms": 500}]},
         True, now, 0, now, now, *extra.values()]
        for n, t in enumerate(task_ids) if n % 10 < 3])
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return int(project.pk)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process on this host (/proc), 0.0 where it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _run(project_id: int) -> None:
    """GET the audit through the API three times; prints wall and CPU seconds and the figures it answered.

    CPU seconds (this process plus the database backend, parallel workers off so the backend does
    all of it) are what the request costs on an idle machine; wall seconds also count waiting for
    a busy CPU.
    """
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(User.objects.get(username="bench"))
    with connection.cursor() as cursor:
        cursor.execute("SET max_parallel_workers_per_gather = 0")
        cursor.execute("SELECT pg_backend_pid()")
        backend = int(cursor.fetchone()[0])
    walls, cpus = [], []
    for _ in range(3):
        t0, c0 = time.perf_counter(), time.process_time() + _cpu_seconds(backend)
        answer = client.get(f"/api/projects/{project_id}/audit/", HTTP_HOST="localhost")
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() + _cpu_seconds(backend) - c0)
        assert answer.status_code == 200, answer.content
    doc = answer.json()
    print("\t".join([f"{min(walls):.2f}", f"{min(cpus):.2f}", str(doc["items"]),
                     str(doc["labels"]["speech"]["segments"]), str(len(doc["warnings"])), f"{os.getloadavg()[0]:.1f}"]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    args = parser.parse_args()
    recreate_database(BENCH_DB)
    env = {**os.environ, "DATABASE_URL": BENCH_DB, "DJANGO_SETTINGS_MODULE": "tandem.settings",
           "TANDEM_VAR_DIR": str(ROOT / "bench" / "out" / "audit"), "CELERY_TASK_ALWAYS_EAGER": "0"}
    env.pop("REDIS_URL", None)
    project_id = int(django_step("audit", f"_setup({args.items})", env))
    last = django_step("audit", f"_run({project_id})", env)
    wall, cpu, items, segments, warnings, load = last.split("\t")
    print(f"{'GET /api/projects/{id}/audit/ (PostgreSQL)':<44} {'items':>8} {'segments':>9} {'warnings':>9} "
          f"{'wall s':>7} {'CPU s':>6} {'load':>5}")
    print(f"{f'{args.items:,} items, {args.items * 13 // 10:,} annotations':<44} {items:>8} {segments:>9} {warnings:>9} "
          f"{wall:>7} {cpu:>6} {load:>5}")
    print("best of 3; target: < 2 s (CPU s: client + database backend, what an idle machine takes)")


if __name__ == "__main__":
    main()
