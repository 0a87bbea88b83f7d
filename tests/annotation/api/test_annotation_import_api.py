"""Importing annotations through the API: files written by pympi, praatio, webvtt-py, a Label Studio
export and Tandem's own JSONL land as exact rows; a bad file is a 400 that names it and writes nothing."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotation.models import Annotation, AnnotationRevision, Assignment, Prediction, Project, Task
from annotation.services.imports import project_import
from common.models import AuditEvent
from tests.datasets.imports import samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks(project: Project, manager: Any, tmp_path: Path) -> tuple[Task, Task]:
    """interview-1.wav (an item known by its media file only) and clip-2 (known by its external id)."""
    wav = tmp_path / "tone.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-ar", "16000",
                    str(wav)], check=True)
    records = [{"duration_ms": 10_000, "streams": [{"role": "audio", "upload": "interview-1.wav"},
                                                   {"role": "transcript", "text": "Hello there."}]},
               {"external_id": "clip-2", "duration_ms": 10_000, "streams": [{"role": "transcript", "text": "Hi."}]}]
    result = project_import(project=project, user=manager, records=records,
                            uploads={"interview-1.wav": io.BytesIO(wav.read_bytes())})
    first, second = Task.objects.filter(pk__in=result["task_ids"]).order_by("id")
    return first, second


def _post(client: Any, project: Project, name: str, data: bytes, query: str = "", **fields: Any) -> Any:
    body = {"file": SimpleUploadedFile(name, data), **fields}
    return client.post(f"/api/projects/{project.pk}/annotations/import/{query}", body, format="multipart")


def test_an_elan_file_is_planned_then_imported_as_an_annotators_submitted_work(
        project: Project, manager: Any, annotator_a: Any, client_for: Any, tasks: tuple[Task, Task], tmp_path: Path) -> None:
    client = client_for(manager)
    eaf = samples.eaf_file(tmp_path)
    dry = _post(client, project, "session.eaf", eaf, "?dry_run=1")
    assert dry.status_code == 200, dry.content
    assert dry.json() == {
        "layers": [{"layer": "speaker A", "files": ["session.eaf"], "regions": 2, "values": ["speech", "Music"],
                    "annotators": []},
                   {"layer": "gesture", "files": ["session.eaf"], "regions": 1, "values": ["clap"], "annotators": []}],
        "mapping": {"speaker A": {"track": None, "labels": {}}, "gesture": {"track": None, "labels": {}}},
        "items": {"matched": [{"key": "interview-1.wav", "task": tasks[0].pk}], "new": [], "unmatched": []},
    }
    mapping = {"speaker A": {"track": "speech", "labels": {"Music": "music"}}, "gesture": {"track": "events"}}
    response = _post(client, project, "session.eaf", eaf, **{"as": "human", "annotator": "annotator_a",
                                                              "mapping": json.dumps(mapping)})
    assert response.status_code == 201, response.content
    assert (response.json()["tasks"], response.json()["regions"]) == (1, 3)
    annotation = Annotation.objects.get()
    assert (annotation.task_id, annotation.annotator, annotation.kind, annotation.status, annotation.version) == (
        tasks[0].pk, annotator_a, "human", "submitted", 1)
    assert annotation.result == {"regions": [
        {"id": "imp1", "track": "speech", "label": "speech", "start_ms": 1000, "end_ms": 2500},
        {"id": "imp2", "track": "speech", "label": "music", "start_ms": 3000, "end_ms": 4200},
        {"id": "imp3", "track": "events", "label": "clap", "time_ms": 1500},
    ]}
    revision = AnnotationRevision.objects.get(annotation=annotation)
    assert (revision.version, revision.status, revision.author, revision.result) == (1, "submitted", manager,
                                                                                      annotation.result)
    task = Task.objects.get(pk=tasks[0].pk)
    assert (task.submitted_count, task.active_count, task.status) == (1, 0, "open")  # overlap 2: one more to go
    assert Assignment.objects.get(task=task, annotator=annotator_a).status == "submitted"
    project.refresh_from_db()
    assert (project.annotation_count, project.completed_count) == (1, 0)
    event = AuditEvent.objects.get(action="annotations.import")
    assert (event.actor, event.project_id, event.data["as"], event.data["annotator"]) == (manager, project.pk, "human",
                                                                                          "annotator_a")
    # The mapping used is suggested for the next import of the same tiers.
    again = _post(client, project, "session.eaf", eaf, "?dry_run=1").json()
    assert again["mapping"] == {"speaker A": {"track": "speech", "labels": {"speech": "speech", "Music": "music"}},
                                "gesture": {"track": "events", "labels": {"clap": "clap"}}}


def test_a_praat_textgrid_becomes_gold_with_the_mapping_suggested_by_name(
        project: Project, manager: Any, client_for: Any, tasks: tuple[Task, Task], tmp_path: Path) -> None:
    response = _post(client_for(manager), project, "interview-1.TextGrid", samples.textgrid_file(tmp_path),
                     **{"as": "gold"})
    assert response.status_code == 201, response.content
    gold = Annotation.objects.get(kind="gold")
    assert (gold.task_id, gold.annotator, gold.status) == (tasks[0].pk, manager, "submitted")
    assert gold.result == {"regions": [
        {"id": "imp1", "track": "speech", "label": "speech", "start_ms": 1000, "end_ms": 2500},
        {"id": "imp2", "track": "speech", "label": "music", "start_ms": 3000, "end_ms": 4250},
        {"id": "imp3", "track": "events", "label": "clap", "time_ms": 3200},
    ]}
    assert Task.objects.get(pk=tasks[0].pk).status == "gold"
    assert AuditEvent.objects.filter(action="gold.write", project_id=project.pk).count() == 1


def test_webvtt_cues_become_transcript_suggestions_of_a_named_model(
        project: Project, manager: Any, client_for: Any, tasks: tuple[Task, Task], tmp_path: Path) -> None:
    response = _post(client_for(manager), project, "interview-1.vtt", samples.vtt_file(tmp_path),
                     **{"as": "prelabel", "model": "captions-2019", "mapping": '{"subtitles": {"track": "words"}}'})
    assert response.status_code == 201, response.content
    prediction = Prediction.objects.get()
    assert (prediction.task_id, prediction.model, prediction.model_version) == (tasks[0].pk, "captions-2019", "import")
    source = {"model": "captions-2019", "version": "import"}
    assert prediction.result == {"regions": [
        {"id": "imp1", "track": "words", "start_ms": 1000, "end_ms": 2500, "text": "Hello there.", "source": source},
        {"id": "imp2", "track": "words", "start_ms": 3250, "end_ms": 4000, "text": "General Kenobi.", "source": source},
    ]}
    assert Annotation.objects.count() == 0


def test_a_label_studio_export_imports_labels_and_transcription_on_the_uploaded_media(
        project: Project, manager: Any, annotator_b: Any, client_for: Any, tasks: tuple[Task, Task]) -> None:
    mapping = '{"label": {"track": "speech", "labels": {"Speech": "speech", "Music": "music"}}, ' \
              '"transcription": {"track": "words"}}'
    response = _post(client_for(manager), project, "project-3-at-2026.json", samples.labelstudio_export(),
                     **{"as": "human", "annotator": "annotator_b", "mapping": mapping})
    assert response.status_code == 201, response.content
    annotation = Annotation.objects.get()
    assert (annotation.task_id, annotation.annotator) == (tasks[0].pk, annotator_b)
    assert annotation.result == {"regions": [
        {"id": "imp1", "track": "speech", "label": "speech", "start_ms": 1000, "end_ms": 2500},
        {"id": "imp2", "track": "speech", "label": "music", "start_ms": 3000, "end_ms": 4200},
        {"id": "imp3", "track": "words", "start_ms": 1000, "end_ms": 2500, "text": "Hello there."},
    ]}


def test_tandems_own_jsonl_export_imports_by_external_id(
        project: Project, manager: Any, client_for: Any, tasks: tuple[Task, Task]) -> None:
    response = _post(client_for(manager), project, "export.jsonl", samples.native_jsonl("clip-2"),
                     **{"as": "prelabel", "model": "old-tandem"})
    assert response.status_code == 201, response.content
    prediction = Prediction.objects.get()
    source = {"model": "old-tandem", "version": "import"}
    assert prediction.task_id == tasks[1].pk
    assert prediction.result == {"regions": [
        {"id": "imp1", "track": "speech", "label": "speech", "start_ms": 1000, "end_ms": 2500, "source": source},
        {"id": "imp2", "track": "events", "label": "clap", "time_ms": 3200, "source": source},
    ]}


def test_a_human_import_without_a_named_annotator_keeps_the_files_annotators(
        project: Project, manager: Any, annotator_a: Any, client_for: Any, tasks: tuple[Task, Task]) -> None:
    client = client_for(manager)
    stranger = _post(client, project, "export.jsonl", samples.native_jsonl("clip-2"), **{"as": "human"})
    assert (stranger.status_code, stranger.json()["detail"]) == (400, (
        "export.jsonl, tier 'speech': is the work of 'ann_a', who is not a member of this project (by username or "
        "e-mail); add them, or choose whose work it is ('annotator')"))
    response = _post(client, project, "export.jsonl", samples.native_jsonl("clip-2", "annotator_a"), **{"as": "human"})
    assert response.status_code == 201, response.content
    annotation = Annotation.objects.get()
    assert (annotation.task_id, annotation.annotator, annotation.status) == (tasks[1].pk, annotator_a, "submitted")
    assert annotation.result == {"regions": [
        {"id": "imp1", "track": "speech", "label": "speech", "start_ms": 1000, "end_ms": 2500},
        {"id": "imp2", "track": "events", "label": "clap", "time_ms": 3200},
    ]}


@pytest.mark.parametrize(("name", "make", "fields", "detail"), [
    ("session.eaf", lambda d: samples.eaf_file(d, bad_label=True),
     {"as": "gold", "mapping": '{"speaker A": {"track": "speech"}, "gesture": {"track": "events"}}'},
     "session.eaf, tier 'speaker A', annotation a3: value 'singing' is not mapped to a label of track 'speech'"),
    ("interview-1.TextGrid", lambda d: samples.textgrid_file(d).replace(b"xmax = 4.25", b"xmax = 12.25"),
     {"as": "gold"},
     "interview-1.TextGrid, tier 'speech', annotation interval 2: 'end_ms' 12250 ms is past the item's end (10000 ms)"),
    ("broken.eaf", lambda d: b"<ANNOTATION_DOCUMENT><oops", {"as": "gold"}, None),
])
def test_a_bad_file_is_refused_by_name_and_nothing_is_written(
        project: Project, manager: Any, client_for: Any, tasks: tuple[Task, Task], tmp_path: Path,
        name: str, make: Any, fields: dict[str, str], detail: str | None) -> None:
    # The second item gets a good file in the same request: it must not be written either.
    good = SimpleUploadedFile("export.jsonl", samples.native_jsonl("clip-2"))
    response = client_for(manager).post(f"/api/projects/{project.pk}/annotations/import/",
                                        {"file": [good, SimpleUploadedFile(name, make(tmp_path))], **fields},
                                        format="multipart")
    assert response.status_code == 400, response.content
    if detail is None:
        assert response.json()["detail"].startswith("broken.eaf: not a readable ELAN file")
        assert response.json()["file"] == "broken.eaf"
    else:
        assert response.json()["detail"] == detail
    assert (Annotation.objects.count(), Prediction.objects.count()) == (0, 0)
    assert not AuditEvent.objects.filter(action__in=["annotations.import", "gold.write"]).exists()
    assert set(Task.objects.values_list("status", flat=True)) == {"open"}


def test_only_managers_import(project: Project, annotator_a: Any, reviewer: Any, client_for: Any, tmp_path: Path) -> None:
    for user in (annotator_a, reviewer):
        response = _post(client_for(user), project, "interview-1.vtt", samples.vtt_file(tmp_path), "?dry_run=1")
        assert response.status_code == 403


def test_a_human_import_needs_a_member_annotator(project: Project, manager: Any, outsider: Any, client_for: Any,
                                                 tasks: tuple[Task, Task], tmp_path: Path) -> None:
    response = _post(client_for(manager), project, "interview-1.TextGrid", samples.textgrid_file(tmp_path),
                     **{"as": "human", "annotator": "outsider"})
    assert (response.status_code, response.json()["detail"]) == (
        400, "'outsider' is not a member of this project; add them first.")


@pytest.mark.parametrize(("fields", "status", "detail"), [
    ({"as": "human"}, 400, "interview-1.TextGrid, tier 'speech': names no annotator: choose whose work it is "
                           "('annotator')"),
    ({"as": "prelabel"}, 400, "A pre-label import needs a model name of 1-64 characters ('model')."),
    ({"as": "silver"}, 400, "'as' must be one of prelabel, human, gold."),
    ({"as": "gold", "mapping": "{speech"}, 400,
     "'mapping' is not valid JSON: Expecting property name enclosed in double quotes at character 1."),
    ({"as": "gold", "mapping": '{"speech": {"track": "nope"}}'}, 400,
     "interview-1.TextGrid, tier 'speech': is mapped to track 'nope', which the project does not have"),
    ({"as": "gold", "mapping": '{"speech": null, "events": null}'}, 400,
     "Nothing to import: no region of the file is mapped to a track of the project."),
])
def test_bad_fields_get_a_clear_400_and_write_nothing(project: Project, manager: Any, client_for: Any,
                                                       tasks: tuple[Task, Task], tmp_path: Path,
                                                       fields: dict[str, str], status: int, detail: str) -> None:
    response = _post(client_for(manager), project, "interview-1.TextGrid", samples.textgrid_file(tmp_path), **fields)
    assert (response.status_code, response.json()["detail"]) == (status, detail)
    assert (Annotation.objects.count(), Prediction.objects.count()) == (0, 0)


def test_a_json_body_is_not_an_upload(project: Project, manager: Any, client_for: Any) -> None:
    response = client_for(manager).post(f"/api/projects/{project.pk}/annotations/import/", {"as": "gold"},
                                        format="json")
    assert response.status_code == 415


def test_imported_human_work_fills_the_overlap_and_is_not_imported_twice(
        project: Project, manager: Any, annotator_a: Any, annotator_b: Any, client_for: Any,
        tasks: tuple[Task, Task]) -> None:
    client = client_for(manager)
    for name in ("annotator_a", "annotator_b"):  # overlap 2
        response = _post(client, project, "export.jsonl", samples.native_jsonl("clip-2"), annotator=name,
                         **{"as": "human"})
        assert response.status_code == 201, response.content
    task = Task.objects.get(pk=tasks[1].pk)
    assert (task.submitted_count, task.status) == (2, "complete")
    project.refresh_from_db()
    assert (project.annotation_count, project.completed_count) == (2, 1)
    again = _post(client, project, "export.jsonl", samples.native_jsonl("clip-2"), annotator="annotator_a",
                  **{"as": "human"})
    assert (again.status_code, again.json()["detail"]) == (
        400, "'annotator_a' already has an annotation on item 'clip-2'; nothing was imported.")
    assert Annotation.objects.count() == 2
