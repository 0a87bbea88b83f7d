"""The Celery app: queue ``media`` for CPU work on files, ``gpu`` for pre-label models."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import worker_ready, worker_shutting_down

from common import beat_thread

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
# Celery's Django fixup runs the system checks when a worker starts, which loads the URL
# configuration and every view (NumPy, the metrics, the API) into the main process that only
# routes messages; `manage.py migrate` and the web server run the checks.
os.environ.setdefault("CELERY_SKIP_CHECKS", "1")

app = Celery("tandem")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
beat_thread.install(app)


@worker_shutting_down.connect
def stop_running_jobs(**kwargs: object) -> None:
    """SIGTERM: each running job finishes within the grace period or goes back to the queue (common/shutdown.py)."""
    from common.shutdown import forward_to_busy_children

    forward_to_busy_children()


@worker_ready.connect
def send_kept_jobs(**kwargs: object) -> None:
    """Jobs kept while the broker was down go out as soon as a worker is up again."""
    from common.dispatch import dispatch_pending

    dispatch_pending()
