"""Celery tasks of the common app: the reaper, run by beat (``CELERY_BEAT_SCHEDULE``)."""

from __future__ import annotations

from celery import shared_task

from common.jobs import reap


@shared_task(name="common.tasks.reap_stale_jobs", ignore_result=True)
def reap_stale_jobs() -> dict[str, int]:
    """Send again the jobs and assets whose worker died (see ``common.jobs.reap``)."""
    return reap()
