"""Whose annotations fill a task's overlap: only the people holding the task, whatever their role.

The project has overlap 2 (``project`` fixture). A reviewer or manager who never took the task
cannot write a human annotation on it; an annotator who skipped it cannot write any more; a lapsed
lease comes back to life only while the task still has a free slot.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from annotation.models import Annotation, AnnotationRevision, Assignment, Task
from annotation.services.annotations import annotation_create, annotation_save, annotation_submit
from annotation.services.assignments import leases_expire, task_next, task_skip
from common.errors import Conflict, Forbidden

pytestmark = pytest.mark.django_db

SEGMENT = {"id": "r1", "track": "speech", "label": "speech", "start_ms": 100, "end_ms": 900}
SKIPPED = "You skipped this task: it went back to the pool and you can no longer label it."
TAKEN = "Your lease on this task expired and its place went to another annotator."


def _counts(task: Task) -> tuple[str, int, int]:
    task.refresh_from_db()
    return task.status, task.submitted_count, task.active_count


def _label(task: Task, user: Any) -> Annotation:
    annotation, _ = annotation_create(task=task, user=user, result={"regions": [SEGMENT]})
    return annotation_submit(annotation=annotation, user=user)


def _expire(assignment_of: Any, task: Task) -> None:
    Assignment.objects.filter(task=task, annotator=assignment_of).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert leases_expire(task.project) == 1


@pytest.mark.parametrize("who", ["reviewer", "manager"])
def test_it_refuses_a_human_annotation_from_someone_who_never_took_the_task(
        request: Any, project, make_items, annotator_a, who: str) -> None:
    [task] = make_items(project, 1)
    assert task_next(project=project, user=annotator_a) == task
    _label(task, annotator_a)
    outsider_to_the_task = request.getfixturevalue(who)
    with pytest.raises(Forbidden) as refused:
        annotation_create(task=task, user=outsider_to_the_task, result={"regions": [SEGMENT]})
    assert refused.value.detail == (
        "You hold no assignment on this task: only the annotators it was given to may label it "
        f"(take it with POST /api/projects/{project.pk}/next/).")
    assert not Annotation.objects.filter(task=task, annotator=outsider_to_the_task).exists()
    assert _counts(task) == ("open", 1, 0)  # overlap 2 is still one annotator short


def test_a_reviewer_who_takes_the_task_from_the_queue_labels_it_like_anyone(
        project, make_items, annotator_a, reviewer) -> None:
    [task] = make_items(project, 1)
    assert task_next(project=project, user=annotator_a) == task
    assert task_next(project=project, user=reviewer) == task
    _label(task, annotator_a)
    _label(task, reviewer)
    assert _counts(task) == ("complete", 2, 0)


def test_a_skipped_task_cannot_be_saved_or_submitted_or_started_again(project, make_items, annotator_a) -> None:
    [task] = make_items(project, 1)
    assert task_next(project=project, user=annotator_a) == task
    draft, created = annotation_create(task=task, user=annotator_a, result={"regions": []})
    assert created
    task_skip(task=task, user=annotator_a)
    with pytest.raises(Conflict) as saving:
        annotation_save(annotation=draft, result={"regions": [SEGMENT]}, version=1, user=annotator_a)
    with pytest.raises(Conflict) as submitting:
        annotation_submit(annotation=draft, user=annotator_a, version=1)
    with pytest.raises(Conflict) as creating:
        annotation_create(task=task, user=annotator_a, result={"regions": []})
    assert saving.value.detail == submitting.value.detail == creating.value.detail == SKIPPED
    stored = Annotation.objects.get(pk=draft.pk)
    assert (stored.version, stored.status, stored.result) == (1, "draft", {"regions": []})
    assert AnnotationRevision.objects.filter(annotation=draft).count() == 1
    assert _counts(task) == ("open", 0, 0)
    assert Assignment.objects.get(task=task, annotator=annotator_a).status == "skipped"


def test_a_lapsed_lease_is_taken_up_again_while_the_slot_is_free(project, make_items, annotator_a) -> None:
    [task] = make_items(project, 1)
    assert task_next(project=project, user=annotator_a) == task
    draft, _ = annotation_create(task=task, user=annotator_a, result={"regions": []})
    _expire(annotator_a, task)
    assert _counts(task) == ("open", 0, 0)
    saved = annotation_save(annotation=draft, result={"regions": [SEGMENT]}, version=1, user=annotator_a)
    assert saved.version == 2
    assignment = Assignment.objects.get(task=task, annotator=annotator_a)
    assert assignment.status == "active"
    assert assignment.lease_expires_at > timezone.now()
    assert _counts(task) == ("open", 0, 1)
    annotation_submit(annotation=saved, user=annotator_a)
    assert _counts(task) == ("open", 1, 0)


def test_a_lapsed_lease_whose_slot_went_to_someone_else_cannot_fill_the_overlap(
        project, make_items, manager, annotator_a, annotator_b) -> None:
    from annotation.services.projects import project_update

    project_update(project=project, user=manager, data={"overlap": 1})
    [task] = make_items(project, 1)
    assert task_next(project=project, user=annotator_a) == task
    draft, _ = annotation_create(task=task, user=annotator_a, result={"regions": [SEGMENT]})
    _expire(annotator_a, task)
    assert task_next(project=project, user=annotator_b) == task  # the freed slot goes to b
    with pytest.raises(Conflict) as saving:
        annotation_save(annotation=draft, result={"regions": []}, version=1, user=annotator_a)
    with pytest.raises(Conflict) as submitting:
        annotation_submit(annotation=draft, user=annotator_a)
    assert saving.value.detail == submitting.value.detail == TAKEN
    assert Annotation.objects.get(pk=draft.pk).status == "draft"
    assert Assignment.objects.get(task=task, annotator=annotator_a).status == "expired"
    _label(task, annotator_b)
    assert _counts(task) == ("complete", 1, 0)  # k = 1, filled once
