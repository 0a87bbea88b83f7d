"""qa listens to annotation's signals; annotation never imports qa."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from annotation.services.annotations import task_completed
from common.dispatch import enqueue_on_commit


@receiver(task_completed, dispatch_uid="qa.task_completed")
def on_task_completed(sender: Any, task_id: int, **kwargs: Any) -> None:
    """Queue the agreement computation once the completing transaction is committed."""
    enqueue_on_commit("qa.tasks.compute_task_agreement", task_id)
