"""The task queue called directly: task_next, task_skip, leases_expire and assignment_ensure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
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
