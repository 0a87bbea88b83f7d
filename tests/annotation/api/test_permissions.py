"""Role × endpoint × own/other project: who may do what, and that a denial changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from annotation.models import Membership, Project, Task

pytestmark = pytest.mark.django_db

# (method, path template, body, minimum role); {p} is the project, {t} a task of it.
ENDPOINTS = [
    ("get", "/api/projects/{p}/", None, "annotator"),
    ("patch", "/api/projects/{p}/", {"instructions": "new"}, "manager"),
    ("get", "/api/projects/{p}/members/", None, "annotator"),
    ("post", "/api/projects/{p}/members/", {"username": "outsider", "role": "annotator"}, "manager"),
    ("post", "/api/projects/{p}/import/", [{"streams": [{"role": "t", "text": "hi"}]}], "manager"),
    ("get", "/api/projects/{p}/tasks/", None, "annotator"),
    ("post", "/api/projects/{p}/next/", None, "annotator"),
    ("get", "/api/tasks/{t}/", None, "reviewer"),
    ("get", "/api/tasks/{t}/annotations/", None, "reviewer"),
    ("get", "/api/tasks/{t}/predictions/", None, "reviewer"),
    ("delete", "/api/projects/{p}/", None, "manager"),
]
ROLES = ["outsider", "annotator_a", "reviewer", "manager"]
RANK = {"annotator": 1, "reviewer": 2, "manager": 3}
ROLE_OF = {"annotator_a": "annotator", "reviewer": "reviewer", "manager": "manager"}


@pytest.mark.parametrize(("method", "path", "body", "minimum"), ENDPOINTS)
@pytest.mark.parametrize("who", ROLES)
def test_role_matrix(request: Any, project: Project, other_project: Project, make_items: Any, client_for: Any,
                     who: str, method: str, path: str, body: Any, minimum: str) -> None:
    task = make_items(project, 1)[0]
    user = request.getfixturevalue(who)
    before = (Project.objects.count(), Task.objects.count(), Membership.objects.count(),
              Project.objects.get(pk=project.pk).instructions)
    response = getattr(client_for(user), method)(path.format(p=project.pk, t=task.pk), body, format="json")
    if who == "outsider":
        expected_ok = False
        assert response.status_code == 404, response.content
    else:
        expected_ok = RANK[ROLE_OF[who]] >= RANK[minimum]
        if expected_ok:
            assert response.status_code < 300, (who, path, response.content)
        else:
            assert response.status_code in (403, 404), (who, path, response.status_code)
    if not expected_ok:
        after = (Project.objects.count(), Task.objects.count(), Membership.objects.count(),
                 Project.objects.get(pk=project.pk).instructions)
        assert after == before


def test_an_outsider_cannot_see_the_project_in_the_list(project: Project, other_project: Project, outsider: Any, client_for: Any) -> None:
    names = [p["name"] for p in client_for(outsider).get("/api/projects/").json()["results"]]
    assert names == ["Someone else's"]


def test_anonymous_requests_get_401_or_403(project: Project) -> None:
    from rest_framework.test import APIClient

    assert APIClient().get(f"/api/projects/{project.pk}/").status_code in (401, 403)


def test_only_staff_create_projects(annotator_a: Any, manager: Any, client_for: Any) -> None:
    body = {"name": "New", "schema": {"tracks": [{"name": "s", "kind": "segment", "labels": [{"value": "x"}]}]}}
    assert client_for(annotator_a).post("/api/projects/", body, format="json").status_code == 403
    created = client_for(manager).post("/api/projects/", body, format="json")
    assert created.status_code == 201
    assert created.json()["role"] == "manager"
