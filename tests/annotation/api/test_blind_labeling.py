"""Annotators see only what they need: their own tasks and work, no peers, no counts or scores of others' work."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client

from annotation.models import Project, Task
from annotation.services.assignments import task_next
from datasets.services.assets import asset_create_from_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(project: Project, make_items: Any, annotator_a: Any) -> Task:
    """A task annotator_a holds, one other submission counted, and an agreement on record."""
    (task,) = make_items(project, 1)
    assert task_next(project=project, user=annotator_a) == task
    Task.objects.filter(pk=task.pk).update(submitted_count=1, agreement=0.42)
    return task


def test_an_annotator_sees_themselves_and_the_managers_in_the_member_list(project: Project, annotator_a: Any,
                                                                           reviewer: Any, client_for: Any) -> None:
    def names(user: Any) -> list[str]:
        response = client_for(user).get(f"/api/projects/{project.pk}/members/")
        assert response.status_code == 200
        return [m["user"]["username"] for m in response.json()["results"]]

    assert names(annotator_a) == ["manager", "annotator_a"]
    assert names(reviewer) == ["manager", "reviewer", "annotator_a", "annotator_b"]


def test_task_payloads_carry_no_counts_or_agreement_for_an_annotator(project: Project, held: Task, annotator_a: Any,
                                                                     reviewer: Any, client_for: Any) -> None:
    listed = client_for(annotator_a).get(f"/api/projects/{project.pk}/tasks/").json()["results"]
    detail = client_for(annotator_a).get(f"/api/tasks/{held.pk}/").json()
    assert [t["id"] for t in listed] == [held.pk]
    for payload in (listed[0], detail):
        assert "submitted_count" not in payload and "agreement" not in payload
        assert (payload["status"], payload["target_count"]) == ("open", 2)
    seen = client_for(reviewer).get(f"/api/tasks/{held.pk}/").json()
    assert (seen["submitted_count"], seen["agreement"]) == (1, 0.42)


@pytest.mark.parametrize("query", ["annotator=annotator_b", "agreement_lt=0.5", "agreement_gte=0.4"])
def test_an_annotator_cannot_filter_tasks_by_peers_or_agreement(project: Project, held: Task, annotator_a: Any,
                                                               reviewer: Any, client_for: Any, query: str) -> None:
    denied = client_for(annotator_a).get(f"/api/projects/{project.pk}/tasks/?{query}")
    assert denied.status_code == 403
    name = query.split("=")[0]
    assert denied.json()["detail"] == f"Filtering by {name} needs the reviewer role in the project."
    assert client_for(reviewer).get(f"/api/projects/{project.pk}/tasks/?{query}").status_code == 200


def test_the_project_page_shows_counts_and_agreement_to_reviewers_only(project: Project, held: Task, annotator_a: Any,
                                                                      reviewer: Any) -> None:
    def page(user: Any) -> str:
        client = Client()
        client.force_login(user)
        response = client.get(f"/projects/{project.pk}/")
        assert response.status_code == 200
        return response.content.decode()

    mine, theirs = page(annotator_a), page(reviewer)
    assert f"#{held.pk}" in mine and "<th>Agreement</th>" not in mine and "1/2" not in mine
    assert "<th>Agreement</th>" in theirs and "1/2" in theirs and "0.42" in theirs


def test_an_asset_that_no_item_streams_is_for_managers_only(project: Project, manager: Any, reviewer: Any,
                                                            annotator_a: Any, client_for: Any) -> None:
    # A finished upload that no manifest line names yet: the manager polls it, nobody else reads it.
    asset = asset_create_from_file(dataset=project.dataset, fileobj=io.BytesIO(b"Notes from the interview."),
                                   name="notes.txt", user=manager, queue=False)
    for user, status in ((manager, 200), (reviewer, 404), (annotator_a, 404)):
        assert client_for(user).get(f"/api/assets/{asset.pk}/").status_code == status, user
        assert client_for(user).get(f"/api/assets/{asset.pk}/media").status_code == status, user
