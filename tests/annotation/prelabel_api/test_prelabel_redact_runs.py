"""A pre-label run of the personal-data finder suggests redactions with their own reasons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from annotation.models import Job, Prediction, Project, Task
from annotation.services.projects import project_create

pytestmark = pytest.mark.django_db

TEXT = "Ann Lee, ann@example.com, +44 20 7946 0958."
SCHEMA = {"tracks": [{"name": "private", "kind": "redact", "stream": "transcript",
                      "labels": [{"value": "name"}, {"value": "address"}]}]}


def test_pii_suggestions_keep_the_reasons_the_track_has_and_take_the_mapped_label_otherwise(
        manager: User, make_items: Callable[..., list[Task]], map_prelabelers: Callable[..., Project],
        client_for: Callable[[User], Any], django_capture_on_commit_callbacks: Any) -> None:
    project = project_create(user=manager, name="Calls", schema=SCHEMA, overlap=1)
    [task] = make_items(project, 1, text=TEXT)
    map_prelabelers(project, [{"prelabeler": "pii", "track": "private", "label": "name", "text_stream": "transcript",
                               "options": {"names": ["Ann Lee"]}}])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(manager).post(f"/api/projects/{project.pk}/prelabel/", {}, format="json")
    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["id"])
    assert job.status == "succeeded", job.error
    prediction = Prediction.objects.get(task=task, model="pii")
    found = [(r["label"], TEXT[r["start_char"]:r["end_char"]]) for r in prediction.result["regions"]]
    # the track has no "number" reason: the phone number takes the mapped label
    assert found == [("name", "Ann Lee"), ("address", "ann@example.com"), ("name", "+44 20 7946 0958")]
    assert [r["id"] for r in prediction.result["regions"]] == ["pii-1", "pii-2", "pii-3"]
