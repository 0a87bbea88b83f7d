"""qa listens to annotation's signals; annotation never imports qa."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from annotation.models import Project
from annotation.services.annotations import task_completed
from annotation.services.projects import agreement_measure_changed
from common.dispatch import enqueue_on_commit


@receiver(task_completed, dispatch_uid="qa.task_completed")
def on_task_completed(sender: Any, task_id: int, **kwargs: Any) -> None:
    """Queue the agreement computation once the completing transaction is committed."""
    enqueue_on_commit("qa.tasks.compute_task_agreement", task_id)


@receiver(agreement_measure_changed, sender=Project, dispatch_uid="qa.agreement_measure_changed")
def on_agreement_measure_changed(sender: Any, project_id: int, **kwargs: Any) -> None:
    """Queue one recomputation of the project's stored agreements in the new measure."""
    enqueue_on_commit("qa.tasks.recompute_project_agreement", project_id)
