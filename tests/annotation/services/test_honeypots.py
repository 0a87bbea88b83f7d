"""Honeypots: manifest lines with a known answer, served at the project's rate, scored against it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from annotation.models import Annotation, Assignment, Project, Task
from annotation.services.annotations import annotation_create, annotation_submit
from annotation.services.assignments import task_next
from annotation.services.imports import project_import
from annotation.services.projects import project_update
from common.errors import InvalidInput
from datasets.models import Item

pytestmark = pytest.mark.django_db
KNOWN = {"regions": [{"id": "g1", "track": "speech", "label": "speech", "start_ms": 1000, "end_ms": 3000}]}


def _lines(gold: Any = KNOWN) -> list[dict[str, Any]]:
    plain = {"external_id": "plain", "duration_ms": 10_000, "streams": [{"role": "transcript", "text": "Hi."}]}
    trap = {**plain, "external_id": "trap", "gold": gold}
    return [plain, trap]


def test_a_line_with_gold_becomes_an_open_honeypot_with_its_known_answer(project, manager) -> None:
    project_import(project=project, user=manager, records=_lines(), uploads={})
    trap = Task.objects.get(item__external_id="trap")
    assert (trap.is_honeypot, trap.for_everyone, trap.status) == (True, True, "open")
    gold = Annotation.objects.get(task=trap, kind="gold")
    assert (gold.result, gold.automatic, gold.annotator) == (KNOWN, False, manager)
    assert not Task.objects.get(item__external_id="plain").is_honeypot


def test_honeypots_are_served_at_the_rate_and_complete_into_their_known_gold(project, manager, annotator_a,
                                                                          annotator_b) -> None:
    project_update(project=project, user=manager, data={"honeypot_rate": 1.0})
    project_import(project=project, user=manager, records=_lines(), uploads={})
    trap = Task.objects.get(item__external_id="trap")
    for user in (annotator_a, annotator_b):
        assert task_next(project=project, user=user) == trap
        annotation, _ = annotation_create(task=trap, user=user, result=KNOWN)
        annotation_submit(annotation=annotation, user=user)
    trap.refresh_from_db()
    assert (trap.status, trap.submitted_count) == ("complete", 2)
    assert Annotation.objects.get(task=trap, kind="gold").result == KNOWN
    project_update(project=project, user=manager, data={"honeypot_rate": 0.0})
    assert task_next(project=project, user=annotator_a).item.external_id == "plain"


def test_a_bad_known_answer_names_its_line_and_imports_nothing(project, manager) -> None:
    bad = {"regions": [{"id": "g1", "track": "speech", "label": "laughter", "start_ms": 0, "end_ms": 10}]}
    with pytest.raises(InvalidInput, match=r"line 2\.gold: Invalid result: regions\[0\] \(id 'g1'\): unknown label"):
        project_import(project=project, user=manager, records=_lines(bad), uploads={})
    assert (Item.objects.count(), Task.objects.count(), Annotation.objects.count()) == (0, 0, 0)


def _external_id(task: Task | None) -> str | None:
    return task.item.external_id if task is not None else None


def test_with_no_honeypot_left_for_the_caller_the_queue_gives_a_plain_task(
        project: Project, manager: User, annotator_a: User) -> None:
    project_update(project=project, user=manager, data={"honeypot_rate": 1.0})
    project_import(project=project, user=manager, records=_lines(), uploads={})
    trap = Task.objects.get(item__external_id="trap")
    assert task_next(project=project, user=annotator_a) == trap
    annotation, _ = annotation_create(task=trap, user=annotator_a, result=KNOWN)
    annotation_submit(annotation=annotation, user=annotator_a)
    assert _external_id(task_next(project=project, user=annotator_a)) == "plain"
    assert _external_id(task_next(project=project, user=annotator_a)) == "plain"  # held, so given again


def test_a_lapsed_lease_does_not_turn_a_honeypot_draw_into_a_plain_task(
        project: Project, manager: User, annotator_a: User, annotator_b: User) -> None:
    project_update(project=project, user=manager, data={"honeypot_rate": 1.0})
    project_import(project=project, user=manager, records=_lines(), uploads={})
    trap = Task.objects.get(item__external_id="trap")
    assert task_next(project=project, user=annotator_b) == trap
    Assignment.objects.filter(annotator=annotator_b).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert task_next(project=project, user=annotator_a) == trap
    assert Assignment.objects.get(annotator=annotator_b).status == "expired"
    assert Task.objects.get(pk=trap.pk).active_count == 1
