"""Routing a completed task (``qa.services.triage``): the automatic-gold merge and the review/gold decision."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.contrib.auth.models import User

from annotation.models import Annotation, AnnotationKind, AnnotationStatus, Project, Task, TaskStatus
from qa.models import ReviewItem, ReviewState, TaskAgreement
from qa.services.triage import merged_result, triage
from tests.conftest import SCHEMA


def seg(start: int, end: int, label: str, rid: str = "r", **extra: Any) -> dict[str, Any]:
    return {"id": rid, "track": "speech", "label": label, "start_ms": start, "end_ms": end, **extra}


def test_segments_merge_by_majority_label_and_median_boundaries() -> None:
    versions = {
        "a": {"regions": [seg(1000, 5000, "speech", attributes={"speaker": "A"})]},
        "b": {"regions": [seg(1200, 5200, "speech", attributes={"speaker": "A"})]},
        "c": {"regions": [seg(1100, 4900, "music", attributes={"speaker": "B"})]},
    }
    result, unmerged = merged_result(SCHEMA, versions)
    # two of three say speech; the boundaries are the medians of all three; the supporters agree on the speaker
    assert (result, unmerged) == ({"regions": [{"id": "speech-1", "track": "speech", "label": "speech",
                                                "start_ms": 1100, "end_ms": 5000,
                                                "attributes": {"speaker": "A"}}]}, [])


def test_attributes_are_dropped_when_the_supporters_differ() -> None:
    versions = {"a": {"regions": [seg(0, 1000, "speech", attributes={"speaker": "A"})]},
                "b": {"regions": [seg(0, 1000, "speech", attributes={"speaker": "B"})]}}
    result, _ = merged_result(SCHEMA, versions)
    assert result == {"regions": [{"id": "speech-1", "track": "speech", "label": "speech", "start_ms": 0,
                                   "end_ms": 1000}]}


def test_other_tracks_merge_only_when_identical_and_relations_never() -> None:
    clap = {"id": "x", "track": "events", "label": "clap", "time_ms": 500, "score": 0.9}
    same = {"a": {"regions": [clap]}, "b": {"regions": [{**clap, "id": "y", "score": 0.1}]}}
    # ids and scores do not make two regions different; the merged copy keeps the content keys only
    assert merged_result(SCHEMA, same) == ({"regions": [{"id": "events-1", "track": "events", "label": "clap",
                                                          "time_ms": 500}]}, [])
    moved = {"a": {"regions": [clap]}, "b": {"regions": [{**clap, "time_ms": 600}]}}
    assert merged_result(SCHEMA, moved) == (None, ["events"])
    link = {"id": "l", "track": "links", "label": "refers_to", "from_id": "x", "to_id": "x"}
    linked = {"a": {"regions": [clap, link]}, "b": {"regions": [clap, link]}}
    assert merged_result(SCHEMA, linked) == (None, ["links"])


def _complete(project: Project, task: Task, results: dict[User, dict[str, Any]], score: float) -> TaskAgreement:
    for user, result in results.items():
        Annotation.objects.create(task=task, annotator=user, kind=AnnotationKind.HUMAN,
                                  status=AnnotationStatus.SUBMITTED, result=result)
    Task.objects.filter(pk=task.pk).update(status=TaskStatus.COMPLETE)
    return TaskAgreement.objects.create(task=task, score=score, measure="f1")


@pytest.mark.django_db
def test_a_task_that_is_not_complete_is_left_alone(project: Project, make_items: Any) -> None:
    (task,) = make_items(project, 1)
    row = TaskAgreement.objects.create(task=task, score=1.0, measure="f1")
    assert triage(task.pk, row) == "skipped"
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    assert not ReviewItem.objects.filter(task=task).exists()


@pytest.mark.django_db
def test_agreeing_annotators_give_automatic_gold(project: Project, make_items: Any, annotator_a: User,
                                                 annotator_b: User) -> None:
    (task,) = make_items(project, 1)
    row = _complete(project, task, {annotator_a: {"regions": [seg(1000, 5000, "speech")]},
                                    annotator_b: {"regions": [seg(1000, 5000, "speech", rid="other")]}}, score=1.0)
    assert triage(task.pk, row, random.Random(0)) == "gold"
    task.refresh_from_db()
    assert task.status == TaskStatus.GOLD
    gold = Annotation.objects.get(task=task, kind=AnnotationKind.GOLD)
    assert gold.automatic is True
    assert gold.result == {"regions": [{"id": "speech-1", "track": "speech", "label": "speech", "start_ms": 1000,
                                        "end_ms": 5000}]}


@pytest.mark.django_db
def test_a_label_conflict_under_the_threshold_goes_to_review(project: Project, make_items: Any, annotator_a: User,
                                                            annotator_b: User) -> None:
    (task,) = make_items(project, 1)
    row = _complete(project, task, {annotator_a: {"regions": [seg(1000, 5000, "speech")]},
                                    annotator_b: {"regions": [seg(1000, 5000, "music")]}}, score=0.0)
    assert triage(task.pk, row, random.Random(0)) == "review"
    item = ReviewItem.objects.get(task=task)
    assert item.state == ReviewState.QUEUED
    assert [r["kind"] for r in item.reasons] == ["low_agreement", "conflict"]
    assert item.reasons[0] == {"kind": "low_agreement", "measure": "f1", "value": 0.0,
                               "threshold": project.agreement_threshold}
    assert item.reasons[1]["label_conflicts"] == 1
    assert not Annotation.objects.filter(task=task, kind=AnnotationKind.GOLD).exists()
