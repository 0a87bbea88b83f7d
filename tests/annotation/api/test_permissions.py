"""Role × endpoint × own/other project: who may do what, and that a denial changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from annotation.models import Membership, Project, Task

pytestmark = pytest.mark.django_db

# (method, path template, body, status for outsider / annotator_a / reviewer / manager); {p} is the
# project, {t} a task of it that annotator_a holds no assignment on. Outsiders get 404 (the project is
# not revealed), a member below the needed role 403, an annotator on a task they do not hold 404.
ENDPOINTS = [
    ("get", "/api/projects/{p}/", None, (404, 200, 200, 200)),
    ("patch", "/api/projects/{p}/", {"instructions": "new"}, (404, 403, 403, 200)),
    ("get", "/api/projects/{p}/members/", None, (404, 200, 200, 200)),
    ("post", "/api/projects/{p}/members/", {"username": "outsider", "role": "annotator"}, (404, 403, 403, 201)),
    ("post", "/api/projects/{p}/import/", [{"streams": [{"role": "transcript", "text": "hi"}]}], (404, 403, 403, 201)),
    ("get", "/api/projects/{p}/tasks/", None, (404, 200, 200, 200)),
    ("post", "/api/projects/{p}/next/", None, (404, 200, 200, 200)),
    ("get", "/api/tasks/{t}/", None, (404, 404, 200, 200)),
    ("get", "/api/tasks/{t}/annotations/", None, (404, 404, 200, 200)),
    ("get", "/api/tasks/{t}/predictions/", None, (404, 404, 200, 200)),
    ("delete", "/api/projects/{p}/", None, (404, 403, 403, 204)),
]
ROLES = ["outsider", "annotator_a", "reviewer", "manager"]


@pytest.mark.parametrize(("method", "path", "body", "statuses"), ENDPOINTS)
@pytest.mark.parametrize("who", ROLES)
def test_role_matrix(request: Any, project: Project, other_project: Project, make_items: Any, client_for: Any,
                     who: str, method: str, path: str, body: Any, statuses: tuple[int, ...]) -> None:
    task = make_items(project, 1)[0]
    user = request.getfixturevalue(who)
    before = (Project.objects.count(), Task.objects.count(), Membership.objects.count(),
              Project.objects.get(pk=project.pk).instructions)
    response = getattr(client_for(user), method)(path.format(p=project.pk, t=task.pk), body, format="json")
    expected = statuses[ROLES.index(who)]
    assert response.status_code == expected, (who, method, path, response.content)
    if expected >= 400:  # a denial changes nothing
        after = (Project.objects.count(), Task.objects.count(), Membership.objects.count(),
                 Project.objects.get(pk=project.pk).instructions)
        assert after == before


def test_an_outsider_cannot_see_the_project_in_the_list(project: Project, other_project: Project, outsider: Any, client_for: Any) -> None:
    names = [p["name"] for p in client_for(outsider).get("/api/projects/").json()["results"]]
    assert names == ["Someone else's"]


def test_anonymous_requests_get_401_with_the_token_challenge(project: Project) -> None:
    from rest_framework.test import APIClient

    response = APIClient().get(f"/api/projects/{project.pk}/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_only_staff_create_projects(annotator_a: Any, manager: Any, client_for: Any) -> None:
    body = {"name": "New", "schema": {"tracks": [{"name": "s", "kind": "segment", "labels": [{"value": "x"}]}]}}
    assert client_for(annotator_a).post("/api/projects/", body, format="json").status_code == 403
    created = client_for(manager).post("/api/projects/", body, format="json")
    assert created.status_code == 201
    assert created.json()["role"] == "manager"
