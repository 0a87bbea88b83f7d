"""Writing imported results: a named annotator's submitted work, gold, and who the file's annotators are.

Imported human work counts as submitted work: the annotator gets a submitted assignment, the
task's ``submitted_count`` grows and the task completes at its overlap, exactly as if they had
labeled it in the queue, so overlap and the project's counters stay true.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from annotation.models import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    Assignment,
    AssignmentStatus,
    Membership,
    Project,
    Task,
    TaskStatus,
)
from annotation.services.annotation_import_regions import fail
from annotation.services.annotations import _needed, task_completed, task_set_status
from annotation.services.gold import gold_write
from annotation.services.revisions import revision_write
from common.errors import InvalidInput
from datasets.imports import SourceLayer


def file_people(project: Project, layers: Sequence[SourceLayer], mapping: Mapping[str, Any]) -> dict[str, User]:
    """The members the file's annotators are (by username, else e-mail), for a human import without
    ``annotator``: every mapped layer must name one."""
    members: dict[str, User] = {}
    for member in Membership.objects.filter(project=project).select_related("user"):
        members.setdefault(member.user.username, member.user)
        if member.user.email:
            members.setdefault(member.user.email, member.user)
    for layer in layers:
        entry = mapping.get(layer.layer)
        if not isinstance(entry, Mapping) or not entry.get("track") or not layer.regions:
            continue
        if layer.annotator is None:
            raise fail(layer, None, "names no annotator: choose whose work it is ('annotator')")
        if layer.annotator not in members:
            raise fail(layer, None, f"is the work of '{layer.annotator}', who is not a member of this project "
                        "(by username or e-mail); add them, or choose whose work it is ('annotator')")
    return members


def check_human(project: Project, user: User, task_ids: Sequence[int]) -> None:
    if not Membership.objects.filter(project=project, user=user).exists():
        raise InvalidInput(f"'{user.username}' is not a member of this project; add them first.")
    held = Annotation.objects.filter(task_id__in=task_ids, annotator=user, kind=AnnotationKind.HUMAN)
    taken = sorted(held.values_list("task__item__external_id", flat=True))
    skipped = sorted(Assignment.objects.filter(task_id__in=task_ids, annotator=user, status=AssignmentStatus.SKIPPED)
                     .values_list("task__item__external_id", flat=True))
    if taken or skipped:
        which = taken or skipped
        raise InvalidInput(f"'{user.username}' already {'has an annotation on' if taken else 'skipped'} "
                           f"item{'s' if len(which) > 1 else ''} {', '.join(repr(w) for w in which[:10])}; "
                           "nothing was imported.")


def human_write(task_id: int, annotator: User, manager: User, regions: list[dict[str, Any]]) -> None:
    """The annotator's submitted annotation, as the queue would leave it (see the module docstring)."""
    now = timezone.now()
    task = Task.objects.select_for_update().get(pk=task_id)
    annotation = Annotation.objects.create(task=task, annotator=annotator, kind=AnnotationKind.HUMAN,
                                           status=AnnotationStatus.SUBMITTED, result={"regions": regions},
                                           submitted_at=now)
    revision_write(annotation, manager)
    assignment = Assignment.objects.filter(task=task, annotator=annotator).first()
    if assignment is None:
        Assignment.objects.create(task=task, annotator=annotator, status=AssignmentStatus.SUBMITTED,
                                  lease_expires_at=now, submitted_at=now)
    else:
        if assignment.status == AssignmentStatus.ACTIVE and task.active_count > 0:
            task.active_count -= 1
        Assignment.objects.filter(pk=assignment.pk).update(status=AssignmentStatus.SUBMITTED, submitted_at=now)
    task.submitted_count += 1
    Task.objects.filter(pk=task.pk).update(submitted_count=task.submitted_count, active_count=task.active_count)
    Project.objects.filter(pk=task.project_id).update(annotation_count=F("annotation_count") + 1)
    if task.status == TaskStatus.OPEN and task.submitted_count >= _needed(task):
        task_set_status(task, TaskStatus.COMPLETE)
        Project.objects.filter(pk=task.project_id).update(completed_count=F("completed_count") + 1)
        transaction.on_commit(lambda: task_completed.send(sender=Task, task_id=task_id))


def gold_import_write(task_id: int, manager: User, regions: list[dict[str, Any]], detail: dict[str, Any]) -> None:
    task = Task.objects.select_for_update().get(pk=task_id)
    if task.status == TaskStatus.OPEN:  # open → gold is not a move of the state machine: complete it first
        task_set_status(task, TaskStatus.COMPLETE)
        Project.objects.filter(pk=task.project_id).update(completed_count=F("completed_count") + 1)
    gold_write(task=task, result={"regions": regions}, user=manager, detail=detail)
