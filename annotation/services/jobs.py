"""Job rows (exports, pre-label runs): the one place their status and progress change.

The lifecycle a worker drives (claim, heartbeat, outcome, failure, reaping) is ``common.jobs``;
the two kinds below tell it which rows and which task.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.utils import timezone

from annotation.models import JOB_TRANSITIONS, Job, JobStatus
from common.jobs import RowKind
from common.states import move_or_raise

EXPORT_JOB = RowKind(
    name="export job", model=Job, transitions=JOB_TRANSITIONS, task_name="annotation.tasks.exports.run_export",
    waiting=JobStatus.QUEUED, active=JobStatus.RUNNING, failed=JobStatus.FAILED, rows=Q(kind=Job.Kind.EXPORT))
PRELABEL_JOB = RowKind(
    name="prelabel job", model=Job, transitions=JOB_TRANSITIONS, task_name="annotation.tasks.prelabel.run_prelabel",
    waiting=JobStatus.QUEUED, active=JobStatus.RUNNING, failed=JobStatus.FAILED, rows=Q(kind=Job.Kind.PRELABEL))


def job_set_status(job_id: int, target: str, *, only_from: Iterable[str] | None = None, **fields: Any) -> Job:
    """Move a job along JOB_TRANSITIONS in one conditional UPDATE, setting other fields with it; 409 if not allowed.

    ``only_from`` narrows the states a person may move it from (a running job is handed back to
    the queue by its worker or the reaper, not by a retry request).
    """
    kind = Job.objects.filter(pk=job_id).values_list("kind", flat=True).first() or "job"
    move_or_raise(Job, job_id, machine=f"{kind} job", transitions=JOB_TRANSITIONS, target=target,
                  only_from=only_from, **fields)
    return Job.objects.select_related("project", "created_by").get(pk=job_id)


def job_set_progress(job_id: int, progress: int) -> None:
    """Record progress (clamped to 0-100) without touching the status."""
    Job.objects.filter(pk=job_id).update(progress=max(0, min(100, int(progress))), updated_at=timezone.now())


def job_outcome(items_ok: int, items_failed: int) -> str:
    """The status of a run over many items: all ok, some failed (partial), or none ok."""
    if items_failed == 0:
        return JobStatus.SUCCEEDED
    return JobStatus.PARTIAL if items_ok else JobStatus.FAILED
