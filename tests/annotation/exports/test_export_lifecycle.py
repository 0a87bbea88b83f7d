"""An export's lifecycle: a job stuck in queued can be sent again, duplicates and late deliveries do nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from annotation.models import Job
from annotation.tasks.exports import run_export

pytestmark = pytest.mark.django_db


def _bytes(job: Job) -> bytes:
    return (Path(django_settings.MEDIA_ROOT) / job.file_key).read_bytes()


def test_a_job_stuck_in_queued_is_sent_again_by_retry_and_runs(
        labeled: Any, client_for: Any, manager: Any, eager: None, django_capture_on_commit_callbacks: Any) -> None:
    client = client_for(manager)
    with django_capture_on_commit_callbacks(execute=False):  # its message never reaches a worker
        job_id = client.post(f"/api/projects/{labeled.project.pk}/exports/", {"format": "csv"}, format="json").json()["id"]
    assert Job.objects.get(pk=job_id).status == "queued"
    with django_capture_on_commit_callbacks(execute=True):
        retried = client.post(f"/api/exports/{job_id}/retry/")
    assert (retried.status_code, retried.json()["id"]) == (202, job_id)
    done = client.get(f"/api/exports/{job_id}/").json()
    assert (done["status"], done["progress"], done["error"]) == ("succeeded", 100, "")
    assert Job.objects.get(pk=job_id).attempt == 1


def test_a_running_export_is_not_retried_and_a_second_delivery_does_not_run_it(
        labeled: Any, client_for: Any, manager: Any, start_export: Any, django_capture_on_commit_callbacks: Any) -> None:
    client = client_for(manager)
    with django_capture_on_commit_callbacks(execute=False):
        job_id = client.post(f"/api/projects/{labeled.project.pk}/exports/", {"format": "csv"}, format="json").json()["id"]
    now = timezone.now()
    Job.objects.filter(pk=job_id).update(status="running", attempt=1, claimed_at=now, heartbeat_at=now, progress=30)
    conflict = client.post(f"/api/exports/{job_id}/retry/")
    assert (conflict.status_code, conflict.json()["detail"]) == (409, "export job: cannot go from 'running' to 'queued'.")
    assert run_export(job_id) == "skipped"
    job = Job.objects.get(pk=job_id)
    assert (job.status, job.progress, job.attempt, job.file_key) == ("running", 30, 1, "")


def test_a_late_delivery_of_a_finished_export_changes_nothing(labeled: Any, start_export: Any) -> None:
    job_id = start_export(labeled.project, {"format": "jsonl", "include": "all"}).json()["id"]
    done = Job.objects.get(pk=job_id)
    assert done.status == "succeeded"
    digest = hashlib.sha256(_bytes(done)).hexdigest()
    assert run_export(job_id) == "skipped"
    again = Job.objects.get(pk=job_id)
    assert (again.status, again.attempt, again.updated_at, again.result) == ("succeeded", 1, done.updated_at, done.result)
    assert hashlib.sha256(_bytes(again)).hexdigest() == digest == done.result["sha256"]
