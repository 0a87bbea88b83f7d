"""Celery tasks of the qa app."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from annotation.models import Project, Task, TaskStatus

log = logging.getLogger(__name__)

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


#: Tasks recomputed per query round and transaction (one batch report over all of them).
RECOMPUTE_CHUNK = 1000


def recompute_project(project_id: int, chunk: int | None = None) -> int:
    """Recompute the stored agreement of every task of the project with submitted work; returns how many.

    Chunk by chunk in task id order: one batch report per chunk (`agreement_store_many`), each
    chunk stored in its own transaction, then every recomputed task still in status ``complete``
    is routed as `compute_task_agreement` routes it (`triage`; tasks already routed are left
    where they are, as there). The project is read again per chunk, so a run overtaken by a
    newer change of the setting ends with the newer measure for the chunks it has left, and the
    newer change's own run recomputes the rest.
    """
    from qa.services.agreement import agreement_store_many, tasks_with_submissions
    from qa.services.triage import triage

    size = chunk or RECOMPUTE_CHUNK
    done, after = 0, 0
    while True:
        project = Project.objects.filter(pk=project_id).first()
        if project is None:
            return done
        ids = tasks_with_submissions(project_id, after, size)
        if not ids:
            return done
        stored = agreement_store_many(project, ids)
        for task_id, status, row in stored:
            if status == TaskStatus.COMPLETE:
                triage(task_id, row)
        done += len(stored)
        after = ids[-1]
        log.info("project %s: agreement recomputed on %s tasks", project_id, done)


@shared_task(name="qa.tasks.recompute_project_agreement", acks_late=True, autoretry_for=TRANSIENT, retry_backoff=5,
             retry_backoff_max=300, max_retries=8)
def recompute_project_agreement(project_id: int) -> str:
    """Recompute every stored agreement of a project after its measure changed.

    Idempotent: each report is recomputed from the stored annotations and upserted, so a retried
    or duplicated message stores the same rows again.
    """
    return f"recomputed {recompute_project(project_id)}"
