"""Hand jobs to Celery after commit without ever failing the request that asked for them.

When the broker cannot be reached the job is kept as a PendingDispatch row and sent again on
the next successful dispatch, when a worker starts, or by ``manage.py dispatch_pending``.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

from common.models import PendingDispatch

log = logging.getLogger(__name__)
BROKER_ERRORS = (BrokerError, ConnectionError, OSError)
# A short publish retry: the request is waiting, and the job is kept in any case.
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def enqueue_on_commit(task_name: str, *args: Any) -> None:
    """Send ``task_name(*args)`` once the current transaction commits."""
    transaction.on_commit(lambda: enqueue(task_name, *args))


def enqueue(task_name: str, *args: Any) -> bool:
    """Send now; on a broker error keep the job for later. Returns whether it was sent."""
    if current_app.conf.task_always_eager:  # tests and debugging run the job inline, as .delay() would
        importlib.import_module(task_name.rsplit(".", 1)[0])  # registers the task
        current_app.tasks[task_name].apply(args=list(args))
        return True
    try:
        current_app.send_task(task_name, args=list(args), retry=True, retry_policy=PUBLISH_RETRY)
    except BROKER_ERRORS as exc:
        PendingDispatch.objects.create(task_name=task_name, args=list(args), error=str(exc)[:2000])
        log.warning("broker unavailable, %s%s kept for later: %s", task_name, tuple(args), exc)
        return False
    if PendingDispatch.objects.exists():
        dispatch_pending()
    return True


def is_pending(task_name: str, *args: Any) -> bool:
    """Whether this job is waiting for the broker to come back."""
    return PendingDispatch.objects.filter(task_name=task_name, args=list(args)).exists()


def dispatch_pending(limit: int = 1000) -> int:
    """Send kept jobs, oldest first, until one fails again; returns how many were sent."""
    sent = 0
    for row in PendingDispatch.objects.order_by("id")[:limit]:
        with transaction.atomic():
            if not PendingDispatch.objects.select_for_update(skip_locked=True).filter(pk=row.pk).exists():
                continue  # another process is sending it
            try:
                current_app.send_task(row.task_name, args=row.args, retry=True, retry_policy=PUBLISH_RETRY)
            except BROKER_ERRORS:
                return sent
            PendingDispatch.objects.filter(pk=row.pk).delete()
            sent += 1
    return sent
