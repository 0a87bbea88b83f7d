"""A worker told to stop (SIGTERM) finishes its current job within a grace period or gives it back.

Kubernetes and ``docker stop`` send SIGTERM to the worker's main process and SIGKILL after a grace
period. Celery's warm shutdown lets running tasks finish however long they take, so a long job
would be killed in the middle and stay ``running`` until the reaper notices its heartbeat stopped.
Instead:

- the main process, on Celery's ``worker_shutting_down``, passes the SIGTERM on to the pool
  processes that are running a task (``forward_to_busy_children``);
- the job runner (``common.jobs.run``) runs the work inside ``interruptible``: a SIGTERM there
  starts a timer of ``TANDEM_SHUTDOWN_GRACE_SECONDS``; work that ends in time is recorded as
  usual, work still running when it fires is stopped by ``Interrupted`` and the runner puts the
  row back to waiting (its attempt counted) and sends it again for another worker. The stop
  never lands in the middle of a database round trip: one in progress ends first, so the
  connection can still record the hand-back.

Set the orchestrator's grace period (``terminationGracePeriodSeconds``, compose's
``stop_grace_period``) a few seconds above ``TANDEM_SHUTDOWN_GRACE_SECONDS``.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from billiard.process import current_process
from django.conf import settings
from django.db import connection

log = logging.getLogger(__name__)


class Interrupted(BaseException):
    """The worker is stopping and the grace period ran out: the job goes back to the queue.

    A BaseException, so that the work's own ``except Exception`` clauses do not swallow it.
    """


def grace_seconds() -> float:
    return max(0.0, float(settings.TANDEM_SHUTDOWN_GRACE_SECONDS))


class _Stopping:
    """One block's state: whether its grace period is over, and whether a query is running."""

    def __init__(self) -> None:
        self.due = False
        self.in_query = 0

    def stop_now(self) -> None:
        global _stopped
        self.due = True
        if self.in_query == 0:  # never in the middle of a database round trip: the connection stays usable
            _stopped = True
            raise Interrupted

    def guard(self, execute: Callable[..., Any], sql: Any, params: Any, many: bool, context: Any) -> Any:
        self.in_query += 1
        try:
            result = execute(sql, params, many, context)
        finally:
            self.in_query -= 1
        if self.due and not _stopped:
            self.stop_now()  # the grace period ended during the query
        return result


#: Whether the last interruptible block was stopped (so an error raised while it unwound is not the job's).
_stopped = False


def stopped() -> bool:
    return _stopped


@contextmanager
def interruptible() -> Iterator[None]:
    """Run the block so that a SIGTERM stops it after the grace period (in the main thread only)."""
    global _stopped
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers belong to the main thread; a threaded pool finishes its job
        return
    _stopped = False
    state = _Stopping()
    previous_term = signal.getsignal(signal.SIGTERM)
    previous_alarm = signal.getsignal(signal.SIGALRM)
    armed = threading.Event()

    def on_term(signum: int, frame: FrameType | None) -> None:
        # In Celery's main process (the solo pool) its warm shutdown still starts. A pool process's
        # own handler (billiard's) would exit at once: that is what this replaces while a job runs.
        if callable(previous_term) and current_process().name == "MainProcess":
            previous_term(signum, frame)
        if armed.is_set():
            return
        armed.set()
        grace = grace_seconds()
        log.warning("stopping: the current job has %.0f s to finish before it is given back", grace)
        if grace <= 0:
            state.stop_now()
        else:
            signal.setitimer(signal.ITIMER_REAL, grace)

    signal.signal(signal.SIGALRM, lambda signum, frame: state.stop_now())
    signal.signal(signal.SIGTERM, on_term)
    try:
        with connection.execute_wrapper(state.guard):
            yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGTERM, previous_term)
        signal.signal(signal.SIGALRM, previous_alarm)


def forward_to_busy_children(**kwargs: Any) -> None:
    """On warm shutdown, pass SIGTERM to each pool process that runs a task (not to idle ones)."""
    from celery.worker import state

    pids = {getattr(request, "worker_pid", None) for request in list(state.active_requests)}
    for pid in pids - {None, os.getpid()}:
        try:
            os.kill(int(pid), signal.SIGTERM)  # type: ignore[arg-type]
        except ProcessLookupError:
            pass  # it finished and went meanwhile
