"""Memory at rest of the embedded default (`make run`): one web worker, the Celery worker, the whole.

Starts ``scripts/serve.sh`` (gunicorn with one worker of eight threads, a Celery worker that
grows to two pool processes while there is work and keeps one at rest, beat as a thread of its
main process) on a fresh SQLite database and filesystem broker in a scratch folder, with the demo
project (``manage.py demo_setup``, whose media the worker processes). Measures each process's RSS
and PSS (``/proc/PID/smaps_rollup``; PSS shares pages between forked processes fairly, so the PSS
sum is what the machine really spends) at rest (the demo media processed and the pool back to one
process), then again after one request to each main page and API, twice over. Prints one table.

Run: .venv/bin/python bench/memory.py   (MEMORY_PORT to pick the port; 8765 by default)
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PORT = int(os.environ.get("MEMORY_PORT", "8765"))
BASE = f"http://127.0.0.1:{PORT}"
CLEARED = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "MEDIA_ROOT", "STORAGE_BACKEND")


def _env(var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(TANDEM_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="tandem.settings", PORT=str(PORT))
    return env


def _kb(pid: int, field: str) -> int:
    text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    match = re.search(rf"^{field}:\s+(\d+) kB", text, re.M)
    return int(match.group(1)) if match else 0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *_children(int(child))]
    return found


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")


def _processes(serve: int) -> dict[str, list[int]]:
    """The embedded default's processes by role: gunicorn master/workers, celery main/pool/beat."""
    roles: dict[str, list[int]] = {"web master": [], "web worker": [], "celery main": [], "celery pool": []}
    pids = _children(serve)
    for pid in pids:
        cmd = _cmdline(pid)
        parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        if "gunicorn" in cmd:
            roles["web worker" if "gunicorn" in _cmdline(parent) else "web master"].append(pid)
        elif "celery" in cmd or "celeryd" in cmd:
            roles["celery main" if parent == serve else "celery pool"].append(pid)
    return roles


def _measure(serve: int) -> dict[str, tuple[int, int, int, int]]:
    """Per role: (number of processes, RSS MB of the largest, RSS MB summed, PSS MB summed)."""
    roles = _processes(serve)
    out: dict[str, tuple[int, int, int, int]] = {}
    for role, pids in roles.items():
        rss = [_kb(p, "Rss") for p in pids]
        pss = [_kb(p, "Pss") for p in pids]
        out[role] = (len(pids), max(rss, default=0) // 1024, sum(rss) // 1024, sum(pss) // 1024)
    return out


def _at_rest(serve: int, seconds: float) -> None:
    """Waits until the demo media is processed and the pool has shrunk back to one process."""
    deadline = time.monotonic() + seconds
    time.sleep(10)
    while time.monotonic() < deadline:
        if len(_processes(serve)["celery pool"]) <= 1:
            return
        time.sleep(1)
    raise SystemExit("the worker's pool did not come back to one process at rest")


def _wait(predicate: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():  # type: ignore[operator]
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"gave up waiting for {what}")


def _login(client: httpx.Client, username: str, password: str) -> None:
    client.get("/login/")
    token = client.cookies["csrftoken"]
    answer = client.post("/login/", data={"username": username, "password": password,
                                          "csrfmiddlewaretoken": token}, headers={"Referer": f"{BASE}/login/"})
    assert answer.status_code in (200, 302), answer.status_code


def _asset_id(data: object) -> int | None:
    """The first asset id in a task's JSON (its item's streams)."""
    if isinstance(data, dict):
        if isinstance(data.get("asset_id"), int):
            return int(data["asset_id"])
        if isinstance(data.get("asset"), dict) and isinstance(data["asset"].get("id"), int):
            return int(data["asset"]["id"])
        values = list(data.values())
    elif isinstance(data, list):
        values = data
    else:
        return None
    for value in values:
        found = _asset_id(value)
        if found:
            return found
    return None


def _visit(client: httpx.Client) -> list[str]:
    """One request to each main page and API; returns 'status path' lines."""
    projects = client.get("/api/projects/").json()["results"]
    pk = projects[0]["id"]
    tasks = client.get(f"/api/projects/{pk}/tasks/").json()
    task = (tasks.get("results") or [{}])[0].get("id") if isinstance(tasks, dict) else None
    paths = ["/", f"/projects/{pk}/", f"/projects/{pk}/manage/", f"/projects/{pk}/quality/", "/api/projects/",
             f"/api/projects/{pk}/", f"/api/projects/{pk}/tasks/", f"/api/projects/{pk}/exports/",
             f"/api/projects/{pk}/agreement/", "/api/docs/", "/api/schema/"]
    if task:
        paths += [f"/tasks/{task}/annotate/", f"/api/tasks/{task}/", f"/api/tasks/{task}/agreement/"]
        asset = _asset_id(client.get(f"/api/tasks/{task}/").json())
        if asset:
            paths += [f"/api/assets/{asset}/", f"/api/assets/{asset}/waveform/"]
    return [f"{client.get(p).status_code} {p}" for p in paths]


def main() -> None:
    var = Path(tempfile.mkdtemp(prefix="tandem-memory-"))
    env = _env(var)
    py = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([py, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True)
    setup = subprocess.run([py, "manage.py", "demo_setup"], cwd=ROOT, env=env, check=True, capture_output=True,
                           text=True).stdout
    password = re.search(r"^\s+admin\s+\S+\s+(\S+)$", setup, re.M)
    assert password, setup
    log = (var / "serve.log").open("wb")
    serve = subprocess.Popen(["bash", "scripts/serve.sh"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
    try:
        _wait(lambda: httpx.get(f"{BASE}/login/", timeout=2).status_code == 200, 120, "the web server")
        _at_rest(serve.pid, 180)
        at_start = _measure(serve.pid)
        with httpx.Client(base_url=BASE, timeout=60, follow_redirects=False) as client:
            _login(client, "admin", password.group(1))
            visited = _visit(client) + _visit(client)
        time.sleep(2)
        after = _measure(serve.pid)
    finally:
        serve.send_signal(signal.SIGTERM)  # serve.sh passes it on to the web server and the worker
        try:
            serve.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
            print("serve.sh did not stop within 60 s of SIGTERM; killed", file=sys.stderr)
    print("requests:", ", ".join(sorted(set(visited))))
    print(f"{'process':<14} {'n':>2} {'RSS max, at rest':>17} {'RSS max, after':>15} {'RSS sum, after':>15}"
          f" {'PSS sum, after':>15}")
    for role in at_start:
        n, rss0, _, _ = at_start[role]
        _, rss1, rss_sum, pss1 = after[role]
        print(f"{role:<14} {n:>2} {rss0:>14} MB {rss1:>12} MB {rss_sum:>12} MB {pss1:>12} MB")
    print(f"{'whole':<14} {sum(v[0] for v in after.values()):>2} {'':>17} {'':>15}"
          f" {sum(v[2] for v in after.values()):>12} MB {sum(v[3] for v in after.values()):>12} MB")


if __name__ == "__main__":
    main()
