"""Over REST: who may write a human annotation (it counts toward overlap) and who may write gold."""

from __future__ import annotations

from typing import Any

import pytest

from annotation.models import Annotation, AnnotationRevision, Project, Task
from annotation.services.assignments import task_next
from annotation.services.gold import gold_write
from common.models import AuditEvent

pytestmark = pytest.mark.django_db

SEGMENT = {"id": "r1", "track": "speech", "label": "speech", "start_ms": 100, "end_ms": 900}


def _state(task: Task) -> tuple[str, int, int, int]:
    task.refresh_from_db()
    return task.status, task.submitted_count, task.active_count, Annotation.objects.filter(task=task).count()


@pytest.mark.parametrize("who", ["reviewer", "manager"])
def test_a_member_who_never_took_the_task_gets_403_and_no_draft(
        request: Any, project: Project, make_items: Any, client_for: Any, who: str) -> None:
    [task] = make_items(project, 1)
    response = client_for(request.getfixturevalue(who)).post(
        f"/api/tasks/{task.pk}/annotations/", {"result": {"regions": [SEGMENT]}}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "You hold no assignment on this task: only the annotators it was given to "
                                         f"may label it (take it with POST /api/projects/{project.pk}/next/)."}
    assert _state(task) == ("open", 0, 0, 0)


def test_an_annotator_who_skipped_gets_409_on_save_and_submit_and_nothing_changes(
        project: Project, make_items: Any, annotator_a: Any, client_for: Any) -> None:
    [task] = make_items(project, 1)
    client = client_for(annotator_a)
    assert client.post(f"/api/projects/{project.pk}/next/").json()["task"]["id"] == task.pk
    draft = client.post(f"/api/tasks/{task.pk}/annotations/", {}, format="json").json()
    assert client.post(f"/api/tasks/{task.pk}/skip/").status_code == 200
    body = {"detail": "You skipped this task: it went back to the pool and you can no longer label it."}
    saved = client.put(f"/api/annotations/{draft['id']}/", {"result": {"regions": [SEGMENT]}, "version": 1},
                       format="json")
    assert (saved.status_code, saved.json()) == (409, body)
    submitted = client.post(f"/api/annotations/{draft['id']}/submit/", {"version": 1}, format="json")
    assert (submitted.status_code, submitted.json()) == (409, body)
    stored = Annotation.objects.get(pk=draft["id"])
    assert (stored.version, stored.status, stored.result) == (1, "draft", {"regions": []})
    assert _state(task) == ("open", 0, 0, 1)


@pytest.mark.parametrize("who", ["reviewer", "manager"])
def test_a_put_on_gold_is_403_and_leaves_gold_revisions_and_audit_as_they_were(
        request: Any, project: Project, make_items: Any, manager: Any, client_for: Any, who: str) -> None:
    [task] = make_items(project, 1)
    gold = gold_write(task=task, result={"regions": [SEGMENT]}, user=manager, honeypot=True)
    before = (AnnotationRevision.objects.filter(annotation=gold).count(), AuditEvent.objects.count())
    response = client_for(request.getfixturevalue(who)).put(
        f"/api/annotations/{gold.pk}/", {"result": {"regions": []}, "version": gold.version}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "Gold changes only through review: claim the task's review item and "
                                         f"resolve it, or edit it with POST /api/tasks/{task.pk}/gold/ giving the "
                                         "version and a reason."}
    stored = Annotation.objects.get(pk=gold.pk)
    assert (stored.version, stored.result) == (1, {"regions": [SEGMENT]})
    assert (AnnotationRevision.objects.filter(annotation=gold).count(), AuditEvent.objects.count()) == before


def test_the_annotation_a_manager_drafts_after_taking_a_task_counts(
        project: Project, make_items: Any, manager: Any, client_for: Any) -> None:
    [task] = make_items(project, 1)
    assert task_next(project=project, user=manager) == task
    client = client_for(manager)
    draft = client.post(f"/api/tasks/{task.pk}/annotations/", {"result": {"regions": [SEGMENT]}}, format="json")
    assert draft.status_code == 201
    assert client.post(f"/api/annotations/{draft.json()['id']}/submit/", {}, format="json").status_code == 200
    assert _state(task) == ("open", 1, 0, 1)
