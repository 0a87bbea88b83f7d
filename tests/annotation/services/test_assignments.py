"""The task queue called directly: task_next, task_skip, leases_expire and assignment_ensure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotation.models import Assignment, AssignmentStatus, Project, Task
from annotation.services.assignments import assignment_ensure, leases_expire, task_next, task_skip
from common.errors import Conflict

pytestmark = pytest.mark.django_db


def _counts(task: Task) -> tuple[int, int]:
    return Task.objects.values_list("active_count", "submitted_count").get(pk=task.pk)


def test_the_queue_gives_tasks_in_order_and_the_same_one_back_while_its_lease_runs(
    project: Project, make_items: Callable[..., list[Task]], annotator_a: User, annotator_b: User
) -> None:
    first, second = make_items(project, 2)
    assert task_next(project=project, user=annotator_a) == first
    assert task_next(project=project, user=annotator_a) == first
    assert Assignment.objects.filter(annotator=annotator_a).count() == 1
    assert task_next(project=project, user=annotator_b) == first  # overlap 2: a second annotator fits
    assert _counts(first) == (2, 0)
    assert _counts(second) == (0, 0)


def test_a_full_task_is_passed_over_for_the_next_one(
    project: Project, make_items: Callable[..., list[Task]], annotator_a: User, annotator_b: User, reviewer: User
) -> None:
    first, second = make_items(project, 2)
    task_next(project=project, user=annotator_a)
    task_next(project=project, user=annotator_b)
    assert task_next(project=project, user=reviewer) == second
    assert _counts(first) == (2, 0)


def test_a_skip_frees_the_slot_and_the_task_is_not_offered_again(
    project: Project, make_items: Callable[..., list[Task]], annotator_a: User
) -> None:
    (task,) = make_items(project, 1)
    task_next(project=project, user=annotator_a)
    task_skip(task=task, user=annotator_a)
    assert Assignment.objects.get(task=task, annotator=annotator_a).status == AssignmentStatus.SKIPPED
    assert _counts(task) == (0, 0)
    assert task_next(project=project, user=annotator_a) is None
    with pytest.raises(Conflict) as info:
        task_skip(task=task, user=annotator_a)
    assert info.value.detail == "You hold no active assignment on this task."


def test_lapsed_leases_expire_and_give_their_slots_back(
    project: Project, make_items: Callable[..., list[Task]], annotator_a: User, annotator_b: User
) -> None:
    (task,) = make_items(project, 1)
    task_next(project=project, user=annotator_a)
    task_next(project=project, user=annotator_b)
    Assignment.objects.filter(annotator=annotator_a).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert leases_expire(project) == 1
    assert Assignment.objects.get(annotator=annotator_a).status == AssignmentStatus.EXPIRED
    assert Assignment.objects.get(annotator=annotator_b).status == AssignmentStatus.ACTIVE
    assert _counts(task) == (1, 0)
    assert leases_expire(project) == 0


def test_opening_a_task_directly_takes_a_free_slot_once_and_none_when_it_is_full(
    project: Project, make_items: Callable[..., list[Task]], annotator_a: User, annotator_b: User, reviewer: User
) -> None:
    (task,) = make_items(project, 1)
    taken = assignment_ensure(task=task, user=annotator_a)
    assert assignment_ensure(task=task, user=annotator_a) == taken
    assignment_ensure(task=task, user=annotator_b)
    assert _counts(task) == (2, 0)
    with pytest.raises(Conflict) as info:
        assignment_ensure(task=task, user=reviewer)
    assert info.value.detail == "This task already has all the annotators it needs."
    assert not Assignment.objects.filter(annotator=reviewer).exists()


def _lapse(user: User) -> None:
    Assignment.objects.filter(annotator=user).update(lease_expires_at=timezone.now() - timedelta(seconds=1))


def test_resuming_the_held_task_extends_its_lease(
    project: Project, make_items: Callable[..., list[Task]], annotator_a: User
) -> None:
    first, _ = make_items(project, 2)
    task_next(project=project, user=annotator_a)
    soon = timezone.now() + timedelta(seconds=5)
    Assignment.objects.filter(annotator=annotator_a).update(lease_expires_at=soon)
    assert task_next(project=project, user=annotator_a) == first
    assert Assignment.objects.get(annotator=annotator_a).lease_expires_at > soon + timedelta(minutes=1)
    assert _counts(first) == (1, 0)


def test_a_lapsed_lease_frees_its_slot_for_the_caller_in_the_same_request(
    project: Project, make_items: Callable[..., list[Task]], manager: User, annotator_a: User, annotator_b: User
) -> None:
    from annotation.services.projects import project_update

    project_update(project=project, user=manager, data={"overlap": 1})
    (task,) = make_items(project, 1)
    assert task_next(project=project, user=annotator_a) == task
    assert task_next(project=project, user=annotator_b) is None  # overlap 1: the slot is a's
    _lapse(annotator_a)
    given = task_next(project=project, user=annotator_b)
    assert given == task
    assert given.active_count == 1  # the task as it is once counted
    assert Assignment.objects.get(annotator=annotator_a).status == AssignmentStatus.EXPIRED
    assert Assignment.objects.get(annotator=annotator_b).status == AssignmentStatus.ACTIVE
    assert _counts(task) == (1, 0)
    assert task_next(project=project, user=annotator_a) is None  # a held it once: never offered again


def test_two_lapsed_leases_on_one_task_give_back_both_slots_and_never_go_below_zero(
    project: Project, make_items: Callable[..., list[Task]], annotator_a: User, annotator_b: User
) -> None:
    first, second = make_items(project, 2)
    task_next(project=project, user=annotator_a)
    task_next(project=project, user=annotator_b)
    assert _counts(first) == (2, 0)
    _lapse(annotator_a)
    _lapse(annotator_b)
    assert leases_expire(project) == 2
    assert _counts(first) == (0, 0)
    # A counter that already lost a slot (as after a crash) stops at zero.
    task_next(project=project, user=annotator_a)
    Task.objects.filter(pk=second.pk).update(active_count=0)
    _lapse(annotator_a)
    assert leases_expire(project) == 1
    assert _counts(second) == (0, 0)


def test_leases_of_other_projects_are_left_alone(
    project: Project, other_project: Project, make_items: Callable[..., list[Task]], annotator_a: User,
    outsider: User
) -> None:
    (task,) = make_items(project, 1)
    (elsewhere,) = make_items(other_project, 1)
    task_next(project=other_project, user=outsider)
    Assignment.objects.filter(annotator=outsider).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert task_next(project=project, user=annotator_a) == task
    assert Assignment.objects.get(annotator=outsider).status == AssignmentStatus.ACTIVE
    assert _counts(elsewhere) == (1, 0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement queue is PostgreSQL's")
@pytest.mark.parametrize("held", [False, True], ids=["new task", "held task"])
def test_the_queue_answers_in_one_statement_without_a_transaction_of_its_own(
    project: Project, make_items: Callable[..., list[Task]], annotator_a: User, held: bool
) -> None:
    first, _ = make_items(project, 2)
    if held:
        task_next(project=project, user=annotator_a)
    with CaptureQueriesContext(connection) as captured:
        assert task_next(project=project, user=annotator_a) == first
    statements = [q["sql"] for q in captured.captured_queries]
    assert len(statements) == 1, statements
    assert "FOR UPDATE OF t SKIP LOCKED" in statements[0]
