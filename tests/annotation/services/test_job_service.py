"""job_set_status and job_set_progress: the one place a job's status and progress change."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from annotation.models import Job, JobStatus, Project
from annotation.services.jobs import job_set_progress, job_set_status
from common.errors import InvalidTransition

pytestmark = pytest.mark.django_db


def _job(project: Project, user: User, status: str = JobStatus.QUEUED) -> Job:
    return Job.objects.create(project=project, kind=Job.Kind.EXPORT, params={"format": "jsonl"}, created_by=user,
                              status=status)


def test_a_move_the_machine_allows_sets_the_other_fields_with_it(project: Project, manager: User) -> None:
    job = _job(project, manager)
    moved = job_set_status(job.pk, JobStatus.RUNNING, progress=5, error="")
    assert (moved.pk, moved.status, moved.progress) == (job.pk, JobStatus.RUNNING, 5)
    assert Job.objects.values_list("status", "progress").get(pk=job.pk) == (JobStatus.RUNNING, 5)


def test_a_finished_job_does_not_move(project: Project, manager: User) -> None:
    job = _job(project, manager, JobStatus.SUCCEEDED)
    with pytest.raises(InvalidTransition) as info:
        job_set_status(job.pk, JobStatus.QUEUED, progress=0)
    assert info.value.detail == "export job: cannot go from 'succeeded' to 'queued'."
    assert Job.objects.values_list("status", flat=True).get(pk=job.pk) == JobStatus.SUCCEEDED


def test_only_from_refuses_a_move_the_machine_would_allow(project: Project, manager: User) -> None:
    job = _job(project, manager, JobStatus.RUNNING)
    Job.objects.filter(pk=job.pk).update(progress=40)
    with pytest.raises(InvalidTransition) as info:
        job_set_status(job.pk, JobStatus.QUEUED, only_from=(JobStatus.FAILED, JobStatus.QUEUED), progress=0)
    assert info.value.detail == "export job: cannot go from 'running' to 'queued'."
    assert Job.objects.values_list("status", "progress").get(pk=job.pk) == (JobStatus.RUNNING, 40)


@pytest.mark.parametrize(("given", "stored"), [(37, 37), (140, 100), (-3, 0), (99.6, 99)])
def test_progress_is_clamped_to_0_100_and_leaves_the_status(
    project: Project, manager: User, given: float, stored: int
) -> None:
    job = _job(project, manager, JobStatus.RUNNING)
    job_set_progress(job.pk, given)  # type: ignore[arg-type]
    assert Job.objects.values_list("status", "progress").get(pk=job.pk) == (JobStatus.RUNNING, stored)
