"""The next-task queue under concurrent callers: the slots of a task never go to more callers than it
holds, and a task that another request is taking is passed over, never waited for."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction

from annotation.models import Assignment, Project, Task
from annotation.services.assignments import task_next

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and concurrent writers are PostgreSQL's"),
]


def test_callers_racing_for_the_last_slots_never_overfill_them(
    project: Project, make_items: Callable[..., list[Task]]
) -> None:
    (task,) = make_items(project, 1)  # overlap 2
    users = [User.objects.create_user(f"racer{i}") for i in range(6)]
    barrier = threading.Barrier(len(users))
    given: dict[str, int | None] = {}

    def ask(user: User) -> None:
        try:
            barrier.wait()
            got = task_next(project=project, user=user)
            given[user.username] = got.pk if got is not None else None
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # A caller that found the task locked by another's claim passed it over (SKIP LOCKED), so the race
    # leaves one or two slots taken, depending on timing; never more, and the counter is exact.
    winners = [user for user in users if given[user.username] is not None]
    assert 1 <= len(winners) <= 2 and {given[user.username] for user in winners} == {task.pk}
    assert Task.objects.get(pk=task.pk).active_count == len(winners)
    assert Assignment.objects.filter(task=task).count() == len(winners)
    # Asking again, the callers left without a task fill what is left, and no more.
    again = [task_next(project=project, user=user) for user in users if user not in winners]
    assert len([got for got in again if got is not None]) == 2 - len(winners)
    assert all(got is None or got.pk == task.pk for got in again)
    assert Task.objects.get(pk=task.pk).active_count == 2
    assert Assignment.objects.filter(task=task).count() == 2


def test_a_task_another_transaction_holds_locked_is_passed_over_without_waiting(
    project: Project, make_items: Callable[..., list[Task]], annotator_a: User
) -> None:
    first, second = make_items(project, 2)
    locked, done = threading.Event(), threading.Event()

    def hold_the_first_task() -> None:
        try:
            with transaction.atomic():
                Task.objects.select_for_update().get(pk=first.pk)
                locked.set()
                done.wait(timeout=10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_first_task)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        assert task_next(project=project, user=annotator_a) == second
    finally:
        done.set()
        holder.join()
    assert Task.objects.get(pk=first.pk).active_count == 0
    assert Task.objects.get(pk=second.pk).active_count == 1
