"""qa listens to annotation's signals; annotation never imports qa."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import receiver

from annotation.services.annotations import task_completed


@receiver(task_completed, dispatch_uid="qa.task_completed")
def on_task_completed(sender: Any, task_id: int, **kwargs: Any) -> None:
    """Queue the agreement computation once the completing transaction is committed."""
    from qa.tasks import compute_task_agreement

    transaction.on_commit(lambda: compute_task_agreement.delay(task_id))
