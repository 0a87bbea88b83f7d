"""The one way a gold annotation is written.

Gold is an annotation of kind ``gold`` (at most one per task). qa decides what the gold result is
(a reviewer's adjudication or the automatic majority merge) and writes it here, so the export job
gathers gold without importing qa, and every gold write leaves a revision and an audit event.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from annotation.models import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    Task,
    TaskStatus,
)
from annotation.services.annotations import result_check, task_set_status
from annotation.services.revisions import revision_write
from common.audit import audit


@transaction.atomic
def gold_write(
    *,
    task: Task,
    result: Any,
    user: User | None,
    automatic: bool = False,
    detail: dict[str, Any] | None = None,
    honeypot: bool = False,
) -> Annotation:
    """Validate ``result`` against the project schema and store it as the task's gold; task → gold.

    An existing gold annotation gets a new version (its history stays in revisions); the task's
    status moves to ``gold`` through its state machine, so writing gold for a task that is still
    open raises InvalidTransition (409) before anything is stored. ``detail`` goes to the audit event.
    A honeypot's known answer (``honeypot=True``) is written before anyone labels the task, so the
    task stays open.
    """
    task = Task.objects.select_for_update().select_related("project", "item").get(pk=task.pk)
    checked = result_check(task.project, task, result)
    if task.status != TaskStatus.GOLD and not honeypot:
        task_set_status(task, TaskStatus.GOLD)
    now = timezone.now()
    gold = Annotation.objects.select_for_update().filter(task=task, kind=AnnotationKind.GOLD).first()
    before = gold.result if gold is not None else None  # locked: the result at gold.version
    if gold is None:
        gold = Annotation.objects.create(
            task=task, annotator=user, kind=AnnotationKind.GOLD, status=AnnotationStatus.SUBMITTED,
            result=checked, automatic=automatic, submitted_at=now,
        )
    else:
        gold.result = checked
        gold.version += 1
        gold.annotator = user
        gold.automatic = automatic
        gold.submitted_at = now
        gold.save(update_fields=["result", "version", "annotator", "automatic", "submitted_at", "updated_at"])
    revision_write(gold, user, before)
    audit(user, "gold.write", gold, project_id=task.project_id, task=task.pk, version=gold.version,
          automatic=automatic, regions=len(checked.get("regions", [])), **(detail or {}))
    return gold
