"""Celery tasks of the qa app."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from annotation.models import Task

#: Database hiccups ("database is locked" on SQLite, a restart on PostgreSQL): the task is idempotent.
TRANSIENT = (OperationalError, InterfaceError, ConnectionError)


@shared_task(name="qa.tasks.compute_task_agreement", acks_late=True, autoretry_for=TRANSIENT, retry_backoff=5,
             retry_backoff_max=300, max_retries=8)
def compute_task_agreement(task_id: int) -> str:
    """Compute and store a completed task's agreement, then route it (review queue or gold).

    Idempotent: the report is recomputed from the stored annotations and upserted, and routing
    only acts on a task still in status ``complete``, so a retried or duplicated message is harmless.
    """
    from qa.services.agreement import agreement_compute
    from qa.services.triage import triage

    task = Task.objects.select_related("project", "item").filter(pk=task_id).first()
    if task is None:
        return "missing"
    row = agreement_compute(task)
    return triage(task.pk, row)
