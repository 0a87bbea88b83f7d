"""Writing imported results (``annotation_import_writes``): imported human work counts as submitted work
(assignment, counters, completion at the overlap), gold completes an open task first, and who the file's
annotators are is checked before anything is written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from annotation.models import Annotation, AnnotationRevision, Assignment, Project, Task
from annotation.services.annotation_import_writes import check_human, file_people, gold_import_write, human_write
from common.errors import InvalidInput
from datasets.imports import SourceLayer, SourceRegion

REGIONS = [{"id": "imp1", "track": "speech", "label": "speech", "start_ms": 0, "end_ms": 400}]


def _counts(task: Task) -> tuple[Any, ...]:
    task.refresh_from_db()
    project = Project.objects.get(pk=task.project_id)
    return task.status, task.submitted_count, task.active_count, project.annotation_count, project.completed_count


def test_imported_work_is_submitted_work_and_completes_the_task_at_its_overlap(
        project: Project, make_items: Callable[..., list[Task]], manager: User, annotator_a: User,
        annotator_b: User, django_capture_on_commit_callbacks: Any) -> None:
    [task] = make_items(project)
    with django_capture_on_commit_callbacks() as first:
        human_write(task.pk, annotator_a, manager, REGIONS)
    assert (_counts(task), len(first)) == (("open", 1, 0, 1, 0), 0)
    with django_capture_on_commit_callbacks() as second:
        human_write(task.pk, annotator_b, manager, REGIONS)
    assert (_counts(task), len(second)) == (("complete", 2, 0, 2, 1), 1)  # the completion signal, after commit
    annotation = Annotation.objects.get(task=task, annotator=annotator_a)
    assert (annotation.kind, annotation.status, annotation.result) == ("human", "submitted", {"regions": REGIONS})
    assert annotation.submitted_at is not None
    assert list(AnnotationRevision.objects.filter(annotation=annotation).values_list("version", flat=True)) == [1]
    assert sorted(Assignment.objects.filter(task=task).values_list("annotator__username", "status")) == [
        ("annotator_a", "submitted"), ("annotator_b", "submitted")]


def test_an_active_assignment_is_submitted_and_no_longer_counted_active(
        project: Project, make_items: Callable[..., list[Task]], manager: User, annotator_a: User) -> None:
    [task] = make_items(project)
    Assignment.objects.create(task=task, annotator=annotator_a, status="active", lease_expires_at=timezone.now())
    Task.objects.filter(pk=task.pk).update(active_count=1)
    human_write(task.pk, annotator_a, manager, REGIONS)
    assert _counts(task) == ("open", 1, 0, 1, 0)
    assert list(Assignment.objects.filter(task=task).values_list("status", flat=True)) == ["submitted"]


def test_gold_on_an_open_task_completes_it_first_and_counts_it_once(
        project: Project, make_items: Callable[..., list[Task]], manager: User) -> None:
    open_task, done_task = make_items(project, 2)
    Task.objects.filter(pk=done_task.pk).update(status="complete")
    gold_import_write(open_task.pk, manager, REGIONS, {"source": "talk.eaf"})
    gold_import_write(done_task.pk, manager, REGIONS, {"source": "talk.eaf"})
    assert _counts(open_task)[0] == _counts(done_task)[0] == "gold"
    assert Project.objects.get(pk=project.pk).completed_count == 1  # only the open one was completed here
    gold = Annotation.objects.get(task=open_task, kind="gold")
    assert (gold.annotator, gold.result) == (manager, {"regions": REGIONS})


def test_the_annotator_must_be_a_member_with_nothing_on_the_items_yet(
        project: Project, make_items: Callable[..., list[Task]], manager: User, annotator_a: User,
        annotator_b: User, outsider: User) -> None:
    first, second = make_items(project, 2)
    with pytest.raises(InvalidInput) as stranger:
        check_human(project, outsider, [first.pk])
    assert stranger.value.detail == "'outsider' is not a member of this project; add them first."
    human_write(first.pk, annotator_a, manager, REGIONS)
    Assignment.objects.create(task=second, annotator=annotator_b, status="skipped", lease_expires_at=timezone.now())
    with pytest.raises(InvalidInput) as taken:
        check_human(project, annotator_a, [first.pk, second.pk])
    assert taken.value.detail == "'annotator_a' already has an annotation on item 'item-0'; nothing was imported."
    with pytest.raises(InvalidInput) as skipped:
        check_human(project, annotator_b, [first.pk, second.pk])
    assert skipped.value.detail == "'annotator_b' already skipped item 'item-1'; nothing was imported."
    check_human(project, annotator_b, [first.pk])  # free on the first item: no error


def _layer(annotator: str | None) -> SourceLayer:
    return SourceLayer(file="talk.eaf", item_key="item-0", layer="Speech", annotator=annotator,
                       regions=[SourceRegion(start_ms=0, end_ms=400, value="speech", where="a1")])


def test_every_mapped_layer_names_a_member_by_username_or_email(project: Project, annotator_a: User) -> None:
    User.objects.filter(pk=annotator_a.pk).update(email="ann@example.org")
    mapping = {"Speech": {"track": "speech"}}
    people = file_people(project, [_layer("ann@example.org"), _layer("annotator_a")], mapping)
    assert people["ann@example.org"] == people["annotator_a"] == annotator_a
    assert file_people(project, [_layer(None)], {"Speech": None}) == people  # an unmapped layer needs no one
    with pytest.raises(InvalidInput) as unnamed:
        file_people(project, [_layer(None)], mapping)
    assert unnamed.value.detail == "talk.eaf, tier 'Speech': names no annotator: choose whose work it is ('annotator')"
    with pytest.raises(InvalidInput) as stranger:
        file_people(project, [_layer("zed")], mapping)
    assert stranger.value.detail == (
        "talk.eaf, tier 'Speech': is the work of 'zed', who is not a member of this project (by username or e-mail); "
        "add them, or choose whose work it is ('annotator')")
    assert stranger.value.extra == {"file": "talk.eaf", "tier": "Speech", "annotation": None}
