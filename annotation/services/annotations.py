"""The one way an annotation changes: create, save with optimistic versioning, submit."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from annotation.models import (
    TASK_TRANSITIONS,
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    Assignment,
    AssignmentStatus,
    Membership,
    Project,
    Role,
    Task,
    TaskStatus,
)
from annotation.schema import ResultContext, ResultError, validate_result
from annotation.services.assignments import assignment_for_labeling
from annotation.services.revisions import json_size, revision_write
from common.audit import audit
from common.errors import Conflict, Forbidden, InvalidInput, StaleVersion, TooLarge
from common.states import check_transition
from datasets.models import Asset, AssetKind, Stream

# Sent (after commit) when a task has all the submitted annotations it needs; qa listens.
task_completed = Signal()


# An item's text streams and their assets' meta (which holds "chars"). Plain SQL: it runs on
# every save of a result with spans, and building the ORM query cost more than running it.
_TEXT_STREAMS = (f'SELECT s.role, a.meta FROM "{Stream._meta.db_table}" s '
                 f'JOIN "{Asset._meta.db_table}" a ON a.id = s.asset_id WHERE s.item_id = %s AND a.kind = %s')


def result_context(task: Task) -> ResultContext:
    with connection.cursor() as cursor:
        cursor.execute(_TEXT_STREAMS, [task.item_id, AssetKind.TEXT.value])
        rows = cursor.fetchall()
    lengths = {}
    for role, raw in rows:
        meta = json.loads(raw) if isinstance(raw, (str, bytes)) else raw  # jsonb comes back as text
        if isinstance(meta, dict) and "chars" in meta:
            lengths[role] = int(meta["chars"])
    return ResultContext(duration_ms=task.item.duration_ms, text_lengths=lengths)


# Track kinds whose regions are checked against the length of a text stream (annotation/schema.py).
_TEXT_KINDS = frozenset({"span", "redact"})


def _names_text(schema: Any, result: Any) -> bool:
    """Whether any region of ``result`` is on a track checked against a text stream's length.

    Without one the streams are not read: a save of a result with no spans or redactions (most
    saves of audio and video work) needs no text lengths.
    """
    tracks = {t.get("name") for t in schema.get("tracks", []) if isinstance(t, dict) and t.get("kind") in _TEXT_KINDS}
    if not tracks:
        return False
    regions = result.get("regions") if isinstance(result, dict) else None
    if not isinstance(regions, list):
        return True  # not a valid result: the full check says why
    return any(not isinstance(r, dict) or r.get("track") in tracks for r in regions)


def result_check(project: Project, task: Task, result: Any) -> dict[str, Any]:
    """The result checked against the schema and the size limits: 413 past TANDEM_MAX_RESULT_BYTES, else 400."""
    limit = settings.TANDEM_MAX_RESULT_BYTES
    size = json_size(result)
    if size > limit:
        raise TooLarge(f"The result is {size} bytes of JSON; an annotation holds at most {limit} "
                       "(TANDEM_MAX_RESULT_BYTES). Split the item or drop text the task does not need.")
    if _names_text(project.schema, result):
        ctx = result_context(task)
    else:
        ctx = ResultContext(duration_ms=task.item.duration_ms)
    ctx.max_regions = settings.TANDEM_MAX_REGIONS
    try:
        return validate_result(project.schema, result, ctx)
    except ResultError as exc:
        raise InvalidInput(f"Invalid result: {exc}", region=exc.where) from exc


def _revision(annotation: Annotation, user: User | None, before: dict[str, Any] | None = None) -> None:
    """Record the new version; ``before`` (the result one version earlier) lets it be stored as a delta."""
    revision_write(annotation, user, before)


def _check_writer(annotation: Annotation, user: User) -> None:
    """Only the owner changes a human annotation here; gold has its own, audited ways."""
    if annotation.kind == AnnotationKind.GOLD:
        raise Forbidden(
            "Gold changes only through review: claim the task's review item and resolve it, or edit it with "
            f"POST /api/tasks/{annotation.task_id}/gold/ giving the version and a reason."
        )
    if annotation.annotator_id != user.pk:
        raise Forbidden("Only the annotator who owns this annotation can change it.")


@transaction.atomic
def annotation_create(*, task: Task, user: User, result: Any) -> tuple[Annotation, bool]:
    """The caller's draft on a task; returns (annotation, created). An existing one is returned as is.

    Only someone holding the task (``assignment_for_labeling``) has a draft on it: a reviewer or
    manager who never took the task gets 403, so nobody fills a task's overlap from outside the queue.
    """
    assignment_for_labeling(task=task, user=user)
    existing = Annotation.objects.filter(task=task, annotator=user, kind=AnnotationKind.HUMAN).first()
    if existing is not None:
        return existing, False
    checked = result_check(task.project, task, result if result is not None else {"regions": []})
    try:
        with transaction.atomic():
            annotation = Annotation.objects.create(task=task, annotator=user, result=checked)
    except IntegrityError:
        return Annotation.objects.get(task=task, annotator=user, kind=AnnotationKind.HUMAN), False
    _revision(annotation, user)
    Project.objects.filter(pk=task.project_id).update(annotation_count=F("annotation_count") + 1)
    return annotation, True


def _result_update(pk: int, version: int, result: Any, now: datetime) -> bool:
    """Store ``result`` as version + 1 if the row is at ``version``; whether it was.

    Plain SQL with the fields' own preparation of the values: it runs on every draft save, and the
    ORM update cost more to build than to run.
    """
    meta, quote = Annotation._meta, connection.ops.quote_name
    sql = (f"UPDATE {quote(meta.db_table)} SET {quote('result')} = %s, {quote('version')} = {quote('version')} + 1, "
           f"{quote('updated_at')} = %s WHERE {quote('id')} = %s AND {quote('version')} = %s")
    params = [meta.get_field("result").get_db_prep_save(result, connection),
              meta.get_field("updated_at").get_db_prep_save(now, connection), pk, version]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


@transaction.atomic
def annotation_save(*, annotation: Annotation, result: Any, version: int, user: User) -> Annotation:
    """Save a new result if ``version`` is the stored one; else StaleVersion (409) and nothing changes."""
    _check_writer(annotation, user)
    if annotation.status == AnnotationStatus.SUBMITTED:
        raise Conflict("This annotation is submitted; it can no longer be edited.", current_version=annotation.version)
    assignment_for_labeling(task=annotation.task, user=user)
    checked = result_check(annotation.task.project, annotation.task, result)
    now = timezone.now()
    if not _result_update(annotation.pk, version, checked, now):
        current = Annotation.objects.get(pk=annotation.pk)
        # who wrote the newer version and when, so the editor can say what happened
        author = current.revisions.filter(version=current.version).values_list("author__username", flat=True).first()
        raise StaleVersion(
            f"Version {version} is stale: the annotation is at version {current.version}. Reload it and try again.",
            current_version=current.version,
            current={"version": current.version, "result": current.result, "status": current.status,
                     "updated_by": author, "updated_at": current.updated_at.isoformat()},
        )
    # The row as loaded holds the result at `version` only if it was loaded at that version.
    before = annotation.result if annotation.version == version else None
    annotation.result = checked
    annotation.version = version + 1
    annotation.updated_at = now
    _revision(annotation, user, before)
    return annotation


def task_set_status(task: Task, status: str) -> None:
    check_transition("task", TASK_TRANSITIONS, task.status, status)
    Task.objects.filter(pk=task.pk).update(status=status)
    task.status = status


@transaction.atomic
def annotation_submit(*, annotation: Annotation, user: User, version: int | None = None) -> Annotation:
    """Draft → submitted; the task completes when its k-th annotation arrives."""
    _check_writer(annotation, user)
    if version is not None and version != annotation.version:
        raise StaleVersion(
            f"Version {version} is stale: the annotation is at version {annotation.version}.",
            current_version=annotation.version,
        )
    if annotation.status == AnnotationStatus.SUBMITTED:
        raise Conflict("This annotation is already submitted.", current_version=annotation.version)
    # Locked, and active again if its lease had lapsed; (task, annotator) has one assignment at most.
    assignment = assignment_for_labeling(task=annotation.task, user=user)
    now = timezone.now()
    updated = Annotation.objects.filter(
        pk=annotation.pk, status=AnnotationStatus.DRAFT, version=annotation.version
    ).update(
        status=AnnotationStatus.SUBMITTED, submitted_at=now, updated_at=now, version=F("version") + 1,
        lead_time_ms=_lead_time_ms(annotation, now),
    )
    if not updated:
        raise Conflict("This annotation changed or was submitted meanwhile; reload it.")
    annotation.version += 1
    annotation.status = AnnotationStatus.SUBMITTED
    annotation.submitted_at = annotation.updated_at = now
    _revision(annotation, user, annotation.result)
    task = Task.objects.select_for_update().get(pk=annotation.task_id)
    was_active = assignment.status == AssignmentStatus.ACTIVE
    if assignment.status in (AssignmentStatus.ACTIVE, AssignmentStatus.EXPIRED):
        Assignment.objects.filter(pk=assignment.pk).update(status=AssignmentStatus.SUBMITTED, submitted_at=now)
    task.submitted_count += 1
    if was_active and task.active_count > 0:
        task.active_count -= 1
    Task.objects.filter(pk=task.pk).update(submitted_count=task.submitted_count, active_count=task.active_count)
    task_id = task.pk
    if task.status == TaskStatus.OPEN and task.submitted_count >= _needed(task):
        task_set_status(task, TaskStatus.COMPLETE)
        Project.objects.filter(pk=task.project_id).update(completed_count=F("completed_count") + 1)
        transaction.on_commit(lambda: task_completed.send(sender=Task, task_id=task_id))
    return annotation


@transaction.atomic
def annotation_reopen(*, annotation: Annotation, user: User) -> Annotation:
    """Submitted → draft again, at the author's request (the policy decided they may).

    Refused (409) unless the annotation is submitted and review has not begun on its task (see
    ``task_taken_into_review``). The task takes the submission back: its count drops, a complete
    task is open again, and the author's assignment is active with a fresh lease, so the task is
    theirs in the queue until they submit once more. A revision keeps the submitted version.
    """
    from annotation.policy import task_taken_into_review

    annotation = Annotation.objects.select_for_update().get(pk=annotation.pk)
    if annotation.status != AnnotationStatus.SUBMITTED:
        raise Conflict("Only a submitted annotation can be reopened; this one is a draft.", current_version=annotation.version)
    task = Task.objects.select_for_update().get(pk=annotation.task_id)
    if task_taken_into_review(task):
        raise Conflict("Review has begun on this task, so it can no longer be reopened.", current_version=annotation.version)
    now = timezone.now()
    Annotation.objects.filter(pk=annotation.pk).update(status=AnnotationStatus.DRAFT, version=F("version") + 1, updated_at=now)
    annotation.status, annotation.version, annotation.updated_at = AnnotationStatus.DRAFT, annotation.version + 1, now
    _revision(annotation, user, annotation.result)
    lease = now + timedelta(seconds=settings.TANDEM_LEASE_SECONDS)
    Assignment.objects.filter(task=task, annotator=user, status=AssignmentStatus.SUBMITTED).update(
        status=AssignmentStatus.ACTIVE, lease_expires_at=lease, submitted_at=None)
    Task.objects.filter(pk=task.pk, submitted_count__gt=0).update(
        submitted_count=F("submitted_count") - 1, active_count=F("active_count") + 1)
    if task.status == TaskStatus.COMPLETE:
        task_set_status(task, TaskStatus.OPEN)
        Project.objects.filter(pk=task.project_id, completed_count__gt=0).update(completed_count=F("completed_count") - 1)
    audit(user, "annotation.reopen", annotation, project_id=task.project_id, task=task.pk, version=annotation.version)
    return annotation


def _needed(task: Task) -> int:
    """Submitted annotations that complete a task: its overlap, or every annotator of the project."""
    if not task.for_everyone:
        return task.target_count
    annotators = Membership.objects.filter(project_id=task.project_id, role=Role.ANNOTATOR).count()
    return max(task.target_count, annotators)


def _lead_time_ms(annotation: Annotation, now: datetime) -> int:
    return max(0, int((now - annotation.created_at).total_seconds() * 1000))
