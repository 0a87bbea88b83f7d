"""The next-task queue under concurrent callers: the last slots go to as many callers as they hold."""

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


def test_callers_racing_for_the_last_slots_fill_them_and_no_more(
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
    assert sorted(given.values(), key=str) == [task.pk, task.pk, None, None, None, None]
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
