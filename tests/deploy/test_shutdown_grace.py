"""common.shutdown.interruptible in this process: SIGTERM starts the grace period; the block ends in time or is stopped."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import pytest

from common.shutdown import Interrupted, interruptible


@pytest.fixture
def grace(settings: Any) -> float:
    settings.TANDEM_SHUTDOWN_GRACE_SECONDS = 1
    return 1.0


def _ignore(signum: int, frame: object) -> None:
    pass


@pytest.fixture(autouse=True)
def term_handler() -> Any:
    """A harmless SIGTERM handler outside the block, so a stray signal cannot end the test run."""
    previous = signal.signal(signal.SIGTERM, _ignore)
    yield
    signal.signal(signal.SIGTERM, previous)


def test_a_block_still_running_when_the_grace_period_ends_is_stopped(grace: float) -> None:
    started = time.monotonic()
    with pytest.raises(Interrupted), interruptible():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(30)
    took = time.monotonic() - started
    assert grace <= took < grace + 2
    assert signal.getsignal(signal.SIGTERM) is _ignore  # the handler outside the block is back


def test_a_block_that_ends_within_the_grace_period_is_not_disturbed_afterwards(grace: float) -> None:
    with interruptible():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.2)
    time.sleep(grace + 0.5)  # the timer was disarmed when the block ended: no Interrupted out here
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_second_sigterm_does_not_restart_the_grace_period(grace: float) -> None:
    started = time.monotonic()
    with pytest.raises(Interrupted), interruptible():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.6)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(30)
    assert time.monotonic() - started < grace + 0.5


def test_no_grace_stops_the_block_at_once(settings: Any) -> None:
    settings.TANDEM_SHUTDOWN_GRACE_SECONDS = 0
    started = time.monotonic()
    with pytest.raises(Interrupted), interruptible():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(30)
    assert time.monotonic() - started < 1


def test_without_sigterm_the_block_runs_to_its_end(grace: float) -> None:
    with interruptible():
        time.sleep(grace + 0.3)
    assert signal.getsignal(signal.SIGTERM) is _ignore


def test_a_grace_period_ending_during_a_query_stops_the_block_after_the_query_and_the_connection_stays_usable(
        db: None, grace: float) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("pg_sleep")
    started = time.monotonic()
    with pytest.raises(Interrupted), interruptible():
        os.kill(os.getpid(), signal.SIGTERM)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(%s)", [grace + 1])  # the timer fires in the middle of it
        pytest.fail("the block went on past the query")
    assert time.monotonic() - started >= grace + 1  # the query ran to its end before the block was stopped
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
