"""Every route × persona × {own project's object, other project's object}: the one right status.

The routes come from the URL configuration (``get_resolver()``), not from a hand-kept list: a
route (or, under ``/api/``, a method of its view) that has no row in ``CASES`` fails
``test_every_route_has_a_row_in_the_matrix``, which names it. ``SKIPPED`` lists what is left out
on purpose, with the reason.

Each row gives the status on the own project's object for the personas, in this order:

- ``anonymous``: no session (API: 401; pages: 302 to the login page);
- ``non_member``: signed in, member of no project;
- ``annotator``: annotator of the project holding an assignment on the task and owning the annotation;
- ``peer``: another annotator on the same task (assigned too, with a draft of their own), not the owner;
- ``unassigned``: an annotator of the project with no assignment on the task;
- ``reviewer``, ``manager``: of the project (the manager created it);
- ``other_manager``: manager of the other project, a member of nothing here.

The other project is built the same way with its own people, so the other project's object
answers every persona with 404 (anonymous: as on the own object), except its own manager, who
gets what ``manager`` gets on the own object. Every request runs in a savepoint that is rolled
back, so a row never sees what another row changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import SCHEMA
from tests.security.conftest import EMPTY_RESULT, Side, World

PERSONAS = ("anonymous", "non_member", "annotator", "peer", "unassigned", "reviewer", "other_manager", "manager")

# Left out of the matrix on purpose.
SKIPPED = {
    "admin/": "Django's admin: staff-only, guarded by Django itself",
    "api/schema/": "the OpenAPI document: public by design, no project data",
    "api/docs/": "Swagger UI around the schema: public by design, no project data",
}


# --- the table ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    route: str
    method: str
    target: str  # a key of Side.kw; "" for a route without an object
    expect: tuple[int, ...]  # per persona, in PERSONAS order, on the own project's object
    body: Any = None  # a value, or a function of (side, username) for bodies that name people
    variant: str = ""

    @property
    def key(self) -> str:
        return " ".join(filter(None, (self.route, self.method, self.variant)))


def c(route: str, method: str, target: str, *expect: int, body: Any = None, variant: str = "") -> Case:
    assert len(expect) == len(PERSONAS), route
    return Case(route, method, target, expect, body, variant)


def _credentials(side: Side, username: str | None) -> dict[str, str]:
    name = username or "nobody"
    return {"username": name, "password": f"{name}-pass-123"}


GOLD_EDIT = {"result": EMPTY_RESULT, "version": 1, "reason": "a boundary was off"}
SAVE = {"result": EMPTY_RESULT, "version": 1}

CASES = [
    #  route                      method    target            anon  none  ann   peer  unas  rev   othm  mgr
    c("api-token", "POST", "",                               400, 200, 200, 200, 200, 200, 200, 200, body=_credentials),
    c("api-token-revoke", "DELETE", "",                      401, 204, 204, 204, 204, 204, 204, 204),
    c("api-tokens-revoke-all", "POST", "",                   401, 200, 200, 200, 200, 200, 200, 200),
    c("project-list", "GET", "",                             401, 200, 200, 200, 200, 200, 200, 200),
    c("project-list", "POST", "",                            401, 403, 403, 403, 403, 403, 201, 201,
      body={"name": "New", "schema": SCHEMA}),
    c("project-detail", "GET", "project",                    401, 404, 200, 200, 200, 200, 404, 200),
    c("project-detail", "PATCH", "project",                  401, 404, 403, 403, 403, 403, 404, 200,
      body={"instructions": "new"}),
    c("project-detail", "DELETE", "project",                 401, 404, 403, 403, 403, 403, 404, 204),
    c("project-members", "GET", "project",                   401, 404, 200, 200, 200, 200, 404, 200),
    c("project-members", "POST", "project",                  401, 404, 403, 403, 403, 403, 404, 201,
      body={"username": "newcomer", "role": "annotator"}),
    c("project-members", "DELETE", "project",                401, 404, 403, 403, 403, 403, 404, 204,
      body=lambda side, _: {"username": side.spare}),
    c("project-import", "POST", "project",                   401, 404, 403, 403, 403, 403, 404, 201,
      body=[{"streams": [{"role": "transcript", "text": "hi"}]}]),
    # No file sent: the manager is told to send one (the body is not multipart).
    c("project-annotations-import", "POST", "project",       401, 404, 403, 403, 403, 403, 404, 400),
    c("project-tasks", "GET", "project",                     401, 404, 200, 200, 200, 200, 404, 200),
    c("project-next", "POST", "project",                     401, 404, 200, 200, 200, 200, 404, 200),
    c("task-detail", "GET", "task",                          401, 404, 200, 200, 404, 200, 404, 200),
    c("task-skip", "POST", "task",                           401, 404, 200, 200, 404, 409, 404, 409),
    c("task-annotations", "GET", "task",                     401, 404, 200, 200, 404, 200, 404, 200),
    # Only annotators holding the task add work that counts toward its overlap (finding 4).
    c("task-annotations", "POST", "task",                    401, 404, 200, 200, 404, 403, 404, 403,
      body={"result": EMPTY_RESULT}),
    c("task-predictions", "GET", "task",                     401, 404, 200, 200, 404, 200, 404, 200),
    c("annotation-detail", "GET", "annotation",              401, 404, 200, 404, 404, 200, 404, 200),
    c("annotation-detail", "PUT", "annotation",              401, 404, 200, 404, 404, 403, 404, 403, body=SAVE),
    c("annotation-detail", "GET", "gold",                    401, 404, 404, 404, 404, 200, 404, 200, variant="gold"),
    # Gold changes through review or the audited POST …/gold/, never a plain save (finding 3).
    c("annotation-detail", "PUT", "gold",                    401, 404, 404, 404, 404, 403, 404, 403, body=SAVE,
      variant="gold"),
    # A skipped task went back to the pool: its draft no longer changes (finding 4).
    c("annotation-detail", "PUT", "skipped",                 401, 404, 409, 404, 404, 403, 404, 403, body=SAVE,
      variant="skipped"),
    c("annotation-submit", "POST", "annotation",             401, 404, 200, 404, 404, 403, 404, 403, body={}),
    # The world's project keeps the default allow_reopen=False: its author is refused (403) before any state check.
    c("annotation-reopen", "POST", "annotation",             401, 404, 403, 404, 404, 403, 404, 403),
    c("annotation-submit", "POST", "skipped",                401, 404, 409, 404, 404, 403, 404, 403, body={},
      variant="skipped"),
    c("task-gold", "POST", "gold_task",                      401, 404, 403, 403, 403, 200, 404, 200, body=GOLD_EDIT),
    c("upload-create", "POST", "project",                    401, 404, 403, 403, 403, 403, 404, 201,
      body={"filename": "day1.wav", "size": 734003200}),
    c("upload-detail", "GET", "upload",                      401, 404, 403, 403, 403, 403, 404, 200),
    c("upload-detail", "PATCH", "upload",                    401, 404, 403, 403, 403, 403, 404, 200, body=b"hello"),
    c("stream-offset", "PATCH", "stream",                    401, 404, 403, 403, 403, 403, 404, 200,
      body={"offset_ms": 10}),
    c("asset-detail", "GET", "asset",                        401, 404, 200, 200, 404, 200, 404, 200),
    c("asset-media", "GET", "asset",                         401, 404, 200, 200, 404, 200, 404, 200),
    c("asset-waveform", "GET", "audio",                      401, 404, 409, 409, 404, 409, 404, 409),
    c("asset-shots", "GET", "asset",                         401, 404, 200, 200, 404, 200, 404, 200),
    c("asset-frames", "GET", "asset",                        401, 404, 200, 200, 404, 200, 404, 200),
    c("asset-derived", "GET", "derived",                     401, 404, 200, 200, 404, 200, 404, 200),
    c("project-exports", "GET", "project",                   401, 404, 403, 403, 403, 403, 404, 200),
    c("project-exports", "POST", "project",                  401, 404, 403, 403, 403, 403, 404, 202,
      body={"format": "jsonl"}),
    c("export-detail", "GET", "export",                      401, 404, 403, 403, 403, 403, 404, 200),
    c("export-download", "GET", "export",                    401, 404, 403, 403, 403, 403, 404, 200),
    c("export-retry", "POST", "failed_export",               401, 404, 403, 403, 403, 403, 404, 202),
    c("project-prelabel", "GET", "project",                  401, 404, 403, 403, 403, 403, 404, 200),
    c("project-prelabel", "POST", "project",                 401, 404, 403, 403, 403, 403, 404, 202, body={}),
    c("prelabel-job-detail", "GET", "prelabel",              401, 404, 403, 403, 403, 403, 404, 200),
    c("task-agreement", "GET", "task",                       401, 404, 403, 403, 403, 200, 404, 200),
    c("task-flag", "POST", "task",                           401, 404, 201, 201, 404, 201, 404, 201,
      body={"note": "the speaker changes at 0:12"}),
    c("project-agreement", "GET", "project",                 401, 404, 403, 403, 403, 200, 404, 200),
    c("project-review-queue", "GET", "project",              401, 404, 403, 403, 403, 200, 404, 200),
    c("project-annotators", "GET", "project",                401, 404, 403, 403, 403, 403, 404, 200),
    c("project-audit", "GET", "project",                     401, 404, 403, 403, 403, 403, 404, 200),
    # A plain export carries no audit (only a release does): its manager is told so.
    c("export-audit", "GET", "export",                       401, 404, 403, 403, 403, 403, 404, 409),
    c("item-detail", "GET", "item",                          401, 404, 403, 403, 403, 403, 404, 200),
    c("item-detail", "PATCH", "item",                        401, 404, 403, 403, 403, 403, 404, 200,
      body={"licence": "CC-BY-4.0"}),
    c("review-item", "GET", "review",                        401, 404, 403, 403, 403, 200, 404, 200),
    c("review-item-claim", "POST", "review",                 401, 404, 403, 403, 403, 200, 404, 200),
    c("review-item-release", "POST", "claimed",              401, 404, 403, 403, 403, 200, 404, 409),
    c("review-item-resolve", "POST", "claimed",              401, 404, 403, 403, 403, 200, 404, 409,
      body={"result": EMPTY_RESULT, "sources": []}),
    # The claimed item's task has no submitted work, so the claimant is told there is nothing to send back.
    c("review-item-send-back", "POST", "claimed",            401, 404, 403, 403, 403, 409, 404, 409,
      body={"note": "the second speaker starts earlier"}),
    c("project-review-next", "POST", "project",              401, 404, 403, 403, 403, 200, 404, 200),
    # Pages: anonymous → 302 to the login page; any denial is a 404 (nothing is revealed).
    c("favicon", "GET", "",                                  200, 200, 200, 200, 200, 200, 200, 200),
    c("login", "GET", "",                                    200, 200, 200, 200, 200, 200, 200, 200),
    c("logout", "POST", "",                                  302, 302, 302, 302, 302, 302, 302, 302),
    c("home", "GET", "",                                     302, 200, 200, 200, 200, 200, 200, 200),
    c("project-page", "GET", "project",                      302, 404, 200, 200, 200, 200, 404, 200),
    c("project-next-page", "POST", "project",                302, 404, 302, 302, 302, 302, 404, 302),
    c("task-annotate", "GET", "task",                        302, 404, 200, 200, 404, 200, 404, 200),
    c("project-quality", "GET", "project",                   302, 404, 404, 404, 404, 200, 404, 200),
    c("project-audit-page", "GET", "project",                302, 404, 404, 404, 404, 404, 404, 200),
    c("project-audit-settings", "POST", "project",           302, 404, 404, 404, 404, 404, 404, 302,
      body={"audit_facets": "speaker", "min_label_share": "5"}),
    c("review-page", "GET", "review",                        302, 404, 404, 404, 404, 200, 404, 200),
    c("project-review-next-page", "POST", "project",         302, 404, 404, 404, 404, 302, 404, 302),
    c("project-manage", "GET", "project",                    302, 404, 404, 404, 404, 404, 404, 200),
    c("project-manage-progress", "GET", "project",           302, 404, 404, 404, 404, 404, 404, 200),
    c("project-member-add", "POST", "project",               302, 404, 404, 404, 404, 404, 404, 302,
      body={"username": "newcomer", "role": "annotator"}),
    c("project-member-delete", "POST", "member",             302, 404, 404, 404, 404, 404, 404, 302),
    c("project-import-page", "POST", "project",              302, 404, 404, 404, 404, 404, 404, 302),
    c("project-quality-settings", "POST", "project",         302, 404, 404, 404, 404, 404, 404, 302,
      body={"overlap": "2", "agreement_measure": "time_sliced_alpha", "agreement_threshold": "0.6",
            "merge_rule": "majority"}),
    c("project-import-source-page", "POST", "project",       302, 404, 404, 404, 404, 404, 404, 302,
      body={"import_source": ""}),
    c("project-annotation-import-page", "POST", "project",   302, 404, 404, 404, 404, 404, 404, 302),
    c("item-sync-check", "POST", "item",                     401, 404, 403, 403, 403, 403, 404, 409),
    c("project-sync-check", "POST", "project",               302, 404, 404, 404, 404, 404, 404, 302,
      body={"item": "1"}),
    c("project-stream-offset", "POST", "project_stream",     302, 404, 404, 404, 404, 404, 404, 302,
      body={"offset_ms": "10"}),
    c("project-export-page", "POST", "project",              302, 404, 404, 404, 404, 404, 404, 302,
      body={"format": "jsonl"}),
    c("project-prelabel-page", "POST", "project",            302, 404, 404, 404, 404, 404, 404, 302),
    # Probes: the same answer for everyone, signed in or not (they carry no project data).
    c("healthz", "GET", "",                                  200, 200, 200, 200, 200, 200, 200, 200),
    c("readyz", "GET", "",                                   200, 200, 200, 200, 200, 200, 200, 200),
]

# Cells whose right answer waits for a fix that is under way elsewhere: (case key, persona, side).
# They behave as strict xfails: while one still answers wrong its row is reported as xfailed (every
# other cell of the row is still asserted first); the day it answers right the row fails until the
# cell leaves this set.
PENDING: set[tuple[str, str, str]] = set()


def expected(case: Case, persona: str, side: str) -> int:
    own = dict(zip(PERSONAS, case.expect, strict=True))
    if side == "own" or persona == "anonymous":
        return own[persona]
    return own["manager"] if persona == "other_manager" else 404


def _rows() -> Iterator[Any]:
    for case in CASES:
        for side in ("own", "other") if case.target else ("own",):
            yield pytest.param(case, side, id=f"{case.key}-{side}")


def _send(client: Client, case: Case, url: str, side: Side, username: str | None) -> Any:
    body = case.body(side, username) if callable(case.body) else case.body
    method = case.method.lower()
    if isinstance(body, bytes):  # a resumable-upload chunk
        return client.generic(case.method, url, body, content_type="application/offset+octet-stream",
                              HTTP_UPLOAD_OFFSET="0")
    if not url.startswith("/api/"):  # a page: a form post, or a plain GET
        return getattr(client, method)(url, body or {})
    if body is None:
        return client.generic(case.method, url)
    return client.generic(case.method, url, json.dumps(body), content_type="application/json")


def _answer(world: World, case: Case, persona: str, side: str) -> tuple[int, str]:
    """The status (and the start of the body) of one request, made in a savepoint that is rolled back."""
    target = world.own if side == "own" else world.other
    url = reverse(case.route, kwargs=target.kw[case.target] if case.target else None)
    client = world.client
    client.cookies.clear()
    if persona != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[persona]
    with transaction.atomic():
        response = _send(client, case, url, target, world.usernames.get(persona))
        if response.streaming:  # reading to the end closes the file (the client closes other responses itself)
            body = b"".join(response.streaming_content)
        else:
            body = response.content
        transaction.set_rollback(True)
    return response.status_code, f"{case.method} {url}: {body[:200]!r}"


@pytest.mark.parametrize(("case", "side"), list(_rows()))
def test_each_route_answers_each_persona_exactly(world: World, db: None, case: Case, side: str) -> None:
    wrong: list[str] = []
    pending_wrong: list[str] = []
    pending_right: list[str] = []
    for persona in PERSONAS:
        status, what = _answer(world, case, persona, side)
        want = expected(case, persona, side)
        line = f"{persona}: {status} (want {want}) {what}"
        if (case.key, persona, side) in PENDING:
            (pending_right if status == want else pending_wrong).append(line)
        elif status != want:
            wrong.append(line)
    assert not wrong, "\n".join(wrong)
    assert not pending_right, "now right, drop from PENDING:\n" + "\n".join(pending_right)
    if pending_wrong:
        pytest.xfail("PENDING: " + "; ".join(pending_wrong))


# --- coverage: the URL configuration against the table --------------------------------------------


def _routes(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolver.url_patterns:
        path = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry, path)
        else:
            yield path, entry


def _methods(pattern: URLPattern) -> set[str]:
    """The methods an API view implements (a function view is covered by any row of its name)."""
    view = getattr(pattern.callback, "view_class", None)
    if view is None:
        return set()
    return {m.upper() for m in view.http_method_names if m not in ("options", "head") and hasattr(view, m)}


def test_every_route_has_a_row_in_the_matrix() -> None:
    covered = {(case.route, case.method) for case in CASES}
    covered_names = {route for route, _ in covered}
    missing: list[str] = []
    for path, pattern in _routes(get_resolver()):
        if any(path.startswith(prefix) for prefix in SKIPPED):
            continue
        if pattern.name is None or pattern.name not in covered_names:
            missing.append(f"/{path} ({pattern.name})")
        elif path.startswith("api/"):
            missing += [f"{m} /{path} ({pattern.name})" for m in sorted(_methods(pattern))
                        if (pattern.name, m) not in covered]
    assert not missing, "routes with no row in CASES:\n" + "\n".join(missing)


def test_the_table_names_only_routes_that_exist() -> None:
    names = {pattern.name for _, pattern in _routes(get_resolver())}
    assert sorted({case.route for case in CASES} - names) == []
    assert len({case.key for case in CASES}) == len(CASES)
    assert {key for key, _, _ in PENDING} <= {case.key for case in CASES}

