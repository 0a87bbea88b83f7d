"""The next-task queue: leases, resume, skip, expiry.

Claims use ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL so two annotators asking at once
never take the last free slot of one task.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import F
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from annotation.models import ASSIGNMENT_TRANSITIONS, Assignment, AssignmentStatus, Project, Task, TaskStatus
from annotation.services import queue_sql
from common.errors import Conflict, Forbidden
from common.prepared import PreparedQuery
from common.states import check_transition


def _lease_end() -> datetime:
    return timezone.now() + timedelta(seconds=settings.TANDEM_LEASE_SECONDS)


def _params(project: Project, user: User | None = None) -> dict[str, Any]:
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    return {"project": project.pk, "user": user.pk if user is not None else None, "now": adapt(now),
            "lease_end": adapt(now + timedelta(seconds=settings.TANDEM_LEASE_SECONDS))}


def leases_expire(project: Project) -> int:
    """Free the slots of leases that ran out; returns how many expired."""
    params = _params(project)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(queue_sql.EXPIRE_PG, params)
            return int(cursor.fetchone()[0])
    with transaction.atomic(), connection.cursor() as cursor:
        return _expire_one_by_one(cursor, params)


def _expire_one_by_one(cursor: Any, params: dict[str, Any]) -> int:
    cursor.execute(queue_sql.EXPIRE, params)
    expired = [task_id for (task_id,) in cursor.fetchall()]
    for task_id in expired:
        cursor.execute(queue_sql.FREE_SLOT, {"task": task_id})
    return len(expired)


def task_next(*, project: Project, user: User) -> Task | None:
    """The caller's next task: their unexpired active one with its lease extended, else (once the
    project's lapsed leases are freed) the first free one they never held, with a new lease.

    A share of ``honeypot_rate`` of the calls look for a honeypot first. None when nothing is left.
    """
    params = _params(project, user)
    params["honeypot"] = project.honeypot_rate > 0 and random.random() < project.honeypot_rate
    if connection.vendor == "postgresql":
        # Atomic statements on their own (autocommit), each claim's task row locked to its end:
        # no transaction of our own, so no COMMIT to wait for.
        with connection.cursor() as cursor:
            row = _next_postgresql(cursor, params)
    else:
        with transaction.atomic(), connection.cursor() as cursor:
            row = _next_one_by_one(cursor, params)
    return queue_sql.task_from_row(connection, row) if row is not None else None


def _next_postgresql(cursor: Any, params: dict[str, Any]) -> tuple[Any, ...] | None:
    cursor.execute(queue_sql.NEXT_PG, params)
    expired, *row = cursor.fetchone()
    if row[0] is not None:
        return tuple(row)
    # Nothing held and nothing taken: the claim was left for after the expiry (then made as it would
    # have been), or no honeypot was free (then made for a plain task).
    if expired:
        kinds = [True, False] if params["honeypot"] else [False]
    else:
        kinds = [False] if params["honeypot"] else []
    for honeypot in kinds:
        cursor.execute(queue_sql.CLAIM_PG, {**params, "honeypot": honeypot})
        taken = cursor.fetchone()
        if taken is not None:
            return cast(tuple[Any, ...], taken)
    return None


def _next_one_by_one(cursor: Any, params: dict[str, Any]) -> tuple[Any, ...] | None:
    """``task_next`` as single statements, for engines without data-modifying WITH (SQLite, whose
    transactions take the write lock when they begin, so no two run this at once)."""
    _expire_one_by_one(cursor, params)
    cursor.execute(queue_sql.RESUME, params)
    mine = cursor.fetchone()
    if mine is not None:
        cursor.execute(f"SELECT {queue_sql.TASK_COLUMNS} FROM {queue_sql.T} t WHERE t.id = %(task)s",
                       {"task": mine[0]})
        return cast(tuple[Any, ...], cursor.fetchone())
    cursor.execute(queue_sql.PICK, params)
    picked = cursor.fetchone()
    if picked is None and params["honeypot"]:
        cursor.execute(queue_sql.PICK, {**params, "honeypot": False})
        picked = cursor.fetchone()
    if picked is None:
        return None
    cursor.execute(queue_sql.TAKE, {**params, "task": picked[0]})
    if cursor.fetchone() is None:
        return None
    cursor.execute(queue_sql.COUNT_TAKEN, {"task": picked[0]})
    return cast(tuple[Any, ...], cursor.fetchone())


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


# The caller's assignment on a task with its row locked, compiled once: every save and submit
# reads it, and the ORM query cost more to build than to run. (task, annotator) is unique.
_HELD = PreparedQuery(
    lambda task, annotator: Assignment.objects.select_for_update().filter(task_id=task, annotator_id=annotator),
    task=int, annotator=int,
)


def _held_locked(task: Task, user: User) -> Assignment | None:
    """The caller's assignment on the task, its row locked (every save and submit reads it)."""
    if not connection.in_atomic_block:  # as select_for_update: a lock outside a transaction ends at once
        raise TransactionManagementError("the assignment is locked only inside a transaction")
    return _HELD.first(task=task.pk, annotator=user.pk)


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
