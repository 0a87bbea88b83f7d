"""The retention sweep, run daily by Celery beat (``CELERY_BEAT_SCHEDULE``)."""

from __future__ import annotations

from celery import shared_task

from annotation.services.retention import retention_sweep

__all__ = ["sweep_retention"]


@shared_task(name="annotation.tasks.retention.sweep_retention", ignore_result=True)
def sweep_retention() -> dict[str, int]:
    """Delete the media of items past their retention date (see ``annotation.services.retention``)."""
    return retention_sweep()
