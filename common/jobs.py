"""The one lifecycle of a background job row (media asset, export, pre-label run).

A Celery task hands its row and its work to ``run``, which:

1. **claims** the row with one conditional UPDATE (``status = running, attempt = attempt + 1 WHERE
   pk = … AND (status = waiting OR (status = running AND heartbeat older than the stale
   setting))``), so two workers never run one row and a duplicate or late delivery does nothing;
2. keeps a **heartbeat** (``heartbeat_at``, from a thread of its own every quarter of
   ``TANDEM_JOB_STALE_SECONDS``) while the work runs, so a long job is never mistaken for a dead one;
3. records the **outcome** the work returns, conditionally on still holding the claim (same
   attempt, still running), so a worker that lost its claim cannot overwrite a newer attempt;
4. turns **any exception** into ``failed`` with a readable message; named transient errors
   (database or connection hiccups) hand the row back to waiting and are retried with backoff up
   to a cap, after which the row ends ``failed``.

``reap`` (run periodically by Celery beat and by ``manage.py reap_jobs``) finds claimed rows whose
heartbeat stopped (the worker was killed, the machine died), puts them back to waiting and sends
their job again through ``common.dispatch``; a row whose worker died ``MAX_ATTEMPTS`` times ends
``failed``. Every status change goes through the row's state machine (``common.states.move``).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, InterfaceError, connections, models, transaction
from django.db.models import F, Q
from django.utils import timezone

from common.shutdown import Interrupted, interruptible, stopped
from common.states import move

log = logging.getLogger(__name__)
#: A row whose worker died this many times is failed rather than handed out again.
MAX_ATTEMPTS = 3
#: Longest error message kept on a row.
MAX_ERROR = 4000


@dataclass(frozen=True)
class RowKind:
    """One kind of job row: its model, state machine, and the task that works on it."""

    name: str  # how messages name it: "asset", "export job"
    model: type[models.Model]
    transitions: Mapping[str, frozenset[str]]
    task_name: str
    waiting: str  # queued / pending: sent, not yet claimed
    active: str  # running / processing: claimed by a worker
    failed: str
    rows: Q = field(default_factory=Q)  # which rows of the model are of this kind


_KINDS: dict[str, RowKind] = {}


def register(kind: RowKind) -> RowKind:
    """Make ``kind`` known to the reaper (apps register theirs when Django starts)."""
    _KINDS[kind.name] = kind
    return kind


def registered() -> tuple[RowKind, ...]:
    return tuple(_KINDS.values())


def stale_after() -> dt.timedelta:
    """How long a claim may go without a heartbeat before its worker is taken for dead."""
    return dt.timedelta(seconds=max(1, int(settings.TANDEM_JOB_STALE_SECONDS)))


def heartbeat_every() -> float:
    return max(0.5, stale_after().total_seconds() / 4)


def _stale(now: dt.datetime) -> Q:
    return Q(heartbeat_at__lt=now - stale_after()) | Q(heartbeat_at__isnull=True)


@dataclass
class Claim:
    """A row held by this worker: its attempt number is the proof of ownership."""

    kind: RowKind
    pk: int
    attempt: int
    lost: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class Outcome:
    """What the work ended with: the target status, fields to write with it, a hook after commit."""

    status: str
    fields: dict[str, Any] = field(default_factory=dict)
    after: Callable[[], None] | None = None


class JobFailed(Exception):
    """An expected failure of the work; its message is what the user reads on the row."""


def claim(kind: RowKind, pk: int, **fields: Any) -> Claim | None:
    """Take row ``pk`` for this worker, or None when it is not waiting (done, or held by a live worker)."""
    now = timezone.now()
    taken = move(kind.model, pk, transitions=kind.transitions, target=kind.active,
                 only_from=(kind.waiting, kind.active), where=kind.rows & (Q(status=kind.waiting) | _stale(now)),
                 attempt=F("attempt") + 1, claimed_at=now, heartbeat_at=now, **fields)
    if not taken:
        return None
    attempt = kind.model._default_manager.filter(pk=pk).values_list("attempt", flat=True).get()
    return Claim(kind, pk, int(attempt))


def settle(held: Claim, target: str, **fields: Any) -> bool:
    """Move a claimed row to ``target`` if this worker still holds it; returns whether it did."""
    return move(held.kind.model, held.pk, transitions=held.kind.transitions, target=target,
                only_from=(held.kind.active,), where=Q(attempt=held.attempt), heartbeat_at=None, **fields)


def _beat(held: Claim, stop: threading.Event) -> None:
    try:
        while not stop.wait(heartbeat_every()):
            try:
                alive = held.kind.model._default_manager.filter(
                    pk=held.pk, attempt=held.attempt, status=held.kind.active).update(heartbeat_at=timezone.now())
            except DatabaseError as exc:  # a missed beat is not fatal; the next one may pass
                log.warning("%s %s: heartbeat not written: %s", held.kind.name, held.pk, exc)
                continue
            if not alive:
                held.lost.set()
                log.warning("%s %s: attempt %s no longer holds the row", held.kind.name, held.pk, held.attempt)
                return
    finally:
        connections.close_all()  # this thread's own connections


@contextmanager
def heartbeat(held: Claim, *, enabled: bool = True) -> Iterator[None]:
    """Refresh the claim's heartbeat from a thread of its own while the block runs."""
    if not enabled:
        yield
        return
    stop = threading.Event()
    thread = threading.Thread(target=_beat, args=(held, stop), daemon=True,
                              name=f"heartbeat-{held.kind.name}-{held.pk}")
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)


def _fail(kind: RowKind, pk: int, held: Claim | None, message: str, fields: Mapping[str, Any]) -> None:
    """Record ``failed``; a database too busy to take even that leaves the row to the reaper."""
    values = {"error": message[:MAX_ERROR], **fields}
    try:
        if held is not None:
            settle(held, kind.failed, **values)
        else:
            move(kind.model, pk, transitions=kind.transitions, target=kind.failed, only_from=(kind.waiting,),
                 where=kind.rows, **values)
    except DatabaseError:
        log.exception("%s %s: could not record its failure", kind.name, pk)


def _give_back(held: Claim | None, kind: RowKind, pk: int) -> str:
    """The worker is stopping: put the row back to waiting (its attempt stays counted) and send it again."""
    from common.dispatch import enqueue

    if held is None:
        return "superseded"
    try:
        given = settle(held, kind.waiting, progress=0)
    except (DatabaseError, InterfaceError):
        connections.close_all()  # stopped in the middle of a transaction: start again on a fresh connection
        given = settle(held, kind.waiting, progress=0)
    if not given:
        return "superseded"
    log.warning("%s %s: worker stopping; attempt %s given back to the queue", kind.name, pk, held.attempt)
    enqueue(kind.task_name, pk)
    return kind.waiting


def run(task: Any, kind: RowKind, pk: int, work: Callable[[Claim], Outcome], *,
        transient: tuple[type[BaseException], ...], max_retries: int, expected: tuple[type[BaseException], ...] = (),
        what: str = "The job", claim_fields: Mapping[str, Any] | None = None,
        fail_fields: Mapping[str, Any] | None = None) -> str:
    """Claim row ``pk``, run ``work`` on it with a heartbeat, and record how it ended; returns that status.

    ``expected`` exceptions fail the row with their own message; any other exception fails it with
    ``"{what} failed: {type}: {message}"``. ``transient`` ones are retried (backoff 5 s doubling
    up to 300 s, ``max_retries`` times). Returns "skipped" when the row was not claimable and
    "superseded" when another attempt took it over while this one ran.
    """
    inline = bool(task.request.called_directly or task.request.is_eager)  # nobody else can take the row
    failing = dict(fail_fields or {})
    held: Claim | None = None
    try:
        held = claim(kind, pk, **(claim_fields or {}))
        if held is None:
            return "skipped"
        with heartbeat(held, enabled=not inline), (interruptible() if not inline else nullcontext()):
            outcome = work(held)
        recorded = settle(held, outcome.status, **outcome.fields)
    except Interrupted:
        return _give_back(held, kind, pk)
    except transient as exc:
        if task.request.retries >= max_retries:
            _fail(kind, pk, held, f"Gave up after {max_retries} retries: {type(exc).__name__}: {exc}", failing)
            return kind.failed
        if held is not None:
            try:
                settle(held, kind.waiting, progress=0)
            except DatabaseError:  # still held: the reaper hands it back once the heartbeat is stale
                log.warning("%s %s: could not hand the row back before retrying", kind.name, pk)
        log.warning("%s %s: transient error, retrying: %s", kind.name, pk, exc)
        raise task.retry(exc=exc, countdown=min(300, 5 * 2 ** task.request.retries)) from exc
    except SoftTimeLimitExceeded:
        limit = getattr(task, "soft_time_limit", None)
        _fail(kind, pk, held, f"{what} took longer than {limit} s and was stopped.", failing)
        return kind.failed
    except expected as exc:
        log.warning("%s %s failed: %s", kind.name, pk, exc)
        _fail(kind, pk, held, str(exc) or type(exc).__name__, failing)
        return kind.failed
    except Exception as exc:
        if not inline and stopped():  # raised while the stopped work unwound (a cleanup that failed)
            return _give_back(held, kind, pk)
        log.exception("%s %s failed", kind.name, pk)
        _fail(kind, pk, held, f"{what} failed: {type(exc).__name__}: {exc}", failing)
        return kind.failed
    if not recorded:
        log.warning("%s %s: attempt %s lost its claim; its outcome is not recorded", kind.name, pk, held.attempt)
        return "superseded"
    if outcome.after is not None:
        transaction.on_commit(outcome.after)
    return outcome.status


def reap(now: dt.datetime | None = None) -> dict[str, int]:
    """Hand out again every claimed row whose heartbeat is stale; returns counts per kind and action.

    The move back to waiting is conditional on the row still being stale and on the same attempt,
    so a worker that comes back to life, or a second reaper, cannot make it run twice.
    """
    from common.dispatch import dispatch_pending, enqueue

    now = now or timezone.now()
    counts: dict[str, int] = {}
    for kind in registered():
        dead = (kind.model._default_manager.filter(kind.rows, status=kind.active).filter(_stale(now))
                .values_list("pk", "attempt"))
        for pk, attempt in list(dead):
            where = kind.rows & Q(attempt=attempt) & _stale(now)
            if attempt >= MAX_ATTEMPTS:
                message = (f"The worker running it stopped {attempt} times without finishing "
                           "(killed, out of memory, or its machine went away); not tried again.")
                if move(kind.model, pk, transitions=kind.transitions, target=kind.failed, only_from=(kind.active,),
                        where=where, heartbeat_at=None, error=message):
                    counts[f"{kind.name} failed"] = counts.get(f"{kind.name} failed", 0) + 1
                continue
            if move(kind.model, pk, transitions=kind.transitions, target=kind.waiting, only_from=(kind.active,),
                    where=where, heartbeat_at=None, progress=0):
                log.warning("%s %s: its worker stopped (attempt %s); sent again", kind.name, pk, attempt)
                enqueue(kind.task_name, pk)
                counts[f"{kind.name} sent again"] = counts.get(f"{kind.name} sent again", 0) + 1
    kept = dispatch_pending()
    if kept:
        counts["kept jobs sent"] = kept
    return counts


def resend_waiting(older_than: dt.timedelta, now: dt.datetime | None = None) -> dict[str, int]:
    """Send again waiting rows untouched for ``older_than`` (a message lost before any claim).

    Not periodic: a long backlog also looks like this, and a duplicate message, though harmless
    (the claim takes the row once), is work for the broker. ``manage.py reap_jobs --waiting``.
    """
    from common.dispatch import enqueue, is_pending

    now = now or timezone.now()
    counts: dict[str, int] = {}
    for kind in registered():
        rows = (kind.model._default_manager.filter(kind.rows, status=kind.waiting, updated_at__lt=now - older_than)
                .values_list("pk", flat=True))
        for pk in list(rows):
            if is_pending(kind.task_name, pk):
                continue  # kept for the broker already
            if move(kind.model, pk, transitions=kind.transitions, target=kind.waiting, only_from=(kind.waiting,)):
                enqueue(kind.task_name, pk)
                counts[f"{kind.name} sent again"] = counts.get(f"{kind.name} sent again", 0) + 1
    return counts
