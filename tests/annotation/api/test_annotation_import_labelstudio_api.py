"""A Label Studio export with boxes, a relation, a per-region choice and a choice of the task, imported
through the API: exact regions, relation ends renumbered, the task's choice on the whole item."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotation.models import Annotation, Prediction, Project, Task
from annotation.services.imports import project_import
from tests.datasets.imports import samples

pytestmark = pytest.mark.django_db

MAPPING = {"label": {"track": "speech", "labels": {"Speech": "speech"}}, "box": {"track": "faces"},
           "still": {"track": "faces"}, "relations": {"track": "links"}, "mood": {"track": "events"}}


@pytest.fixture
def task(project: Project, manager: Any, tmp_path: Path) -> Task:
    wav = tmp_path / "interview-1.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-ar", "16000",
                    str(wav)], check=True)
    records = [{"duration_ms": 10_000, "streams": [{"role": "audio", "upload": "interview-1.wav"},
                                                   {"role": "transcript", "text": "Hello there."}]}]
    done = project_import(project=project, user=manager, records=records,
                          uploads={"interview-1.wav": io.BytesIO(wav.read_bytes())})
    return Task.objects.get(pk=done["task_ids"][0])


def _post(client: Any, project: Project, query: str = "", **fields: Any) -> Any:
    body = {"file": SimpleUploadedFile("project-3.json", samples.labelstudio_rich_export()), **fields}
    return client.post(f"/api/projects/{project.pk}/annotations/import/{query}", body, format="multipart")


def test_boxes_relations_and_choices_become_tandem_regions(project: Project, manager: Any, client_for: Any,
                                                           task: Task) -> None:
    client = client_for(manager)
    dry = _post(client, project, "?dry_run=1").json()
    # suggested by name; a relation without a label takes the relation track's only label
    assert dry["mapping"] == {"label": {"track": None, "labels": {}}, "box": {"track": None, "labels": {}},
                              "still": {"track": None, "labels": {}},
                              "relations": {"track": None, "labels": {}}, "mood": {"track": None, "labels": {}}}
    response = _post(client, project, **{"as": "gold", "mapping": json.dumps(MAPPING)})
    assert response.status_code == 201, response.content
    gold = Annotation.objects.get(kind="gold")
    assert gold.task_id == task.pk
    assert gold.result == {"regions": [
        {"id": "imp1", "track": "speech", "label": "speech", "start_ms": 1000, "end_ms": 2500,
         "attributes": {"speaker": "B"}},
        {"id": "imp2", "track": "faces", "label": "face", "keyframes": [
            {"time_ms": 0, "x": 0.1, "y": 0.2, "w": 0.25, "h": 0.3},
            {"time_ms": 1000, "x": 0.15, "y": 0.2, "w": 0.25, "h": 0.3},
            {"time_ms": 2000, "x": 0.2, "y": 0.225, "w": 0.25, "h": 0.3}]},
        {"id": "imp3", "track": "faces", "label": "face", "keyframes": [
            {"time_ms": 0, "x": 0.5, "y": 0.5, "w": 0.125, "h": 0.0625}]},
        {"id": "imp4", "track": "links", "label": "refers_to", "from_id": "imp1", "to_id": "imp2"},
        {"id": "imp5", "track": "events", "label": "clap", "time_ms": 0},
    ]}
    # the mapping used is suggested next time, the relation's empty value included
    again = _post(client, project, "?dry_run=1").json()["mapping"]
    assert again["relations"] == {"track": "links", "labels": {"": "refers_to"}}
    assert again["box"] == {"track": "faces", "labels": {"Face": "face"}}


def test_a_choice_of_the_task_on_a_segment_track_spans_the_whole_item(project: Project, manager: Any,
                                                                      client_for: Any, task: Task) -> None:
    mapping = {"mood": {"track": "speech", "labels": {"clap": "music"}}}
    response = _post(client_for(manager), project, **{"as": "prelabel", "model": "ls", "mapping": json.dumps(mapping)})
    assert response.status_code == 201, response.content
    assert Prediction.objects.get().result == {"regions": [
        {"id": "imp1", "track": "speech", "label": "music", "start_ms": 0, "end_ms": 10_000,
         "source": {"model": "ls", "version": "import"}}]}


@pytest.mark.parametrize(("mapping", "detail"), [
    ({**MAPPING, "box": None},
     "project-3.json, tier 'relations', annotation 'a1b2c3->v9w8x7' (task 9 annotation 0, result[4]): its 'to_id' "
     "'v9w8x7' names no imported region of the same item (map that region's tier to a track, or leave the "
     "relations out)"),
    ({**MAPPING, "relations": {"track": "speech"}},
     "project-3.json, tier 'relations', annotation 'a1b2c3->v9w8x7' (task 9 annotation 0, result[4]): a relation "
     "goes on a relation track, and 'speech' is a segment track"),
    ({**MAPPING, "mood": {"track": "words"}},
     "project-3.json, tier 'mood', annotation 'c0c0c0' (task 9 annotation 0, result[5]): a label of the whole item "
     "goes on a segment or point track, not a transcript track"),
    ({**MAPPING, "label": {"track": "speech", "labels": {"Speech": "music"}}, "still": {"track": "speech"}},
     "project-3.json, tier 'still', annotation 'r5s6t7' (task 9 annotation 0, result[3]): value 'Face' is not "
     "mapped to a label of track 'speech'"),
])
def test_a_relation_or_box_that_cannot_land_is_refused_by_name(project: Project, manager: Any, client_for: Any,
                                                               task: Task, mapping: dict[str, Any], detail: str) -> None:
    response = _post(client_for(manager), project, **{"as": "gold", "mapping": json.dumps(mapping)})
    assert (response.status_code, response.json()["detail"]) == (400, detail)
    assert Annotation.objects.count() == 0
