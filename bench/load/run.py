"""Load harness: 50 simulated annotators against gunicorn + PostgreSQL + Redis on 127.0.0.1.

Creates a scratch database (default tandem_load), migrates it, starts gunicorn, creates a project
(overlap 2) and its items through the REST API, then lets the annotators work as the editor does
(annotators.py: page loads, edits in bursts with think time between them, autosave 1 s after the
last edit, submit) for a bounded time and request count. Afterwards it checks the database
against every acknowledged save, runs the two-writers race on one annotation, and prints one
table, with the CPU the clients, gunicorn and PostgreSQL each took during the load.

All annotators run in this one process, on one asyncio loop, sharing one pool of keep-alive
connections (wire.py, aiohttp), so the clients take as little of the machine as they can.

Run: .venv/bin/python bench/load/run.py            (300 s)
     .venv/bin/python bench/load/run.py --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from annotators import AUTOSAVE_DEBOUNCE_S, DURATION_MS, SCHEMA, TEXT, Pace, RaceOutcome, Stats, annotator, race
from cpu import CpuMeter, CpuUse
from server import recreate_database, server_env, setup_django, start_gunicorn, stop
from verify import Verdict, over_overlap, verify
from wire import Pool

MANAGER_PASSWORD = "load-manager-pass-123"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, default=300.0, help="duration of the load phase")
    p.add_argument("--annotators", type=int, default=50)
    p.add_argument("--items", type=int, default=2000)
    p.add_argument("--max-requests", type=int, default=100_000, help="hard cap on load-phase requests")
    p.add_argument("--race-rounds", type=int, default=200)
    p.add_argument("--think", type=float, nargs=2, default=(1.0, 4.0), metavar=("MIN", "MAX"),
                   help="seconds between two bursts of edits of one annotator (each burst is saved "
                        f"{AUTOSAVE_DEBOUNCE_S:.0f} s after its last edit, as the editor's autosave does)")
    p.add_argument("--ramp", type=float, default=30.0, metavar="SECONDS",
                   help="the annotators arrive over this many seconds, each at a random moment (0: within "
                        "the first think time, all at once); the figures cover the arrival too")
    p.add_argument("--regions", type=int, nargs=2, default=(30, 100), metavar=("MIN", "MAX"),
                   help="regions of a task's result when it is submitted (each save sends the whole result)")
    p.add_argument("--no-page-loads", dest="page_loads", action="store_false",
                   help="leave out the four GETs the editor page makes for each task")
    p.add_argument("--connections", type=int, default=64,
                   help="keep-alive connections all annotators share (more than gunicorn's threads); a "
                        "request that finds them all busy waits on the client side, shown apart in the table")
    p.add_argument("--restart-postgres-at", type=float, default=None, metavar="SECONDS",
                   help="restart the machine's PostgreSQL this many seconds into the load")
    p.add_argument("--access-log", type=Path, default=None, metavar="PATH",
                   help="write gunicorn's access log here and print the time gunicorn took per request "
                        "next to what the clients measured (the difference is time spent queued)")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/tandem_load")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/14",
                   help="a Redis database of its own: submits queue agreement jobs there")
    return p.parse_args()


def make_users(n: int) -> tuple[str, list[str]]:
    """The manager (password login) and n annotators with API tokens, written through the ORM."""
    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token

    User.objects.create_user("load-manager", password=MANAGER_PASSWORD, is_staff=True)
    users = User.objects.bulk_create([User(username=f"load-ann-{i:02d}", password="!") for i in range(n + 1)])
    tokens = Token.objects.bulk_create([Token(key=Token.generate_key(), user=u) for u in users])
    return "load-manager", [t.key for t in tokens]


def setup_project(base: str, items: int, annotators: int) -> tuple[int, float]:
    """Token login, project, members and the import, all through the public API; returns (project, import s)."""
    with httpx.Client(base_url=base, timeout=120) as c:
        r = c.post("/api/auth/token/", data={"username": "load-manager", "password": MANAGER_PASSWORD})
        r.raise_for_status()
        c.headers["Authorization"] = f"Token {r.json()['token']}"
        r = c.post("/api/projects/", json={"name": "load", "schema": SCHEMA, "overlap": 2})
        r.raise_for_status()
        project = int(r.json()["id"])
        for i in range(annotators + 1):
            c.post(f"/api/projects/{project}/members/", json={"username": f"load-ann-{i:02d}", "role": "annotator"}).raise_for_status()
        records = [{"external_id": f"load-{i}", "duration_ms": DURATION_MS, "streams": [{"role": "transcript", "text": TEXT}]}
                   for i in range(items)]
        t0 = time.perf_counter()
        r = c.post(f"/api/projects/{project}/import/", json={"items": records})
        r.raise_for_status()
        return project, time.perf_counter() - t0


def watch_overlap(stop_event: threading.Event, found: list[str], checks: list[int]) -> None:
    """Sample the overlap invariant every 2 s while the load runs (its own database connection)."""
    from django.db import OperationalError, connection

    try:
        while not stop_event.wait(2.0):
            try:
                found.extend(over_overlap())
            except OperationalError:
                connection.close()  # the database is restarting; sample again next time
                continue
            checks[0] += 1
    finally:
        connection.close()


def restart_postgres_later(at: float, window: list[float]) -> threading.Thread:
    """Restart the local PostgreSQL cluster ``at`` seconds from now; ``window`` gets (down, up) times."""

    def run() -> None:
        time.sleep(at)
        version = sorted(os.listdir("/etc/postgresql"))[0]
        window.append(time.monotonic())
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True,
                       capture_output=True, timeout=120)
        while subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"], check=False).returncode != 0:
            time.sleep(0.2)
        window.append(time.monotonic())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


async def load(project: int, tokens: list[str], args: argparse.Namespace, meter: CpuMeter) -> tuple[Stats, list[int], float, CpuUse]:
    stats = Stats(max_requests=args.max_requests)
    deadline = time.monotonic() + args.seconds
    pool = Pool("127.0.0.1", args.port, size=args.connections)
    pace = Pace(think=tuple(args.think), regions=tuple(args.regions), page_loads=args.page_loads, ramp=args.ramp)
    t0 = time.monotonic()
    meter.start()
    try:
        done = await asyncio.gather(*(annotator(pool, token, project, stats, deadline, seed, pace)
                                      for seed, token in enumerate(tokens)))
    finally:
        await pool.aclose()
    cpu = meter.stop()
    return stats, list(done), time.monotonic() - t0, cpu


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def table(rows: list[tuple[str, str]]) -> str:
    width = max(len(k) for k, _ in rows)
    vwidth = max(len(v) for _, v in rows)
    lines = [f"| {'measure'.ljust(width)} | {'result'.ljust(vwidth)} |", f"|{'-' * (width + 2)}|{'-' * (vwidth + 2)}|"]
    lines += [f"| {k.ljust(width)} | {v.ljust(vwidth)} |" for k, v in rows]
    return "\n".join(lines)


def report(args: argparse.Namespace, stats: Stats, submitted: list[int], wall: float, import_s: float,
           verdict: Verdict, live: list[str], live_checks: int, outcome: RaceOutcome, queued_jobs: int,
           load_requests: int) -> str:
    saves = stats.latency_ms.get("save", [])
    every = [v for lat in stats.latency_ms.values() for v in lat]
    five = sum(n for (_, code), n in stats.statuses.items() if code >= 500)
    race_saves = stats.latency_ms.get("race", [])
    rows = [
        ("annotators x duration (s), arriving over", f"{args.annotators} x {wall:.0f}, {args.ramp:.0f} s"),
        ("items imported (one API request)", f"{args.items} in {import_s * 1000:.0f} ms"),
        ("requests (load phase + race)", f"{stats.requests}"),
        ("throughput, load phase", f"{load_requests / wall:.1f} req/s"),
        ("acknowledged saves (PUT 200)", f"{len(saves)} ({len(saves) / wall:.1f}/s)"),
        ("regions per save, mean", f"{stats.regions_saved / max(len(saves), 1):.0f}"),
        ("tasks submitted", f"{sum(submitted)}"),
        ("save latency p50 / p95 / p99", f"{pct(saves, 50):.1f} / {pct(saves, 95):.1f} / {pct(saves, 99):.1f} ms"),
        ("next-task latency p50 / p95", f"{pct(stats.latency_ms.get('next', []), 50):.1f} / {pct(stats.latency_ms.get('next', []), 95):.1f} ms"),
        ("submit latency p50 / p95", f"{pct(stats.latency_ms.get('submit', []), 50):.1f} / {pct(stats.latency_ms.get('submit', []), 95):.1f} ms"),
        ("editor page GETs p50 / p95", f"{pct(stats.latency_ms.get('page', []), 50):.1f} / {pct(stats.latency_ms.get('page', []), 95):.1f} ms"),
        ("save / next: waiting for a client connection p95",
         f"{pct(stats.pool_wait_ms.get('save', []), 95):.1f} / {pct(stats.pool_wait_ms.get('next', []), 95):.1f} ms"),
        ("all requests p50 / p95 / p99", f"{pct(every, 50):.1f} / {pct(every, 95):.1f} / {pct(every, 99):.1f} ms"),
        ("5xx responses", f"{five}"),
        ("transport errors", f"{len(stats.transport_errors)}"),
        ("unexpected 4xx / version answers", f"{len(stats.unexpected)}"),
        ("acknowledged changes checked in DB", f"{verdict.acks_checked}"),
        ("lost updates", f"{len(verdict.lost)}"),
        ("final version != last acknowledged", f"{len(verdict.final_version_mismatch)}"),
        ("server echo != sent result", f"{stats.echo_mismatches}"),
        ("tasks over overlap (live checks / end)", f"{len(live)} in {live_checks} / {len(verdict.over_overlap)}"),
        ("task submitted_count drift", f"{len(verdict.counter_drift)}"),
        ("race rounds: exactly one 200", f"{outcome.exactly_one_winner} / {outcome.rounds}"),
        ("race rounds: 409 with current_version", f"{outcome.loser_409_with_current_version} / {outcome.rounds}"),
        ("race PUT p50 / p95", f"{pct(race_saves, 50):.1f} / {pct(race_saves, 95):.1f} ms"),
        ("agreement jobs queued in Redis", f"{queued_jobs}"),
    ]
    return table(rows)


def cpu_table(cpu: CpuUse, requests: int, saves: int, annotators: int) -> str:
    """Where the machine's CPU went during the load phase (cpu.py says how each is counted)."""
    per = max(requests, 1)
    return table([
        ("CPU during the load phase", f"{cpu.wall_s:.0f} s wall x {cpu.cores} cores"),
        ("clients (this process's event loop)", f"{cpu.share(cpu.clients_s)}, {cpu.clients_s / per * 1000:.2f} ms/request"),
        ("harness process in all (with its checks)", cpu.share(cpu.harness_s)),
        ("gunicorn (master + workers)", f"{cpu.share(cpu.gunicorn_s)}, {cpu.gunicorn_s / per * 1000:.2f} ms/request"),
        ("PostgreSQL (whole cluster)", f"{cpu.share(cpu.postgres_s)}, {cpu.postgres_s / per * 1000:.2f} ms/request"),
        ("machine busy (everything)", cpu.share(cpu.machine_busy_s)),
        ("saves: per second / one per annotator every", f"{saves / cpu.wall_s:.1f} / {cpu.wall_s * annotators / max(saves, 1):.1f} s"),
    ])


def server_times(access_log: Path) -> dict[str, list[float]]:
    """Milliseconds gunicorn took per request (start_gunicorn's access-log format), by the harness's ops."""
    times: dict[str, list[float]] = {}
    for line in access_log.read_text().splitlines():
        parts = line.split()
        if len(parts) != 4:
            continue
        method, path, _, seconds = parts
        if method == "PUT" and path.startswith("/api/annotations/"):
            op = "save"
        elif method == "POST" and path.endswith("/next/"):
            op = "next"
        elif method == "POST" and path.endswith("/submit/"):
            op = "submit"
        elif method == "GET":
            op = "page"
        else:
            continue
        times.setdefault(op, []).append(float(seconds) * 1000)
    return times


def server_table(stats: Stats, access_log: Path) -> str:
    """Client-measured against gunicorn-measured p50 / p95 per op (race requests count as saves here)."""
    server = server_times(access_log)
    rows = []
    for op in ("save", "next", "submit", "page"):
        client = stats.latency_ms.get(op, []) + (stats.latency_ms.get("race", []) if op == "save" else [])
        own = server.get(op, [])
        rows.append((f"{op}: clients / gunicorn p50 | p95 (ms)",
                     f"{pct(client, 50):.1f} / {pct(own, 50):.1f} | {pct(client, 95):.1f} / {pct(own, 95):.1f}"))
    return table(rows)


def main() -> None:
    args = parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="tandem-load-"))
    recreate_database(args.database_url)
    env = server_env(args.database_url, args.redis_url, var_dir)
    setup_django(args.database_url, args.redis_url, var_dir)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import redis

    broker = redis.Redis.from_url(args.redis_url)
    broker.delete("media")
    _, tokens = make_users(args.annotators)
    log = var_dir / "gunicorn.log"
    proc = start_gunicorn(env, args.port, args.workers, args.threads, log, args.access_log)
    base = f"http://127.0.0.1:{args.port}"
    try:
        project, import_s = setup_project(base, args.items, args.annotators)
        stop_event, live, checks = threading.Event(), list[str](), [0]
        watcher = threading.Thread(target=watch_overlap, args=(stop_event, live, checks), daemon=True)
        watcher.start()
        window: list[float] = []
        restarter = (restart_postgres_later(args.restart_postgres_at, window)
                     if args.restart_postgres_at is not None else None)
        stats, submitted, wall, cpu = asyncio.run(load(project, tokens[:-1], args, CpuMeter(proc.pid)))
        if restarter is not None:
            restarter.join()
        stop_event.set()
        watcher.join()
        load_requests = stats.requests
        outcome = asyncio.run(race("127.0.0.1", args.port, tokens[-1], project, args.race_rounds, stats))
    finally:
        stop(proc)
    queued = int(broker.llen("media"))
    broker.delete("media")  # no worker consumes this scratch queue
    if args.restart_postgres_at is not None:
        from django.db import connection

        connection.close()  # the harness's own connection did not survive the restart
    verdict = verify(stats.acks)
    print(report(args, stats, submitted, wall, import_s, verdict, live, checks[0], outcome, queued, load_requests))
    print(cpu_table(cpu, load_requests, len(stats.latency_ms.get("save", [])), args.annotators))
    if args.access_log is not None and args.access_log.exists():
        print(server_table(stats, args.access_log))
    server_errors = stats.server_errors
    if args.restart_postgres_at is not None:
        # 5xx while the database restarts are expected (503); any other, or any outside it, is not.
        down, up = window
        during = [(t, code) for t, code in stats.server_error_times if down - 1 <= t <= up + 10]
        print(table([
            ("PostgreSQL restart: down for", f"{up - down:.1f} s, {args.restart_postgres_at:.0f} s into the load"),
            ("answers during the restart: 503 / other 5xx",
             f"{sum(1 for _, c in during if c == 503)} / {sum(1 for _, c in during if c != 503)}"),
            ("saves whose answer was lost but were kept", f"{verdict.committed_unacknowledged}"),
            ("409s right after such a lost answer", f"{stats.ambiguous}"),
        ]))
        server_errors = [e for e, (t, c) in zip(stats.server_errors, stats.server_error_times, strict=True)
                         if not (c == 503 and down - 1 <= t <= up + 10)]
    problems: list[Any] = [*server_errors[:5], *stats.transport_errors[:5], *stats.unexpected[:5],
                           *verdict.lost[:5], *verdict.final_version_mismatch[:5], *verdict.over_overlap[:5],
                           *live[:5], *verdict.counter_drift[:5], *outcome.failures[:5]]
    for line in problems:
        print("  !", line)
    if log.exists() and log.stat().st_size:
        print(f"gunicorn error log: {log} ({log.stat().st_size} bytes)")
    else:
        shutil.rmtree(var_dir, ignore_errors=True)
    if problems:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
