"""The next-task queue: leases, resume, skip, expiry.

Claims use ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL so two annotators asking at once
never take the last free slot of one task.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from annotation.models import ASSIGNMENT_TRANSITIONS, Assignment, AssignmentStatus, Project, Task, TaskStatus
from common.errors import Conflict, Forbidden
from common.states import check_transition


def _lease_end() -> datetime:
    return timezone.now() + timedelta(seconds=settings.TANDEM_LEASE_SECONDS)


def leases_expire(project: Project) -> int:
    """Free the slots of leases that ran out; returns how many expired."""
    now = timezone.now()
    expired = list(
        Assignment.objects.filter(
            task__project=project, status=AssignmentStatus.ACTIVE, lease_expires_at__lt=now
        ).values_list("pk", "task_id")
    )
    for pk, task_id in expired:
        if Assignment.objects.filter(pk=pk, status=AssignmentStatus.ACTIVE).update(status=AssignmentStatus.EXPIRED):
            Task.objects.filter(pk=task_id, active_count__gt=0).update(active_count=F("active_count") - 1)
    return len(expired)


def _candidates(project: Project, user: User, honeypot: bool) -> QuerySet[Task]:
    qs = (
        Task.objects.filter(project=project, status=TaskStatus.OPEN, is_honeypot=honeypot)
        # Tasks for everyone take any number of annotators; the others stop at their overlap.
        .filter(Q(for_everyone=True) | Q(active_count__lt=F("target_count") - F("submitted_count")))
        .exclude(assignments__annotator=user)
        .order_by("id")
    )
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return qs


@contextmanager
def _probing_each_candidate() -> Iterator[None]:
    """Plan the candidate query as a walk of the queue that probes each task for the caller's assignment.

    With a LIMIT, PostgreSQL's cost model prefers a merge anti-join reading the caller's
    assignments in task order through the (task, annotator) unique index: it charges only a
    fraction of that scan, but finding the first open task means reading every assignment of
    the tasks before it (about 130 ms at a million tasks). Probing the (annotator, task) index
    per candidate costs one lookup per task walked. Scoped to these queries (SET LOCAL, then back to the default).
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_mergejoin = off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_mergejoin TO DEFAULT")


@transaction.atomic
def task_next(*, project: Project, user: User) -> Task | None:
    """The caller's next task: their unexpired active one, else a fresh one with a new lease."""
    now = timezone.now()
    current = (
        Assignment.objects.filter(
            task__project=project, annotator=user, status=AssignmentStatus.ACTIVE, lease_expires_at__gte=now
        )
        .select_related("task")
        .order_by("id")
        .first()
    )
    if current is not None:
        Assignment.objects.filter(pk=current.pk).update(lease_expires_at=_lease_end())
        return current.task
    leases_expire(project)
    want_honeypot = project.honeypot_rate > 0 and random.random() < project.honeypot_rate
    with _probing_each_candidate():
        task = _candidates(project, user, want_honeypot).first()
        if task is None and want_honeypot:
            task = _candidates(project, user, False).first()
    if task is None:
        return None
    try:
        with transaction.atomic():
            Assignment.objects.create(task=task, annotator=user, lease_expires_at=_lease_end())
    except IntegrityError:
        return None
    Task.objects.filter(pk=task.pk).update(active_count=F("active_count") + 1)
    return task


@transaction.atomic
def task_skip(*, task: Task, user: User) -> None:
    """Give a task back: the slot frees for others and the caller is not offered it again."""
    updated = Assignment.objects.filter(task=task, annotator=user, status=AssignmentStatus.ACTIVE).update(
        status=AssignmentStatus.SKIPPED
    )
    if not updated:
        raise Conflict("You hold no active assignment on this task.")
    Task.objects.filter(pk=task.pk, active_count__gt=0).update(active_count=F("active_count") - 1)


def assignment_ensure(*, task: Task, user: User) -> Assignment:
    """The caller's assignment on a task, taking a free slot if they open it directly."""
    assignment = Assignment.objects.filter(task=task, annotator=user).first()
    if assignment is not None:
        return assignment
    with transaction.atomic():
        locked = Task.objects.select_for_update().get(pk=task.pk)
        if not _slot_free(locked):
            raise Conflict("This task already has all the annotators it needs.")
        assignment = Assignment.objects.create(task=locked, annotator=user, lease_expires_at=_lease_end())
        Task.objects.filter(pk=task.pk).update(active_count=F("active_count") + 1)
    return assignment


def _slot_free(task: Task) -> bool:
    return task.status == TaskStatus.OPEN and (
        task.for_everyone or task.active_count + task.submitted_count < task.target_count
    )


def _held_locked(task: Task, user: User) -> Assignment | None:
    """The caller's assignment on the task, its row locked (every save and submit reads it).

    Plain SQL through ``raw``: the ORM query cost more to build than to run, on every draft save.
    (task, annotator) is unique, so there is one row at most.
    """
    if not connection.in_atomic_block:  # as select_for_update: a lock outside a transaction ends at once
        raise TransactionManagementError("the assignment is locked only inside a transaction")
    sql = f'SELECT * FROM "{Assignment._meta.db_table}" WHERE task_id = %s AND annotator_id = %s'
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    rows = list(Assignment.objects.raw(sql, [task.pk, user.pk]))
    return rows[0] if rows else None


def assignment_for_labeling(*, task: Task, user: User) -> Assignment:
    """The caller's assignment when it lets them write a human annotation on the task; else why not.

    Overlap is filled only by the people the task was given to (through the queue or by opening
    it while it had a free slot), whatever their role. No assignment: Forbidden (403). A skipped
    one: Conflict (409), the slot went back to the pool. A lapsed lease is taken up again
    (expired → active, the slot counted again) while the task still has a free slot, and refused
    (409) once another annotator has it, so a task never collects more than its k annotators.
    The assignment row is locked first, as skip and lease expiry do, so a skip and a save never
    both win.
    """
    assignment = _held_locked(task, user)
    if assignment is None:
        raise Forbidden(
            "You hold no assignment on this task: only the annotators it was given to may label it "
            f"(take it with POST /api/projects/{task.project_id}/next/)."
        )
    if assignment.status == AssignmentStatus.SKIPPED:
        raise Conflict("You skipped this task: it went back to the pool and you can no longer label it.")
    if assignment.status == AssignmentStatus.EXPIRED:
        locked = Task.objects.select_for_update().get(pk=task.pk)
        if not _slot_free(locked):
            raise Conflict("Your lease on this task expired and its place went to another annotator.")
        check_transition("assignment", ASSIGNMENT_TRANSITIONS, assignment.status, AssignmentStatus.ACTIVE)
        assignment.status, assignment.lease_expires_at = AssignmentStatus.ACTIVE, _lease_end()
        assignment.save(update_fields=["status", "lease_expires_at", "updated_at"])
        Task.objects.filter(pk=task.pk).update(active_count=F("active_count") + 1)
    return assignment
