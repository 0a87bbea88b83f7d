"""Reopening a submitted annotation: its author, where the project allows it, until review begins."""

from __future__ import annotations

from typing import Any

import pytest

from annotation.models import Annotation, AnnotationRevision, Assignment, Project, Task
from common.models import AuditEvent
from qa.models import ReviewItem

pytestmark = pytest.mark.django_db

SEGMENT = {"id": "r1", "track": "speech", "label": "speech", "start_ms": 100, "end_ms": 900}


def _submitted(client: Any, project: Project) -> dict[str, Any]:
    """Take a task, save one segment and submit: the annotation as the API returns it."""
    task_id = client.post(f"/api/projects/{project.pk}/next/").json()["task"]["id"]
    annotation = client.post(f"/api/tasks/{task_id}/annotations/", {"result": {"regions": [SEGMENT]}}, format="json").json()
    submitted = client.post(f"/api/annotations/{annotation['id']}/submit/", {"version": annotation["version"]}, format="json")
    assert submitted.status_code == 200, submitted.content
    return dict(submitted.json())


def _allow(project: Project) -> None:
    Project.objects.filter(pk=project.pk).update(allow_reopen=True)


def test_a_manager_turns_reopening_on_in_the_project_settings(project, manager, annotator_a, client_for) -> None:
    assert client_for(manager).get(f"/api/projects/{project.pk}/").json()["allow_reopen"] is False
    answer = client_for(manager).patch(f"/api/projects/{project.pk}/", {"allow_reopen": True}, format="json")
    assert answer.status_code == 200
    assert answer.json()["allow_reopen"] is True
    assert Project.objects.get(pk=project.pk).allow_reopen is True
    refused = client_for(annotator_a).patch(f"/api/projects/{project.pk}/", {"allow_reopen": False}, format="json")
    assert refused.status_code == 403
    assert Project.objects.get(pk=project.pk).allow_reopen is True


def test_the_author_reopens_a_submitted_annotation_and_can_save_again(project, make_items, annotator_a, client_for) -> None:
    _allow(project)
    make_items(project, 1)
    client = client_for(annotator_a)
    submitted = _submitted(client, project)
    assert (submitted["status"], submitted["version"]) == ("submitted", 2)

    reopened = client.post(f"/api/annotations/{submitted['id']}/reopen/")
    assert reopened.status_code == 200, reopened.content
    assert (reopened.json()["status"], reopened.json()["version"]) == ("draft", 3)
    stored = Annotation.objects.get(pk=submitted["id"])
    assert (stored.status, stored.version, stored.result) == ("draft", 3, {"regions": [SEGMENT]})
    assert list(AnnotationRevision.objects.filter(annotation=stored).values_list("version", "status")) == [
        (1, "draft"), (2, "submitted"), (3, "draft")]
    task = Task.objects.get(pk=submitted["task"])
    assert (task.submitted_count, task.active_count, task.status) == (0, 1, "open")
    assert Assignment.objects.get(task=task, annotator=annotator_a).status == "active"
    event = AuditEvent.objects.get(action="annotation.reopen")
    assert (event.actor_id, event.target_id, event.data) == (annotator_a.pk, str(stored.pk), {"task": task.pk, "version": 3})

    saved = client.put(f"/api/annotations/{stored.pk}/", {"result": {"regions": []}, "version": 3}, format="json")
    assert saved.status_code == 200
    again = client.post(f"/api/annotations/{stored.pk}/submit/", {"version": 4}, format="json")
    assert again.status_code == 200
    assert Task.objects.get(pk=task.pk).submitted_count == 1


def test_a_project_that_does_not_allow_it_refuses_with_403(project, make_items, annotator_a, client_for) -> None:
    make_items(project, 1)
    client = client_for(annotator_a)
    submitted = _submitted(client, project)
    refused = client.post(f"/api/annotations/{submitted['id']}/reopen/")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "This project does not let annotators reopen submitted work; ask a manager."
    assert Annotation.objects.get(pk=submitted["id"]).status == "submitted"


def test_only_the_author_may_reopen(project, make_items, annotator_a, reviewer, manager, client_for) -> None:
    _allow(project)
    make_items(project, 1)
    submitted = _submitted(client_for(annotator_a), project)
    for user in (reviewer, manager):
        refused = client_for(user).post(f"/api/annotations/{submitted['id']}/reopen/")
        assert refused.status_code == 403
        assert refused.json()["detail"] == "Only the annotator who submitted this annotation can reopen it."
    assert Annotation.objects.get(pk=submitted["id"]).status == "submitted"
    assert not AuditEvent.objects.filter(action="annotation.reopen").exists()


def test_a_draft_cannot_be_reopened_409(project, make_items, annotator_a, client_for) -> None:
    _allow(project)
    make_items(project, 1)
    client = client_for(annotator_a)
    task_id = client.post(f"/api/projects/{project.pk}/next/").json()["task"]["id"]
    draft = client.post(f"/api/tasks/{task_id}/annotations/", {}, format="json").json()
    refused = client.post(f"/api/annotations/{draft['id']}/reopen/")
    assert refused.status_code == 409
    assert refused.json()["detail"] == "Only a submitted annotation can be reopened; this one is a draft."
    assert Annotation.objects.get(pk=draft["id"]).version == 1


def test_once_review_has_begun_the_answer_is_409(project, make_items, annotator_a, client_for) -> None:
    _allow(project)
    make_items(project, 1)
    client = client_for(annotator_a)
    submitted = _submitted(client, project)
    ReviewItem.objects.create(task_id=submitted["task"], project_id_cache=project.pk, reasons=[{"kind": "audit"}])
    refused = client.post(f"/api/annotations/{submitted['id']}/reopen/")
    assert refused.status_code == 409
    assert refused.json()["detail"] == "Review has begun on this task, so it can no longer be reopened."
    stored = Annotation.objects.get(pk=submitted["id"])
    assert (stored.status, stored.version) == ("submitted", 2)
    assert Task.objects.get(pk=submitted["task"]).submitted_count == 1


def test_a_complete_task_opens_again_when_its_last_submission_is_reopened(
        project, make_items, annotator_a, annotator_b, client_for) -> None:
    _allow(project)
    make_items(project, 1)
    first = _submitted(client_for(annotator_a), project)
    _submitted(client_for(annotator_b), project)
    task = Task.objects.get(pk=first["task"])
    assert (task.status, task.submitted_count) == ("complete", 2)
    completed = Project.objects.get(pk=project.pk).completed_count
    assert client_for(annotator_a).post(f"/api/annotations/{first['id']}/reopen/").status_code == 200
    task.refresh_from_db()
    assert (task.status, task.submitted_count, task.active_count) == ("open", 1, 1)
    assert Project.objects.get(pk=project.pk).completed_count == completed - 1
