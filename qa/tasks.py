"""Celery tasks of the qa app."""

from __future__ import annotations

from celery import shared_task

from annotation.models import Task


@shared_task(name="qa.tasks.compute_task_agreement", acks_late=True)
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
