"""Editing a task's gold outside the queue: the one audited action besides claim → resolve.

Gold is decided in the review queue. Once a task's review is over (or its gold was merged
automatically), a reviewer or manager may still correct it, but only through ``gold_edit``: it
names the version it changes (a stale one is a 409, as for any save), it needs a reason, and the
gold write it makes leaves a revision and a ``gold.write`` audit event carrying that reason. While
the task has an unresolved review item, that item is where the gold is decided, so the edit is
refused and the reviewer is sent to claim it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from annotation.models import Annotation, AnnotationKind, Role, Task
from annotation.selectors import has_role
from annotation.services.gold import gold_write
from common.errors import Conflict, Forbidden, InvalidInput, StaleVersion
from qa.models import ReviewItem, ReviewState


@transaction.atomic
def gold_edit(*, task: Task, user: User, result: Any, version: int, reason: str) -> Annotation:
    """Replace the gold result of ``task`` (at ``version``) on a reviewer's or manager's word.

    Nothing is written unless every check passes: reviewer role (403), a non-blank reason (400),
    no unresolved review item (409 naming it), an existing gold (409), the current version (409
    with the current gold), and a result valid for the project's schema (400).
    """
    if not has_role(task.project_id, user, Role.REVIEWER):
        raise Forbidden("Editing gold needs the reviewer role in the project.")
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Say why the gold changes: 'reason' is kept in the audit trail.", field="reason")
    task = Task.objects.select_for_update().get(pk=task.pk)
    open_item = ReviewItem.objects.filter(task=task).exclude(state=ReviewState.RESOLVED).first()
    if open_item is not None:
        raise Conflict(f"This task is in the review queue (item {open_item.pk}): claim that item and resolve it.",
                       review_item=open_item.pk)
    gold = Annotation.objects.select_for_update().filter(task=task, kind=AnnotationKind.GOLD).first()
    if gold is None:
        raise Conflict("This task has no gold yet: it gets one through review (claim → resolve).")
    if gold.version != version:
        raise StaleVersion(
            f"Version {version} is stale: the gold is at version {gold.version}. Reload it and try again.",
            current_version=gold.version,
            current={"version": gold.version, "result": gold.result, "status": gold.status},
        )
    return gold_write(task=task, result=result, user=user, automatic=False, honeypot=task.is_honeypot,
                      detail={"edit": True, "reason": reason, "previous_version": version})
