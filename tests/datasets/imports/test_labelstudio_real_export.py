"""A JSON export made by a real Label Studio 1.23, imported into Tandem through Tandem's API.

Label Studio runs from its own virtualenv (.venv-ls, made by `make`) on loopback with SQLite in a
temporary folder, started from the migrated template as the export round-trip test does. A project
with audio labels, rectangles on an image, rectangles tracked on a video and a relation gets one
task and one annotation through Label Studio's API; the project's JSON export, as Label Studio
writes it, is the file Tandem imports. The regions that come out are pinned: times, labels, boxes
(percent to fractions, keyframe times), and the relation's ends renumbered.
"""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotation.models import Annotation, Project, Task
from annotation.services.imports import project_import
from tests.datasets.exports import labelstudio_server as ls

CONFIG = """<View>
  <Audio name="audio" value="$audio"/>
  <Labels name="label" toName="audio"><Label value="Speech"/><Label value="Music"/></Labels>
  <Image name="image" value="$image"/>
  <RectangleLabels name="still" toName="image"><Label value="Face"/></RectangleLabels>
  <Video name="video" value="$video" framerate="25"/>
  <Labels name="videoLabels" toName="video"><Label value="Face"/></Labels>
  <VideoRectangle name="box" toName="video"/>
  <Relations><Relation value="refers_to"/></Relations>
</View>"""

# What the labeling interface sends for one annotation (ids are the interface's own region ids).
RESULT: list[dict[str, Any]] = [
    {"id": "Sp3eCh1", "from_name": "label", "to_name": "audio", "type": "labels", "origin": "manual",
     "value": {"start": 1.25, "end": 2.5, "channel": 0, "labels": ["Speech"]}},
    {"id": "Mu5iC22", "from_name": "label", "to_name": "audio", "type": "labels", "origin": "manual",
     "value": {"start": 3.0, "end": 4.2, "channel": 0, "labels": ["Music"]}},
    {"id": "StI11ba", "from_name": "still", "to_name": "image", "type": "rectanglelabels", "origin": "manual",
     "original_width": 640, "original_height": 480, "image_rotation": 0,
     "value": {"x": 12.5, "y": 25.0, "width": 50.0, "height": 37.5, "rotation": 0, "rectanglelabels": ["Face"]}},
    {"id": "ViD3o9x", "from_name": "box", "to_name": "video", "type": "videorectangle", "origin": "manual",
     "value": {"framesCount": 250, "duration": 10.0, "labels": ["Face"], "sequence": [
         {"frame": 1, "enabled": True, "rotation": 0, "x": 10.0, "y": 20.0, "width": 25.0, "height": 30.0,
          "time": 0.0},
         {"frame": 26, "enabled": True, "rotation": 0, "x": 20.0, "y": 20.0, "width": 25.0, "height": 30.0,
          "time": 1.0},
         {"frame": 51, "enabled": False, "rotation": 0, "x": 30.0, "y": 25.0, "width": 25.0, "height": 30.0,
          "time": 2.0}]}},
    {"from_id": "Sp3eCh1", "to_id": "ViD3o9x", "type": "relation", "direction": "right", "labels": ["refers_to"]},
]


@pytest.fixture(scope="module")
def label_studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """A Label Studio started from the migrated template; its API client."""
    with ls.running(tmp_path_factory.mktemp("label-studio-import")) as (client, _root):
        yield client


def _ok(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, response.text[:2000]
    return response.json()


def _label_studio_export(client: httpx.Client) -> bytes:
    project = _ok(client.post("/api/projects/", json={"title": "interviews", "label_config": CONFIG}), 201)
    media = {"audio": "/data/local-files/?d=media/interview-1.wav", "image": "/data/local-files/?d=media/frame-1.png",
             "video": "/data/local-files/?d=media/clip-1.mp4"}
    _ok(client.post(f"/api/projects/{project['id']}/import", json=[{"data": media}]), 201)
    [task] = _ok(client.get("/api/tasks/", params={"project": project["id"]}), 200)["tasks"]
    _ok(client.post(f"/api/tasks/{task['id']}/annotations/", json={"result": RESULT, "lead_time": 12.5}), 201)
    export = client.get(f"/api/projects/{project['id']}/export", params={"exportType": "JSON"})
    assert export.status_code == 200, export.text[:2000]
    return export.content


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


@pytest.mark.django_db
def test_a_real_label_studio_export_imports_with_boxes_and_the_relation(
        label_studio: httpx.Client, project: Project, manager: Any, annotator_a: Any, client_for: Any,
        task: Task) -> None:
    exported = _label_studio_export(label_studio)
    tasks = json.loads(exported)
    # it is Label Studio's export, not the request echoed back: its own ids and bookkeeping are in it
    assert [sorted(k for k in ("id", "annotations", "data", "inner_id") if k in t) for t in tasks] == [
        ["annotations", "data", "id", "inner_id"]]
    assert [r["type"] for r in tasks[0]["annotations"][0]["result"]] == [
        "labels", "labels", "rectanglelabels", "videorectangle", "relation"]

    client = client_for(manager)
    url = f"/api/projects/{project.pk}/annotations/import/"
    dry = client.post(url + "?dry_run=1", {"file": SimpleUploadedFile("project-1-at-2026.json", exported)},
                      format="multipart")
    assert dry.status_code == 200, dry.content
    assert dry.json()["items"]["matched"] == [{"key": "interview-1.wav", "task": task.pk}]
    assert [(la["layer"], la["regions"], la["values"]) for la in dry.json()["layers"]] == [
        ("label", 2, ["Speech", "Music"]), ("still", 1, ["Face"]), ("box", 1, ["Face"]),
        ("relations", 1, ["refers_to"])]
    mapping = {"label": {"track": "speech", "labels": {"Speech": "speech", "Music": "music"}},
               "still": {"track": "faces", "labels": {"Face": "face"}},
               "box": {"track": "faces", "labels": {"Face": "face"}},
               "relations": {"track": "links"}}
    response = client.post(url, {"file": SimpleUploadedFile("project-1-at-2026.json", exported), "as": "human",
                                 "annotator": "annotator_a", "mapping": json.dumps(mapping)}, format="multipart")
    assert response.status_code == 201, response.content
    annotation = Annotation.objects.get()
    assert (annotation.task_id, annotation.annotator, annotation.status) == (task.pk, annotator_a, "submitted")
    assert annotation.result == {"regions": [
        {"id": "imp1", "track": "speech", "label": "speech", "start_ms": 1250, "end_ms": 2500},
        {"id": "imp2", "track": "speech", "label": "music", "start_ms": 3000, "end_ms": 4200},
        {"id": "imp3", "track": "faces", "label": "face",
         "keyframes": [{"time_ms": 0, "x": 0.125, "y": 0.25, "w": 0.5, "h": 0.375}]},
        {"id": "imp4", "track": "faces", "label": "face", "keyframes": [
            {"time_ms": 0, "x": 0.1, "y": 0.2, "w": 0.25, "h": 0.3},
            {"time_ms": 1000, "x": 0.2, "y": 0.2, "w": 0.25, "h": 0.3},
            {"time_ms": 2000, "x": 0.3, "y": 0.25, "w": 0.25, "h": 0.3}]},
        {"id": "imp5", "track": "links", "label": "refers_to", "from_id": "imp1", "to_id": "imp4"},
    ]}
