"""Server CPU of the requests an annotator makes most: next task, draft save, submit.

Drives Django's WSGI application in this process (what a gunicorn worker runs, less the socket),
with token authentication and the full middleware stack, against a scratch PostgreSQL database
(HOT_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/tandem_hot). Each request's cost is
this process's CPU time (time.process_time), so other load on the machine does not change it;
PostgreSQL's own CPU is not in it (the SQL statements per request are counted instead).

Results hold 30-100 regions of the load harness's schema (segments with attributes, points,
transcript lines, spans, relations); each save changes a few of them, as an edit does.

Run: .venv/bin/python bench/load/hot.py [--saves 500] [--profile save|submit|next]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))
from annotators import DURATION_MS, SCHEMA, TEXT, Editor  # noqa: E402

from bench.scratch import recreate_database  # noqa: E402


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--saves", type=int, default=500, help="draft saves measured")
    p.add_argument("--saves-per-task", type=int, default=10)
    p.add_argument("--regions", type=int, nargs=2, default=(30, 100), metavar=("MIN", "MAX"))
    p.add_argument("--profile", choices=("save", "submit", "next"), default=None,
                   help="print cProfile's top functions for this request")
    p.add_argument("--sql", action="store_true", help="print the SQL of one request of each kind")
    p.add_argument("--database-url", default=os.environ.get("HOT_DATABASE_URL",
                                                            "postgres://postgres@127.0.0.1:5432/tandem_hot"))
    p.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"))
    return p.parse_args()


class Wsgi:
    """Calls the WSGI application the way gunicorn does; counts CPU time and SQL per request kind."""

    def __init__(self, token: str) -> None:
        from tandem.wsgi import application  # what gunicorn loads, with its start-up steps

        self.app = application
        self.auth = f"Token {token}"
        self.cpu_ms: dict[str, list[float]] = {}
        self.queries: dict[str, list[int]] = {}
        self.profiler: cProfile.Profile | None = None
        self.profiled = ""
        self.last_sql: dict[str, list[str]] = {}

    def __call__(self, op: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        from django.db import connection

        raw = b"" if body is None else orjson.dumps(body)
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8765", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1:8765", "HTTP_AUTHORIZATION": self.auth, "HTTP_ACCEPT": "*/*",
            "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(raw)),
            "wsgi.input": io.BytesIO(raw), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0), "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
        }
        status: list[str] = []
        count = [0]
        statements: list[str] = []

        def counting(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
            count[0] += 1
            statements.append(sql)
            return execute(sql, params, many, context)

        profile = self.profiler if op == self.profiled else None
        with connection.execute_wrapper(counting):
            t0 = time.process_time()
            if profile is not None:
                profile.enable()
            chunks = self.app(environ, lambda s, h, exc=None: status.append(s))  # type: ignore[arg-type,return-value]
            content = b"".join(chunks)
            if hasattr(chunks, "close"):
                chunks.close()
            if profile is not None:
                profile.disable()
            spent = (time.process_time() - t0) * 1000
        self.cpu_ms.setdefault(op, []).append(spent)
        self.queries.setdefault(op, []).append(count[0])
        self.last_sql[op] = statements
        code = int(status[0].split()[0])
        return code, orjson.loads(content) if content else None


def setup(args: argparse.Namespace, annotators: int) -> tuple[int, list[str]]:
    """Scratch database, a project of the load schema with 2-annotator overlap, items, tokens."""
    recreate_database(args.database_url)
    var_dir = Path(tempfile.mkdtemp(prefix="tandem-hot-"))
    os.environ.update({
        "DATABASE_URL": args.database_url, "REDIS_URL": args.redis_url, "CELERY_BROKER_URL": args.redis_url,
        "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost", "TANDEM_VAR_DIR": str(var_dir),
        "MEDIA_ROOT": str(var_dir / "media"), "LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "tandem.settings",
    })
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from annotation.services.imports import project_import
    from annotation.services.projects import member_set, project_create

    call_command("migrate", verbosity=0)
    manager = User.objects.create_user("hot-manager", password="!", is_staff=True)
    project = project_create(user=manager, name="hot", schema=SCHEMA, overlap=2)
    tokens = []
    for i in range(annotators):
        user = User.objects.create_user(f"hot-ann-{i}", password="!")
        member_set(project=project, user=manager, member=user, role="annotator")
        tokens.append(Token.objects.create(user=user).key)
    items = [{"external_id": f"hot-{i}", "duration_ms": DURATION_MS, "streams": [{"role": "transcript", "text": TEXT}]}
             for i in range(args.saves // args.saves_per_task + 20)]
    project_import(project=project, user=manager, records=items, uploads={})
    return project.pk, tokens


def main() -> None:
    args = parse_args()
    # Two annotators take turns, so half the submits complete a task (overlap 2), as under load.
    project, tokens = setup(args, annotators=2)
    clients = [Wsgi(t) for t in tokens]
    if args.profile:
        for c in clients:
            c.profiler, c.profiled = cProfile.Profile(time.process_time), args.profile
    rng = random.Random(1)
    saves = 0
    turn = 0
    warm = True  # the first task of each client is not measured: imports and first-use caches
    while saves < args.saves:
        client = clients[turn % 2]
        turn += 1
        code, body = client("next", "POST", f"/api/projects/{project}/next/")
        assert code == 200, (code, body)
        task = body["task"]["id"]
        for path in (f"/api/tasks/{task}/", f"/api/projects/{project}/", f"/api/tasks/{task}/annotations/",
                     f"/api/tasks/{task}/predictions/"):
            code, body = client("page", "GET", path)
            assert code == 200, (code, body)
        code, body = client("create", "POST", f"/api/tasks/{task}/annotations/", {"result": {"regions": []}})
        assert code == 201, (code, body)
        annotation, version = body["id"], body["version"]
        editor = Editor(rng, rng.randint(*args.regions))
        for _ in range(args.saves_per_task):
            editor.edit()
            code, body = client("save", "PUT", f"/api/annotations/{annotation}/",
                                {"result": editor.result(), "version": version})
            assert code == 200, (code, body)
            version = body["version"]
            saves += 0 if warm else 1
        code, body = client("submit", "POST", f"/api/annotations/{annotation}/submit/", {"version": version})
        assert code == 200, (code, body)
        if warm and turn == 2:
            warm = False
            for c in clients:
                c.cpu_ms.clear()
                c.queries.clear()
                if c.profiler is not None:
                    c.profiler = cProfile.Profile(time.process_time)
    # p10 too: on a busy machine a process's CPU time per request rises with the others' load
    # (shared caches and cores), and the low end of the distribution moves least.
    print(f"{'request':<8} {'n':>5} {'CPU ms p10':>11} {'p50':>7} {'mean':>7} {'p95':>7} {'SQL':>5}")
    for op in ("next", "page", "create", "save", "submit"):
        cpu = [v for c in clients for v in c.cpu_ms.get(op, [])]
        sql = [v for c in clients for v in c.queries.get(op, [])]
        cpu.sort()
        print(f"{op:<8} {len(cpu):>5} {cpu[len(cpu) // 10]:>11.2f} {statistics.median(cpu):>7.2f} {statistics.fmean(cpu):>7.2f} "
              f"{cpu[int(len(cpu) * 0.95)]:>7.2f} {statistics.median(sql):>5.0f}")
    if args.sql:
        for op, statements in clients[0].last_sql.items():
            print(f"-- {op}")
            for statement in statements:
                print("  ", statement[:300])
    if args.profile:
        out = io.StringIO()
        merged = pstats.Stats(*(c.profiler for c in clients if c.profiler is not None), stream=out)
        merged.sort_stats(os.environ.get("HOT_SORT", "cumulative")).print_stats(int(os.environ.get("HOT_TOP", "45")))
        for name in os.environ.get("HOT_CALLEES", "").split(","):
            if name:
                merged.print_callees(name)
        print(out.getvalue())


if __name__ == "__main__":
    main()
