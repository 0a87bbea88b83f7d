"""Job rows (exports, pre-label runs): the one place their status and progress change."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from annotation.models import JOB_TRANSITIONS, Job
from common.states import check_transition


def job_set_status(job_id: int, target: str, **fields: Any) -> Job:
    """Move a job along JOB_TRANSITIONS (row locked), setting other fields with it."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        check_transition(f"{job.kind} job", JOB_TRANSITIONS, job.status, target)
        job.status = target
        for key, value in fields.items():
            setattr(job, key, value)
        job.save(update_fields=["status", *fields, "updated_at"])
    return job


def job_set_progress(job_id: int, progress: int) -> None:
    """Record progress (clamped to 0-100) without touching the status."""
    Job.objects.filter(pk=job_id).update(progress=max(0, min(100, int(progress))), updated_at=timezone.now())
