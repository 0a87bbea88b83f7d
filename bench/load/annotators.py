"""Simulated annotators over HTTP: take a task, create a draft, save it every few seconds, submit.

Every save the server acknowledges (2xx) is written down with the version it was given and a hash
of the result, so the database can be checked afterwards for lost updates.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

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
    return hashlib.sha256(json.dumps(result, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


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
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    server_error_times: list[tuple[float, int]] = field(default_factory=list)
    ambiguous: int = 0  # 409s right after a save whose answer was lost: it may have been committed
    transport_errors: list[str] = field(default_factory=list)
    acks: list[Ack] = field(default_factory=list)
    echo_mismatches: int = 0
    unexpected: list[str] = field(default_factory=list)
    queue_empty: int = 0

    def budget_left(self) -> bool:
        return self.requests < self.max_requests

    async def call(self, client: httpx.AsyncClient, op: str, method: str, url: str, body: Any = None) -> httpx.Response | None:
        """One timed request; 5xx and transport errors are recorded, never raised."""
        self.requests += 1
        t0 = time.perf_counter()
        try:
            response = await client.request(method, url, json=body)
        except httpx.HTTPError as exc:
            self.transport_errors.append(f"{op} {method} {url}: {type(exc).__name__}: {exc}")
            return None
        self.latency_ms.setdefault(op, []).append((time.perf_counter() - t0) * 1000)
        self.statuses[(op, response.status_code)] += 1
        if response.status_code >= 500:
            self.server_errors.append(f"{op} {method} {url} -> {response.status_code}: {response.text[:300]}")
            self.server_error_times.append((time.monotonic(), response.status_code))
        return response


async def annotator(client: httpx.AsyncClient, project_id: int, stats: Stats, deadline: float, seed: int,
                    think: tuple[float, float]) -> int:
    """One annotator's loop until the deadline, the request budget or an empty queue; returns tasks submitted."""
    rng = random.Random(seed)
    submitted = 0
    await asyncio.sleep(rng.uniform(0, think[1]))  # do not start all 50 in the same millisecond
    while time.monotonic() < deadline and stats.budget_left():
        r = await stats.call(client, "next", "POST", f"/api/projects/{project_id}/next/")
        if r is None or r.status_code >= 500:
            await asyncio.sleep(1)
            continue
        if r.status_code == 204:
            stats.queue_empty += 1
            return submitted
        task_id = r.json()["task"]["id"]
        result = random_result(rng)
        r = await stats.call(client, "create", "POST", f"/api/tasks/{task_id}/annotations/", {"result": result})
        if r is None or r.status_code not in (200, 201):
            if r is not None and r.status_code < 500:
                stats.unexpected.append(f"create on task {task_id} -> {r.status_code}: {r.text[:200]}")
            continue
        body = r.json()
        annotation_id, version = body["id"], body["version"]
        if r.status_code == 201:
            _ack(stats, "create", annotation_id, body, result)
        uncertain = False  # the last save's answer was lost (5xx/transport): it may have been committed
        for _ in range(rng.randint(2, 5)):
            await asyncio.sleep(rng.uniform(*think))
            if time.monotonic() >= deadline or not stats.budget_left():
                return submitted
            result = random_result(rng)
            r = await stats.call(client, "save", "PUT", f"/api/annotations/{annotation_id}/",
                                 {"result": result, "version": version})
            if r is None or r.status_code >= 500:
                uncertain = True
                continue  # not acknowledged: the next save carries the same version
            if r.status_code == 200:
                uncertain = False
                body = r.json()
                if body["version"] != version + 1:
                    stats.unexpected.append(f"save {annotation_id} v{version} answered version {body['version']}")
                version = body["version"]
                _ack(stats, "save", annotation_id, body, result)
            elif r.status_code == 409 and uncertain:
                stats.ambiguous += 1  # the lost save was committed after all; carry on from the server's version
                version = r.json().get("current_version", version)
            elif r.status_code == 409:
                stats.unexpected.append(f"single writer got 409 on {annotation_id} v{version}: {r.text[:200]}")
                version = r.json().get("current_version", version)
            else:
                stats.unexpected.append(f"save {annotation_id} -> {r.status_code}: {r.text[:200]}")
        r = await stats.call(client, "submit", "POST", f"/api/annotations/{annotation_id}/submit/", {"version": version})
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


async def race(base_url: str, token: str, project_id: int, rounds: int, stats: Stats) -> RaceOutcome:
    """Two clients (two connections, same owner: two open tabs) PUT one version at once, ``rounds`` times."""
    outcome = RaceOutcome()
    headers = {"Authorization": f"Token {token}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as a, \
            httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as b:
        r = await stats.call(a, "next", "POST", f"/api/projects/{project_id}/next/")
        if r is None or r.status_code != 200:
            outcome.failures.append(f"race: no task ({None if r is None else r.status_code})")
            return outcome
        task_id = r.json()["task"]["id"]
        r = await stats.call(a, "create", "POST", f"/api/tasks/{task_id}/annotations/", {"result": {"regions": []}})
        assert r is not None
        annotation_id, version = r.json()["id"], r.json()["version"]
        rng = random.Random(7)
        for n in range(rounds):
            bodies = [{"result": random_result(rng), "version": version} for _ in range(2)]
            url = f"/api/annotations/{annotation_id}/"
            ra, rb = await asyncio.gather(stats.call(a, "race", "PUT", url, bodies[0]),
                                          stats.call(b, "race", "PUT", url, bodies[1]))
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
    return outcome
