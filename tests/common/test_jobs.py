"""The one job lifecycle (common/jobs.py): conditional claims, outcomes, failures, retries, the reaper."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from celery import shared_task
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone

from annotation.models import Job
from annotation.services.jobs import EXPORT_JOB, PRELABEL_JOB, job_set_status
from common import jobs
from common.errors import InvalidTransition
from common.jobs import Claim, JobFailed, Outcome
from datasets.models import Asset
from datasets.services.assets import asset_set_status

pytestmark = pytest.mark.django_db

MAX_RETRIES = 2
#: What the test task does once it holds the row, by name (a task's arguments must be plain data).
WORKS: dict[str, Callable[[Claim], Outcome]] = {}


@shared_task(bind=True, name="tests.common.test_jobs.job_task")
def job_task(self: Any, job_id: int, work: str) -> str:
    return jobs.run(self, EXPORT_JOB, job_id, WORKS[work], transient=(OperationalError,), max_retries=MAX_RETRIES,
                    expected=(JobFailed,), what="The test job", claim_fields={"progress": 1, "error": ""})


@pytest.fixture
def job(project: Any, manager: Any) -> Job:
    return Job.objects.create(project=project, kind=Job.Kind.EXPORT, params={"format": "jsonl"}, created_by=manager)


def _stale(model: Any, pk: int) -> None:
    """Make a row look abandoned: its last heartbeat is older than the stale setting."""
    model.objects.filter(pk=pk).update(heartbeat_at=timezone.now() - jobs.stale_after() - dt.timedelta(seconds=1))


def test_it_claims_a_queued_job_once_and_a_dead_workers_job_again(job: Job) -> None:
    held = jobs.claim(EXPORT_JOB, job.pk)
    assert held is not None and held.attempt == 1
    row = Job.objects.get(pk=job.pk)
    assert (row.status, row.attempt) == ("running", 1) and row.claimed_at == row.heartbeat_at is not None
    assert jobs.claim(EXPORT_JOB, job.pk) is None  # held by a live worker: a duplicate delivery does nothing
    _stale(Job, job.pk)
    again = jobs.claim(EXPORT_JOB, job.pk)
    assert again is not None and again.attempt == 2
    assert not jobs.settle(held, "succeeded")  # the first worker no longer holds it
    assert jobs.settle(again, "succeeded", progress=100)
    assert (Job.objects.get(pk=job.pk).status, Job.objects.get(pk=job.pk).heartbeat_at) == ("succeeded", None)


@pytest.mark.parametrize("status", ["succeeded", "partial", "failed"])
def test_a_finished_job_is_never_claimed(job: Job, status: str) -> None:
    Job.objects.filter(pk=job.pk).update(status=status)
    assert jobs.claim(EXPORT_JOB, job.pk) is None
    assert Job.objects.get(pk=job.pk).attempt == 0


def test_a_job_of_another_kind_is_not_claimed(job: Job) -> None:
    Job.objects.filter(pk=job.pk).update(kind=Job.Kind.PRELABEL)
    assert jobs.claim(EXPORT_JOB, job.pk) is None


def test_the_outcome_is_recorded_with_its_fields_and_the_hook_runs_after_commit(
        job: Job, django_capture_on_commit_callbacks: Any) -> None:
    after: list[int] = []
    WORKS["ok"] = lambda held: Outcome("succeeded", {"progress": 100, "result": {"n": 3}},
                                       after=lambda: after.append(held.pk))
    with django_capture_on_commit_callbacks(execute=True):
        assert job_task(job.pk, "ok") == "succeeded"
    row = Job.objects.get(pk=job.pk)
    assert (row.status, row.progress, row.result, row.error, row.attempt) == ("succeeded", 100, {"n": 3}, "", 1)
    assert after == [job.pk]
    assert job_task(job.pk, "ok") == "skipped"  # a late delivery changes nothing
    assert Job.objects.get(pk=job.pk).attempt == 1


def _raise(exc: BaseException) -> Callable[[Claim], Outcome]:
    def work(held: Claim) -> Outcome:
        raise exc

    return work


def test_any_exception_fails_the_job_with_a_readable_message(job: Job) -> None:
    WORKS["bug"] = _raise(KeyError("speaker"))
    assert job_task(job.pk, "bug") == "failed"
    row = Job.objects.get(pk=job.pk)
    assert (row.status, row.error, row.heartbeat_at) == ("failed", "The test job failed: KeyError: 'speaker'", None)


def test_an_expected_failure_keeps_its_own_message(job: Job) -> None:
    WORKS["refused"] = _raise(JobFailed("Media file 'a.wav' is missing from storage."))
    assert job_task(job.pk, "refused") == "failed"
    assert Job.objects.get(pk=job.pk).error == "Media file 'a.wav' is missing from storage."


def test_transient_errors_are_retried_with_the_row_handed_back_then_it_ends_failed(job: Job) -> None:
    seen: list[tuple[str, int]] = []

    def locked(held: Claim) -> Outcome:
        row = Job.objects.get(pk=held.pk)
        seen.append((row.status, row.attempt))
        raise OperationalError("database is locked")

    WORKS["locked"] = locked
    assert job_task.apply(args=(job.pk, "locked")).get() == "failed"
    assert seen == [("running", 1), ("running", 2), ("running", 3)]  # each retry claimed it again
    row = Job.objects.get(pk=job.pk)
    assert (row.status, row.error) == ("failed", "Gave up after 2 retries: OperationalError: database is locked")


def test_a_transient_error_in_the_claim_itself_is_retried(job: Job, monkeypatch: pytest.MonkeyPatch) -> None:
    real = jobs.claim
    calls: list[int] = []

    def busy_once(kind: Any, pk: int, **fields: Any) -> Claim | None:
        calls.append(pk)
        if len(calls) == 1:
            raise OperationalError("database is locked")
        return real(kind, pk, **fields)

    monkeypatch.setattr(jobs, "claim", busy_once)
    WORKS["ok"] = lambda held: Outcome("succeeded", {"progress": 100})
    assert job_task.apply(args=(job.pk, "ok")).get() == "succeeded"
    assert (calls, Job.objects.get(pk=job.pk).status) == ([job.pk, job.pk], "succeeded")


def test_a_claim_that_fails_for_good_fails_the_waiting_job(job: Job, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(kind: Any, pk: int, **fields: Any) -> Claim | None:
        raise OperationalError("disk I/O")

    monkeypatch.setattr(jobs, "claim", broken)
    WORKS["ok"] = lambda held: Outcome("succeeded")
    assert job_task.apply(args=(job.pk, "ok")).get() == "failed"
    row = Job.objects.get(pk=job.pk)
    assert (row.status, row.error) == ("failed", "Gave up after 2 retries: OperationalError: disk I/O")


def test_a_worker_that_lost_its_claim_does_not_record_its_outcome(job: Job) -> None:
    def overtaken(held: Claim) -> Outcome:
        _stale(Job, held.pk)
        assert jobs.claim(EXPORT_JOB, held.pk) is not None  # the reaper and another worker took over
        return Outcome("succeeded", {"result": {"from": "the first worker"}})

    WORKS["overtaken"] = overtaken
    assert job_task(job.pk, "overtaken") == "superseded"
    row = Job.objects.get(pk=job.pk)
    assert (row.status, row.attempt, row.result) == ("running", 2, {})


def test_every_status_change_goes_through_the_state_machine(job: Job, make_items: Any) -> None:
    assert job_set_status(job.pk, "queued").status == "queued"  # a lost message can be sent again
    Job.objects.filter(pk=job.pk).update(status="succeeded")
    with pytest.raises(InvalidTransition) as refused:
        job_set_status(job.pk, "queued")
    assert refused.value.detail == "export job: cannot go from 'succeeded' to 'queued'."
    [task] = make_items(job.project, 1)
    asset = task.item.streams.get().asset
    assert asset.status == "ready"  # text needs no processing
    with pytest.raises(InvalidTransition) as skipped:
        asset_set_status(asset, "processing")
    assert skipped.value.detail == "asset: cannot go from 'ready' to 'processing'."
    asset_set_status(asset, "pending", progress=0)
    assert (Asset.objects.get(pk=asset.pk).status, asset.status) == ("pending", "pending")


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """What the reaper hands to the broker."""
    out: list[tuple[str, int]] = []
    monkeypatch.setattr("common.dispatch.enqueue", lambda name, *args: out.append((name, *args)) or True)
    return out


def test_the_reaper_sends_again_what_a_dead_worker_held_and_nothing_else(
        job: Job, project: Any, manager: Any, make_items: Any, sent: list[tuple[str, int]]) -> None:
    alive = Job.objects.create(project=project, kind=Job.Kind.PRELABEL, created_by=manager)
    assert jobs.claim(EXPORT_JOB, job.pk) is not None
    Job.objects.filter(pk=job.pk).update(progress=40)
    assert jobs.claim(PRELABEL_JOB, alive.pk) is not None
    [task] = make_items(project, 1)
    asset = task.item.streams.get().asset
    Asset.objects.filter(pk=asset.pk).update(status="processing", attempt=1, heartbeat_at=None)  # a legacy claim
    _stale(Job, job.pk)

    assert jobs.reap() == {"export job sent again": 1, "asset sent again": 1}
    assert sorted(sent) == sorted([("annotation.tasks.exports.run_export", job.pk),
                                   ("datasets.tasks.process_asset", asset.pk)])
    row = Job.objects.get(pk=job.pk)
    assert (row.status, row.progress, row.attempt, row.heartbeat_at) == ("queued", 0, 1, None)
    assert Asset.objects.get(pk=asset.pk).status == "pending"
    assert Job.objects.get(pk=alive.pk).status == "running"  # its heartbeat is fresh
    assert jobs.reap() == {}  # nothing left to reap: a second reaper does nothing
    assert len(sent) == 2


def test_the_reaper_fails_a_job_whose_worker_died_too_often(job: Job, sent: list[tuple[str, int]]) -> None:
    Job.objects.filter(pk=job.pk).update(status="running", attempt=jobs.MAX_ATTEMPTS)
    _stale(Job, job.pk)
    assert jobs.reap() == {"export job failed": 1}
    row = Job.objects.get(pk=job.pk)
    assert (row.status, row.error) == ("failed", "The worker running it stopped 3 times without finishing "
                                                 "(killed, out of memory, or its machine went away); not tried again.")
    assert sent == []


def test_the_reap_jobs_command_reports_what_it_sent(job: Job, sent: list[tuple[str, int]]) -> None:
    out = StringIO()
    call_command("reap_jobs", stdout=out)
    assert out.getvalue() == "nothing to do\n"
    Job.objects.filter(pk=job.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))
    call_command("reap_jobs", "--waiting", "600", stdout=out)
    assert out.getvalue().splitlines()[-1] == "export job sent again: 1"
    assert sent == [("annotation.tasks.exports.run_export", job.pk)]
    assert Job.objects.get(pk=job.pk).status == "queued"


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_is_refreshed_while_the_work_runs_and_notices_a_lost_claim(
        project: Any, manager: Any, settings: Any) -> None:
    settings.TANDEM_JOB_STALE_SECONDS = 2  # a beat every 0.5 s
    job = Job.objects.create(project=project, kind=Job.Kind.EXPORT, params={}, created_by=manager)
    held = jobs.claim(EXPORT_JOB, job.pk)
    assert held is not None
    first = Job.objects.get(pk=job.pk).heartbeat_at
    with jobs.heartbeat(held):
        time.sleep(1.3)
        beat = Job.objects.get(pk=job.pk).heartbeat_at
        assert first is not None and beat is not None and beat > first
        Job.objects.filter(pk=job.pk).update(attempt=5)  # another worker's claim
        deadline = time.monotonic() + 5
        while not held.lost.is_set() and time.monotonic() < deadline:
            time.sleep(0.1)
    assert held.lost.is_set()
