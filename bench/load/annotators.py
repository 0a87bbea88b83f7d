"""Simulated annotators over HTTP, working as the editor (frontend/src/features/annotate) does.

Per task: take it (POST next), load the editor page's data (task, project, own annotations,
predictions: what ``mountAnnotate`` reads), create the draft with an empty result, then edit.
Edits come in bursts (one to three actions a fraction of a second apart) with think time
between bursts; each edit restarts the editor's autosave debounce (``Autosaver``: 1000 ms after
the last edit, one save in flight at a time, edits made meanwhile saved right after it). Every
save sends the whole result, which grows to the task's 30-100 regions. Submit flushes first.

Every save the server acknowledges (2xx) is written down with the version it was given and a hash
of the result, so the database can be checked afterwards for lost updates.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson
from wire import Pool, Reply, TransportError

# The editor's autosave debounce (Autosaver's delayMs in frontend/src/features/annotate/autosave.ts).
AUTOSAVE_DEBOUNCE_S = 1.0

TEXT = "Alice met Bob in Paris."
DURATION_MS = 60_000
SCHEMA: dict[str, Any] = {
    "tracks": [
        {"name": "speech", "kind": "segment", "labels": [{"value": "speech", "hotkey": "1"}, {"value": "music", "hotkey": "2"}],
         "attributes": [{"name": "speaker", "type": "choice", "choices": ["A", "B"]}]},
        {"name": "events", "kind": "point", "labels": [{"value": "clap", "hotkey": "c"}]},
        {"name": "words", "kind": "transcript"},
        {"name": "entities", "kind": "span", "stream": "transcript", "labels": [{"value": "PER", "hotkey": "p"}]},
        {"name": "links", "kind": "relation", "labels": [{"value": "refers_to"}]},
    ]
}


def result_hash(result: Any) -> str:
    """Order-independent digest of a JSON value (PostgreSQL's jsonb does not keep key order)."""
    return hashlib.sha256(orjson.dumps(result, option=orjson.OPT_SORT_KEYS)).hexdigest()


def random_result(rng: random.Random) -> dict[str, Any]:
    """A small result that validates against SCHEMA: segments, points, transcript, a span, a relation."""
    regions: list[dict[str, Any]] = []
    for i in range(rng.randint(1, 4)):
        start = rng.randrange(0, DURATION_MS - 1000)
        regions.append({"id": f"s{i}", "track": "speech", "label": rng.choice(["speech", "music"]),
                        "start_ms": start, "end_ms": start + rng.randint(1, 999),
                        "attributes": {"speaker": rng.choice(["A", "B"])}})
    for i in range(rng.randint(0, 2)):
        regions.append({"id": f"p{i}", "track": "events", "label": "clap", "time_ms": rng.randrange(0, DURATION_MS)})
    start = rng.randrange(0, DURATION_MS - 2000)
    regions.append({"id": "w0", "track": "words", "start_ms": start, "end_ms": start + 1500,
                    "text": rng.choice(["hello there", "ünïcödé ok", "<b>not markup</b>"])})
    a = rng.randrange(0, len(TEXT) - 1)
    regions.append({"id": "e0", "track": "entities", "label": "PER", "start_char": a, "end_char": rng.randint(a + 1, len(TEXT))})
    regions.append({"id": "l0", "track": "links", "label": "refers_to", "from_id": "e0", "to_id": "s0"})
    return {"regions": regions}


class Editor:
    """An annotator's result as the editor holds it: regions added and changed one edit at a time.

    The editor sends the whole result with every save, so a save's size is the result's, not the
    edit's. ``start`` regions are there before the first edit (a draft resumed, or suggestions
    accepted); edits add regions until there are ``target``, then move boundaries, relabel,
    retype or delete. Every result validates against SCHEMA.
    """

    def __init__(self, rng: random.Random, target: int, start: int | None = None) -> None:
        self.rng = rng
        self.target = target
        self.regions: dict[str, dict[str, Any]] = {}
        self.made = 0
        for _ in range(target if start is None else start):
            self._add()

    def _add(self) -> None:
        rng, rid = self.rng, f"r{self.made}"
        self.made += 1
        kind = rng.random()
        segments = [k for k, r in self.regions.items() if r["track"] == "speech"]
        if kind < 0.05 and len(segments) >= 2:
            source, target = rng.sample(segments, 2)
            region: dict[str, Any] = {"id": rid, "track": "links", "label": "refers_to", "from_id": source, "to_id": target}
        elif kind < 0.55:
            start = rng.randrange(0, DURATION_MS - 3000)
            region = {"id": rid, "track": "speech", "label": rng.choice(["speech", "music"]), "start_ms": start,
                      "end_ms": start + rng.randint(300, 2999), "attributes": {"speaker": rng.choice(["A", "B"])}}
        elif kind < 0.75:
            start = rng.randrange(0, DURATION_MS - 3000)
            region = {"id": rid, "track": "words", "start_ms": start, "end_ms": start + rng.randint(500, 2999),
                      "text": rng.choice(["hello there", "ünïcödé ok", "<b>not markup</b>", "so we met in Paris"])}
        elif kind < 0.9:
            region = {"id": rid, "track": "events", "label": "clap", "time_ms": rng.randrange(0, DURATION_MS)}
        else:
            first = rng.randrange(0, len(TEXT) - 1)
            region = {"id": rid, "track": "entities", "label": "PER", "start_char": first,
                      "end_char": rng.randint(first + 1, len(TEXT))}
        self.regions[rid] = region

    def edit(self) -> None:
        """One user action: add a region while short of the target, else change or delete one."""
        rng = self.rng
        if not self.regions or (len(self.regions) < self.target and rng.random() < 0.8):
            self._add()
            return
        rid = rng.choice(list(self.regions))
        region = dict(self.regions[rid])
        if "start_ms" in region:  # drag a boundary
            region["end_ms"] = max(region["start_ms"] + 1, min(DURATION_MS, region["end_ms"] + rng.randint(-200, 200)))
        elif "time_ms" in region:
            region["time_ms"] = max(0, min(DURATION_MS, region["time_ms"] + rng.randint(-200, 200)))
        elif region["track"] == "entities" or rng.random() < 0.5:
            del self.regions[rid]  # a wrong span, or a relation drawn by mistake
            return
        if region["track"] == "speech" and rng.random() < 0.3:
            region["label"] = "music" if region["label"] == "speech" else "speech"
        if rng.random() < 0.05 and region["track"] != "links":
            self._drop_links_to(rid)
            del self.regions[rid]
            return
        self.regions[rid] = region

    def _drop_links_to(self, rid: str) -> None:
        for key in [k for k, r in self.regions.items() if r.get("from_id") == rid or r.get("to_id") == rid]:
            del self.regions[key]

    def result(self) -> dict[str, Any]:
        return {"regions": list(self.regions.values())}


@dataclass(frozen=True)
class Ack:
    """One change the server acknowledged: after it, revision ``version`` of ``annotation`` holds ``digest``."""

    op: str
    annotation: int
    version: int
    digest: str


@dataclass
class Stats:
    """Everything observed on the wire, shared by all simulated clients (one event loop, no locks)."""

    max_requests: int
    requests: int = 0
    latency_ms: dict[str, list[float]] = field(default_factory=dict)
    pool_wait_ms: dict[str, list[float]] = field(default_factory=dict)  # part of latency_ms spent queued in the pool
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    server_error_times: list[tuple[float, int]] = field(default_factory=list)
    ambiguous: int = 0  # 409s right after a save whose answer was lost: it may have been committed
    transport_errors: list[str] = field(default_factory=list)
    acks: list[Ack] = field(default_factory=list)
    echo_mismatches: int = 0
    unexpected: list[str] = field(default_factory=list)
    queue_empty: int = 0
    regions_saved: int = 0  # regions in all acknowledged saves (the size of what the editor sends)

    def budget_left(self) -> bool:
        return self.requests < self.max_requests

    async def call(self, pool: Pool, auth: dict[str, str], op: str, method: str, url: str, body: Any = None) -> Reply | None:
        """One timed request; 5xx and transport errors are recorded, never raised."""
        self.requests += 1
        t0 = time.perf_counter()
        try:
            response = await pool.request(method, url, auth, body)
        except TransportError as exc:
            self.transport_errors.append(f"{op} {method} {url}: {exc}")
            return None
        self.latency_ms.setdefault(op, []).append((time.perf_counter() - t0) * 1000)
        self.pool_wait_ms.setdefault(op, []).append(response.queued_ms)
        self.statuses[(op, response.status_code)] += 1
        if response.status_code >= 500:
            self.server_errors.append(f"{op} {method} {url} -> {response.status_code}: {response.text[:300]}")
            self.server_error_times.append((time.monotonic(), response.status_code))
        return response


def auth_header(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}


class Autosaver:
    """The editor's autosave (frontend/src/features/annotate/autosave.ts), over the wire.

    ``touch`` after an edit restarts a 1000 ms timer; when it fires the whole result is PUT with
    the last acknowledged version. One save is in flight at a time; edits made during it are
    saved right after it. A 409 or another refusal stops saving, as the editor's conflict banner
    does (a single writer should never see one). A save whose answer was lost leaves the edit
    pending, to go out with the next save.
    """

    def __init__(self, pool: Pool, auth: dict[str, str], stats: Stats, annotation_id: int, version: int, editor: Editor) -> None:
        self.pool, self.auth, self.stats, self.editor = pool, auth, stats, editor
        self.annotation_id, self.version = annotation_id, version
        self.pending = False
        self.stopped = False
        self.uncertain = False  # the last save's answer was lost (5xx/transport): it may have been committed
        self.timer: asyncio.TimerHandle | None = None
        self.inflight: asyncio.Task[None] | None = None

    def touch(self) -> None:
        if self.stopped:
            return
        self.pending = True
        if self.timer is not None:
            self.timer.cancel()
        self.timer = asyncio.get_running_loop().call_later(AUTOSAVE_DEBOUNCE_S, self._fire)

    def _fire(self) -> None:
        self.timer = None
        if self.inflight is None:
            self.inflight = asyncio.create_task(self.flush())

    async def flush(self) -> None:
        """Save now if anything is pending; returns once the server has answered."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        current = asyncio.current_task()
        if self.inflight is not None and self.inflight is not current:
            await self.inflight
        while self.pending and not self.stopped and self.stats.budget_left():
            self.pending = False
            if not await self._save():
                break
        if self.inflight is current:
            self.inflight = None

    async def _save(self) -> bool:
        """One PUT of the whole result; False when it was not acknowledged."""
        stats, result = self.stats, self.editor.result()
        r = await stats.call(self.pool, self.auth, "save", "PUT", f"/api/annotations/{self.annotation_id}/",
                             {"result": result, "version": self.version})
        if r is None or r.status_code >= 500:
            self.uncertain = True
            self.pending = True  # not acknowledged: the next save carries the same version
            return False
        if r.status_code == 200:
            self.uncertain = False
            body = r.json()
            if body["version"] != self.version + 1:
                stats.unexpected.append(f"save {self.annotation_id} v{self.version} answered version {body['version']}")
            self.version = body["version"]
            stats.regions_saved += len(result["regions"])
            _ack(stats, "save", self.annotation_id, body, result)
            return True
        if r.status_code == 409 and self.uncertain:
            stats.ambiguous += 1  # the lost save was committed after all; carry on from the server's version
            self.version = r.json().get("current_version", self.version)
            self.uncertain = False
            self.pending = True
            return True
        if r.status_code == 409:
            stats.unexpected.append(f"single writer got 409 on {self.annotation_id} v{self.version}: {r.text[:200]}")
        else:
            stats.unexpected.append(f"save {self.annotation_id} -> {r.status_code}: {r.text[:200]}")
        self.stopped = True
        return False


@dataclass(frozen=True)
class Pace:
    """How an annotator works: think time between bursts of edits, the size of a task's result."""

    think: tuple[float, float]
    regions: tuple[int, int]
    page_loads: bool = True
    #: Seconds over which the annotators arrive (a shift whose people log in over a minute, not
    #: in the same instant); each starts at a random moment within it.
    ramp: float = 0.0


async def annotator(pool: Pool, token: str, project_id: int, stats: Stats, deadline: float, seed: int, pace: Pace) -> int:
    """One annotator's loop until the deadline, the request budget or an empty queue; returns tasks submitted."""
    rng = random.Random(seed)
    auth = auth_header(token)
    submitted = 0
    await asyncio.sleep(rng.uniform(0, max(pace.ramp, pace.think[1])))  # not everyone in the same millisecond
    while time.monotonic() < deadline and stats.budget_left():
        r = await stats.call(pool, auth, "next", "POST", f"/api/projects/{project_id}/next/")
        if r is None or r.status_code >= 500:
            await asyncio.sleep(1)
            continue
        if r.status_code == 204:
            stats.queue_empty += 1
            return submitted
        task_id = r.json()["task"]["id"]
        if pace.page_loads:
            # What the editor page reads before it shows the task (mountAnnotate), in its order.
            for op, url in (("page", f"/api/tasks/{task_id}/"), ("page", f"/api/projects/{project_id}/"),
                            ("page", f"/api/tasks/{task_id}/annotations/"), ("page", f"/api/tasks/{task_id}/predictions/")):
                await stats.call(pool, auth, op, "GET", url)
        editor = Editor(rng, rng.randint(*pace.regions), start=0)
        r = await stats.call(pool, auth, "create", "POST", f"/api/tasks/{task_id}/annotations/", {"result": editor.result()})
        if r is None or r.status_code not in (200, 201):
            if r is not None and r.status_code < 500:
                stats.unexpected.append(f"create on task {task_id} -> {r.status_code}: {r.text[:200]}")
            continue
        body = r.json()
        annotation_id = body["id"]
        if r.status_code == 201:
            _ack(stats, "create", annotation_id, body, editor.result())
        saver = Autosaver(pool, auth, stats, annotation_id, body["version"], editor)
        # Edit until the result has its regions and a few corrections more.
        corrections = rng.randint(2, 6)
        while len(editor.regions) < editor.target or corrections > 0:
            await asyncio.sleep(rng.uniform(*pace.think))
            if time.monotonic() >= deadline or not stats.budget_left():
                await saver.flush()
                return submitted
            if len(editor.regions) >= editor.target:
                corrections -= 1
            for n in range(rng.randint(1, 3)):
                if n:
                    await asyncio.sleep(rng.uniform(0.15, 0.6))
                editor.edit()
                saver.touch()
            if saver.stopped:
                break  # a conflict or a refusal: the editor would show it, not go on saving
        await saver.flush()  # the submit button flushes first
        if saver.stopped:
            continue
        r = await stats.call(pool, auth, "submit", "POST", f"/api/annotations/{annotation_id}/submit/",
                             {"version": saver.version})
        if r is not None and r.status_code == 200:
            body = r.json()
            _ack(stats, "submit", annotation_id, body, body["result"])
            submitted += 1
        elif r is not None and r.status_code < 500:
            stats.unexpected.append(f"submit {annotation_id} -> {r.status_code}: {r.text[:200]}")
    return submitted


def _ack(stats: Stats, op: str, annotation_id: int, body: dict[str, Any], sent: Any) -> None:
    digest = result_hash(body["result"])
    if digest != result_hash(sent):
        stats.echo_mismatches += 1
    stats.acks.append(Ack(op, annotation_id, int(body["version"]), digest))


@dataclass
class RaceOutcome:
    rounds: int = 0
    exactly_one_winner: int = 0
    loser_409_with_current_version: int = 0
    failures: list[str] = field(default_factory=list)


async def race(host: str, port: int, token: str, project_id: int, rounds: int, stats: Stats) -> RaceOutcome:
    """Two clients (two connections, same owner: two open tabs) PUT one version at once, ``rounds`` times."""
    outcome = RaceOutcome()
    auth = auth_header(token)
    a, b = Pool(host, port, size=1), Pool(host, port, size=1)
    try:
        r = await stats.call(a, auth, "next", "POST", f"/api/projects/{project_id}/next/")
        if r is None or r.status_code != 200:
            outcome.failures.append(f"race: no task ({None if r is None else r.status_code})")
            return outcome
        task_id = r.json()["task"]["id"]
        r = await stats.call(a, auth, "create", "POST", f"/api/tasks/{task_id}/annotations/", {"result": {"regions": []}})
        assert r is not None
        annotation_id, version = r.json()["id"], r.json()["version"]
        rng = random.Random(7)
        for n in range(rounds):
            bodies = [{"result": random_result(rng), "version": version} for _ in range(2)]
            url = f"/api/annotations/{annotation_id}/"
            ra, rb = await asyncio.gather(stats.call(a, auth, "race", "PUT", url, bodies[0]),
                                          stats.call(b, auth, "race", "PUT", url, bodies[1]))
            outcome.rounds += 1
            if ra is None or rb is None:
                outcome.failures.append(f"round {n}: transport error")
                continue
            codes = sorted((ra.status_code, rb.status_code))
            if codes != [200, 409]:
                outcome.failures.append(f"round {n}: statuses {codes}")
                continue
            outcome.exactly_one_winner += 1
            win, lose = (ra, rb) if ra.status_code == 200 else (rb, ra)
            won = win.json()
            sent = bodies[0] if win is ra else bodies[1]
            _ack(stats, "race", annotation_id, won, sent["result"])
            if lose.json().get("current_version") == version + 1 == won["version"]:
                outcome.loser_409_with_current_version += 1
            else:
                outcome.failures.append(f"round {n}: 409 said {lose.json().get('current_version')}, winner {won['version']}")
            version = won["version"]
    finally:
        await a.aclose()
        await b.aclose()
    return outcome
