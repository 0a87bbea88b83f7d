"""Bounded writes over REST: unknown keys are named, too many regions is a 400, too large a result a 413.

A refused save changes nothing: the version, the stored result and the revisions stay as they were.
"""

from __future__ import annotations

from typing import Any

import pytest

from annotation.models import Annotation, AnnotationRevision, Project
from annotation.schema import REGION_KEYS

pytestmark = pytest.mark.django_db

POINT = {"id": "p1", "track": "events", "label": "clap", "time_ms": 10}


def _draft(project: Project, make_items: Any, client: Any) -> dict[str, Any]:
    make_items(project, 1)
    task_id = client.post(f"/api/projects/{project.pk}/next/").json()["task"]["id"]
    created = client.post(f"/api/tasks/{task_id}/annotations/", {"result": {"regions": [POINT]}}, format="json")
    assert created.status_code == 201, created.content
    return dict(created.json())


def _unchanged(annotation_id: int) -> tuple[int, Any, int]:
    stored = Annotation.objects.get(pk=annotation_id)
    return stored.version, stored.result, AnnotationRevision.objects.filter(annotation=stored).count()


@pytest.mark.parametrize(("result", "detail", "region"), [
    ({"regions": [POINT], "comment": "hi"},
     "Invalid result: result: unknown key 'comment' (allowed: regions)", "result"),
    ({"regions": [{**POINT, "color": "#ff0000"}]},
     f"Invalid result: regions[0] (id 'p1'): unknown key 'color' (allowed: {', '.join(sorted(REGION_KEYS))})",
     "regions[0] (id 'p1')"),
])
def test_an_unknown_key_gets_400_naming_it_and_changes_nothing(project, make_items, annotator_a, client_for,
                                                                result: dict[str, Any], detail: str, region: str) -> None:
    client = client_for(annotator_a)
    annotation = _draft(project, make_items, client)
    response = client.put(f"/api/annotations/{annotation['id']}/", {"result": result, "version": 1}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": detail, "region": region}
    assert _unchanged(annotation["id"]) == (1, {"regions": [POINT]}, 1)


def test_more_regions_than_tandem_max_regions_gets_400_naming_the_limit(project, make_items, annotator_a, client_for,
                                                                         settings: Any) -> None:
    settings.TANDEM_MAX_REGIONS = 3
    client = client_for(annotator_a)
    annotation = _draft(project, make_items, client)
    regions = [{**POINT, "id": f"p{n}", "time_ms": n} for n in range(4)]
    response = client.put(f"/api/annotations/{annotation['id']}/", {"result": {"regions": regions}, "version": 1},
                          format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "Invalid result: result.regions: 4 regions; an annotation holds at most 3 (TANDEM_MAX_REGIONS)")
    assert _unchanged(annotation["id"]) == (1, {"regions": [POINT]}, 1)
    accepted = client.put(f"/api/annotations/{annotation['id']}/", {"result": {"regions": regions[:3]}, "version": 1},
                          format="json")
    assert accepted.status_code == 200


def test_a_result_over_tandem_max_result_bytes_gets_413_and_changes_nothing(project, make_items, annotator_a,
                                                                             client_for, settings: Any) -> None:
    settings.TANDEM_MAX_RESULT_BYTES = 2_000
    client = client_for(annotator_a)
    annotation = _draft(project, make_items, client)
    words = {"id": "w1", "track": "words", "start_ms": 0, "end_ms": 900, "text": "x" * 2_000}
    result = {"regions": [POINT, words]}
    response = client.put(f"/api/annotations/{annotation['id']}/", {"result": result, "version": 1}, format="json")
    assert response.status_code == 413
    size = len(b'{"regions":[{"id":"p1","track":"events","label":"clap","time_ms":10},'
               b'{"id":"w1","track":"words","start_ms":0,"end_ms":900,"text":""}]}') + 2_000
    assert response.json() == {"detail": f"The result is {size} bytes of JSON; an annotation holds at most 2000 "
                                         "(TANDEM_MAX_RESULT_BYTES). Split the item or drop text the task does not need."}
    assert _unchanged(annotation["id"]) == (1, {"regions": [POINT]}, 1)
