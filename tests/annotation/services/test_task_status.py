"""A task's status moves only along TASK_TRANSITIONS; a run's outcome follows its items."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from annotation.models import JobStatus, Project, Task, TaskStatus
from annotation.services.annotations import task_set_status
from annotation.services.jobs import job_outcome
from common.errors import InvalidTransition


@pytest.mark.django_db
def test_an_allowed_move_updates_the_row_and_the_instance(
    project: Project, make_items: Callable[..., list[Task]]
) -> None:
    task = make_items(project)[0]
    task_set_status(task, TaskStatus.COMPLETE)
    assert task.status == TaskStatus.COMPLETE
    assert Task.objects.get(pk=task.pk).status == TaskStatus.COMPLETE


@pytest.mark.django_db
def test_a_move_the_machine_forbids_is_refused_and_changes_nothing(
    project: Project, make_items: Callable[..., list[Task]]
) -> None:
    task = make_items(project)[0]
    with pytest.raises(InvalidTransition) as info:
        task_set_status(task, TaskStatus.GOLD)
    assert info.value.detail == "task: cannot go from 'open' to 'gold'."
    assert task.status == TaskStatus.OPEN
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN


@pytest.mark.parametrize(("ok", "failed", "status"), [
    (3, 0, JobStatus.SUCCEEDED),
    (0, 0, JobStatus.SUCCEEDED),
    (2, 1, JobStatus.PARTIAL),
    (0, 2, JobStatus.FAILED),
])
def test_a_run_over_items_is_partial_only_when_some_failed_and_some_did_not(
    ok: int, failed: int, status: str
) -> None:
    assert job_outcome(ok, failed) == status
