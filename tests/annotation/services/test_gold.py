"""gold_write: a task's one gold annotation, its history, and the task's move to gold."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from annotation.models import (
    Annotation,
    AnnotationKind,
    AnnotationRevision,
    AnnotationStatus,
    Project,
    Task,
    TaskStatus,
)
from annotation.selectors_revisions import revision_result
from annotation.services.annotations import task_set_status
from annotation.services.gold import gold_write
from common.errors import InvalidInput, InvalidTransition
from common.models import AuditEvent

pytestmark = pytest.mark.django_db


def _regions(*ends: int) -> dict[str, Any]:
    return {"regions": [{"id": f"r{i}", "track": "speech", "label": "speech", "start_ms": i * 3000, "end_ms": end}
                        for i, end in enumerate(ends)]}


def _complete(project: Project, make_items: Callable[..., list[Task]]) -> Task:
    task = make_items(project)[0]
    task_set_status(task, TaskStatus.COMPLETE)
    return task


def test_the_first_gold_is_version_one_with_a_full_revision_and_the_task_becomes_gold(
    project: Project, make_items: Callable[..., list[Task]], reviewer: User
) -> None:
    task = _complete(project, make_items)
    gold = gold_write(task=task, result=_regions(1000), user=reviewer, detail={"source": "review"})
    assert (gold.kind, gold.status, gold.version, gold.annotator, gold.automatic) == (
        AnnotationKind.GOLD, AnnotationStatus.SUBMITTED, 1, reviewer, False)
    assert gold.result == _regions(1000)
    assert Task.objects.get(pk=task.pk).status == TaskStatus.GOLD
    revision = AnnotationRevision.objects.get(annotation=gold)
    assert (revision.version, revision.result, revision.delta, revision.author) == (1, _regions(1000), None, reviewer)
    event = AuditEvent.objects.filter(action="gold.write").get()
    assert {k: event.data[k] for k in ("task", "version", "automatic", "regions", "source")} == {
        "task": task.pk, "version": 1, "automatic": False, "regions": 1, "source": "review"}


def test_a_second_write_is_the_next_version_of_the_same_row_and_the_first_stays_readable(
    project: Project, make_items: Callable[..., list[Task]], reviewer: User, manager: User
) -> None:
    task = _complete(project, make_items)
    first = gold_write(task=task, result=_regions(1000, 4000, 7000, 10000), user=reviewer)
    second = gold_write(task=task, result=_regions(1000, 4000, 7000, 10500), user=manager, automatic=True)
    assert second.pk == first.pk
    assert (second.version, second.annotator, second.automatic) == (2, manager, True)
    assert Annotation.objects.filter(task=task, kind=AnnotationKind.GOLD).count() == 1
    revisions = list(AnnotationRevision.objects.filter(annotation=first).order_by("version"))
    assert [(r.version, r.result is None, r.base_version) for r in revisions] == [(1, False, None), (2, True, 1)]
    assert revision_result(revisions[0]) == _regions(1000, 4000, 7000, 10000)
    assert revision_result(revisions[1]) == _regions(1000, 4000, 7000, 10500)


def test_gold_for_a_task_still_open_is_refused_and_nothing_is_stored(
    project: Project, make_items: Callable[..., list[Task]], reviewer: User
) -> None:
    task = make_items(project)[0]
    with pytest.raises(InvalidTransition) as info:
        gold_write(task=task, result=_regions(1000), user=reviewer)
    assert info.value.detail == "task: cannot go from 'open' to 'gold'."
    assert not Annotation.objects.filter(task=task, kind=AnnotationKind.GOLD).exists()
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_a_honeypot_answer_is_gold_on_a_task_that_stays_open(
    project: Project, make_items: Callable[..., list[Task]], manager: User
) -> None:
    task = make_items(project)[0]
    gold = gold_write(task=task, result=_regions(1000), user=manager, honeypot=True)
    assert (gold.kind, gold.version) == (AnnotationKind.GOLD, 1)
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_a_result_that_breaks_the_schema_is_refused_before_anything_moves(
    project: Project, make_items: Callable[..., list[Task]], reviewer: User
) -> None:
    task = _complete(project, make_items)
    bad = {"regions": [{"id": "r0", "track": "speech", "label": "nope", "start_ms": 0, "end_ms": 1000}]}
    with pytest.raises(InvalidInput) as info:
        gold_write(task=task, result=bad, user=reviewer)
    assert info.value.extra == {"region": "regions[0] (id 'r0')"}
    assert Task.objects.get(pk=task.pk).status == TaskStatus.COMPLETE
    assert not Annotation.objects.filter(task=task, kind=AnnotationKind.GOLD).exists()
