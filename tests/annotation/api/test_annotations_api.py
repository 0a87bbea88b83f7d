"""The annotation loop over REST: next task, draft, save with version, 409 on a stale one, submit."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotation.models import Annotation, AnnotationRevision, Assignment, Project, Task

pytestmark = pytest.mark.django_db

SEGMENT = {"id": "r1", "track": "speech", "label": "speech", "start_ms": 100, "end_ms": 900}


def _take(client: Any, project: Project) -> int:
    response = client.post(f"/api/projects/{project.pk}/next/")
    assert response.status_code == 200, response.content
    return int(response.json()["task"]["id"])


def test_an_annotator_takes_saves_and_submits_a_task(project, make_items, annotator_a, client_for) -> None:
    make_items(project, 1)
    client = client_for(annotator_a)
    task_id = _take(client, project)
    created = client.post(f"/api/tasks/{task_id}/annotations/", {"result": {"regions": []}}, format="json")
    assert created.status_code == 201
    annotation = created.json()
    assert (annotation["version"], annotation["status"]) == (1, "draft")

    saved = client.put(f"/api/annotations/{annotation['id']}/", {"result": {"regions": [SEGMENT]}, "version": 1}, format="json")
    assert saved.status_code == 200
    assert saved.json()["version"] == 2
    submitted = client.post(f"/api/annotations/{annotation['id']}/submit/", {"version": 2}, format="json")
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"

    stored = Annotation.objects.get(pk=annotation["id"])
    assert stored.result == {"regions": [SEGMENT]}
    assert list(AnnotationRevision.objects.filter(annotation=stored).values_list("version", "status")) == [
        (1, "draft"), (2, "draft"), (3, "submitted")]
    task = Task.objects.get(pk=task_id)
    assert (task.submitted_count, task.active_count, task.status) == (1, 0, "open")


def test_stale_version_gets_409_and_keeps_the_newer_save(project, make_items, annotator_a, client_for) -> None:
    make_items(project, 1)
    client = client_for(annotator_a)
    task_id = _take(client, project)
    annotation = client.post(f"/api/tasks/{task_id}/annotations/", {}, format="json").json()
    first = client.put(f"/api/annotations/{annotation['id']}/", {"result": {"regions": [SEGMENT]}, "version": 1}, format="json")
    assert first.status_code == 200
    stale = client.put(f"/api/annotations/{annotation['id']}/", {"result": {"regions": []}, "version": 1}, format="json")
    assert stale.status_code == 409
    body = stale.json()
    assert body["current_version"] == 2
    assert body["current"]["result"] == {"regions": [SEGMENT]}
    assert body["current"]["updated_by"] == "annotator_a"
    assert body["current"]["updated_at"] == Annotation.objects.get(pk=annotation["id"]).updated_at.isoformat()
    assert Annotation.objects.get(pk=annotation["id"]).result == {"regions": [SEGMENT]}


def test_an_invalid_region_gets_400_naming_it_and_changes_nothing(project, make_items, annotator_a, client_for) -> None:
    make_items(project, 1)
    client = client_for(annotator_a)
    task_id = _take(client, project)
    annotation = client.post(f"/api/tasks/{task_id}/annotations/", {}, format="json").json()
    bad = {**SEGMENT, "end_ms": 50}
    response = client.put(f"/api/annotations/{annotation['id']}/", {"result": {"regions": [bad]}, "version": 1}, format="json")
    assert response.status_code == 400
    assert response.json()["region"] == "regions[0] (id 'r1')"
    assert Annotation.objects.get(pk=annotation["id"]).version == 1


def test_a_task_completes_when_k_annotators_submit(project, make_items, annotator_a, annotator_b, client_for) -> None:
    make_items(project, 1)
    for user in (annotator_a, annotator_b):
        client = client_for(user)
        task_id = _take(client, project)
        annotation = client.post(f"/api/tasks/{task_id}/annotations/", {"result": {"regions": [SEGMENT]}}, format="json").json()
        assert client.post(f"/api/annotations/{annotation['id']}/submit/", {}, format="json").status_code == 200
    task = Task.objects.get(pk=task_id)
    assert (task.status, task.submitted_count) == ("complete", 2)
    project.refresh_from_db()
    assert project.completed_count == 1


def test_next_never_gives_the_same_task_twice_and_respects_overlap(project, make_items, annotator_a, annotator_b, reviewer, client_for) -> None:
    tasks = make_items(project, 2)
    a, b = client_for(annotator_a), client_for(annotator_b)
    assert _take(a, project) == tasks[0].pk
    assert _take(a, project) == tasks[0].pk  # resumes the held task
    assert _take(b, project) == tasks[0].pk  # overlap 2: the second annotator gets the same task
    assert client_for(reviewer).post(f"/api/projects/{project.pk}/next/").json()["task"]["id"] == tasks[1].pk
    assert a.post(f"/api/tasks/{tasks[0].pk}/skip/").status_code == 200
    assert _take(a, project) == tasks[1].pk
    assert Assignment.objects.filter(task=tasks[0], annotator=annotator_a).count() == 1
    assert a.post(f"/api/tasks/{tasks[1].pk}/skip/").status_code == 200
    assert a.post(f"/api/projects/{project.pk}/next/").status_code == 204


def test_annotators_never_see_each_others_work(project, make_items, annotator_a, annotator_b, reviewer, client_for) -> None:
    make_items(project, 1)
    a, b = client_for(annotator_a), client_for(annotator_b)
    task_id = _take(a, project)
    _take(b, project)
    mine = a.post(f"/api/tasks/{task_id}/annotations/", {"result": {"regions": [SEGMENT]}}, format="json").json()
    b.post(f"/api/tasks/{task_id}/annotations/", {}, format="json")
    listed = a.get(f"/api/tasks/{task_id}/annotations/").json()
    assert [x["id"] for x in listed["results"]] == [mine["id"]]
    assert b.get(f"/api/annotations/{mine['id']}/").status_code == 404
    assert b.put(f"/api/annotations/{mine['id']}/", {"result": {"regions": []}, "version": 1}, format="json").status_code == 404
    assert client_for(reviewer).get(f"/api/tasks/{task_id}/annotations/").json()["count"] == 2
    assert Annotation.objects.get(pk=mine["id"]).result == {"regions": [SEGMENT]}


def _first_save(client: Any, project: Project) -> tuple[int, list[dict[str, Any]]]:
    """Take a task, create an empty draft and save one segment into it; the draft's id and the
    queries of that save."""
    task_id = _take(client, project)
    annotation = client.post(f"/api/tasks/{task_id}/annotations/", {}, format="json").json()
    with CaptureQueriesContext(connection) as queries:
        response = client.put(f"/api/annotations/{annotation['id']}/", {"result": {"regions": [SEGMENT]}, "version": 1}, format="json")
    assert response.status_code == 200, response.content
    return int(annotation["id"]), list(queries.captured_queries)


def test_saving_an_annotation_takes_a_bounded_number_of_queries(project, make_items, annotator_a, client_for) -> None:
    make_items(project, 1)
    _, queries = _first_save(client_for(annotator_a), project)
    assert len(queries) <= 8, [q["sql"] for q in queries]


def test_one_annotation_answers_as_the_annotation_serializer_does(project, make_items, annotator_a, client_for) -> None:
    from annotation.api.serializers import AnnotationSerializer, annotation_data

    make_items(project, 2)
    client = client_for(annotator_a)
    task_id = _take(client, project)
    created = client.post(f"/api/tasks/{task_id}/annotations/", {"result": {"regions": []}}, format="json").json()
    saved = client.put(f"/api/annotations/{created['id']}/", {"result": {"regions": [SEGMENT]}, "version": 1}, format="json").json()
    submitted = client.post(f"/api/annotations/{created['id']}/submit/", {"version": 2}, format="json").json()
    stored = Annotation.objects.select_related("annotator").get(pk=created["id"])
    assert submitted == dict(AnnotationSerializer(stored).data)
    assert (saved["version"], submitted["version"], submitted["status"]) == (2, 3, "submitted")
    gold = Annotation.objects.create(task_id=task_id, annotator=None, kind="gold", result={"regions": [SEGMENT]},
                                     review_note="merged")
    for annotation in (stored, gold, Annotation.objects.get(pk=gold.pk)):
        assert annotation_data(annotation) == dict(AnnotationSerializer(annotation).data)


def test_a_save_reads_the_role_with_the_annotation_and_the_text_only_for_spans(project, make_items, annotator_a, client_for) -> None:
    make_items(project, 1)
    client = client_for(annotator_a)
    annotation_id, queries = _first_save(client, project)
    sql = " ".join(q["sql"] for q in queries)
    assert "datasets_stream" not in sql  # no span in the result: the text lengths are not needed
    assert not any(q["sql"].lstrip().startswith('SELECT "annotation_membership"') for q in queries)
    # The text (23 characters) is still read for a span, and a span past its end still refused by name.
    span = {"id": "e1", "track": "entities", "label": "PER", "start_char": 0, "end_char": 24}
    refused = client.put(f"/api/annotations/{annotation_id}/", {"result": {"regions": [SEGMENT, span]}, "version": 2},
                         format="json")
    assert refused.status_code == 400
    assert refused.json()["region"] == "regions[1] (id 'e1')"
    span["end_char"] = 23
    kept = client.put(f"/api/annotations/{annotation_id}/", {"result": {"regions": [SEGMENT, span]}, "version": 2},
                      format="json")
    assert kept.status_code == 200, kept.content
