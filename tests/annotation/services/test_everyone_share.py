"""A share of tasks is labeled by every annotator, for agreement on a sample."""

from __future__ import annotations

from typing import Any

import pytest

from annotation.models import Task
from annotation.services.annotations import annotation_create, annotation_submit
from annotation.services.assignments import task_next
from annotation.services.imports import everyone_shares
from annotation.services.projects import member_set, project_update

pytestmark = pytest.mark.django_db


def test_shares_are_spread_evenly_and_sized_by_the_share() -> None:
    assert everyone_shares(4, 0.5) == [False, True, False, True]
    assert sum(everyone_shares(100, 0.1)) == 10
    assert not any(everyone_shares(7, 0.0))
    assert all(everyone_shares(5, 1.0))


def _label(task: Task, user: Any) -> None:
    annotation, _ = annotation_create(task=task, user=user, result={"regions": []})
    annotation_submit(annotation=annotation, user=user)


def test_a_task_for_everyone_goes_to_every_annotator_and_completes_after_the_last(
        project, manager, annotator_a, annotator_b, make_items) -> None:
    project_update(project=project, user=manager, data={"overlap": 1, "everyone_share": 1.0})
    extra = type(annotator_a).objects.create_user("annotator_c", password="x")
    member_set(project=project, user=manager, member=extra, role="annotator")
    [task] = make_items(project, 1)
    assert (task.for_everyone, task.target_count) == (True, 1)
    for user in (annotator_a, annotator_b):
        assert task_next(project=project, user=user) == task
        _label(task, user)
        task.refresh_from_db()
        assert task.status == "open"  # overlap 1 is reached, but not every annotator has labeled it
    assert task_next(project=project, user=extra) == task
    _label(task, extra)
    task.refresh_from_db()
    assert (task.status, task.submitted_count) == ("complete", 3)


def test_without_the_share_a_task_stops_at_its_overlap(project, manager, annotator_a, annotator_b, make_items) -> None:
    project_update(project=project, user=manager, data={"overlap": 1})
    [task] = make_items(project, 1)
    assert not task.for_everyone
    assert task_next(project=project, user=annotator_a) == task
    assert task_next(project=project, user=annotator_b) is None
