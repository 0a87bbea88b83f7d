"""Items created with their media: a zip of annotation files (written by pympi and praatio) and the
recordings they were made on makes the items that are not in the project yet; an item that would
lack a stream role the schema needs, or a bad region anywhere, stores and writes nothing."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from annotation.models import Annotation, Prediction, Project, Task
from annotation.services.projects import project_create
from datasets.models import Asset, Item, Stream
from tests.datasets.imports import samples

pytestmark = pytest.mark.django_db

AUDIO_SCHEMA = {"tracks": [
    {"name": "speech", "kind": "segment", "stream": "audio", "labels": [{"value": "speech"}, {"value": "music"}]},
    {"name": "events", "kind": "point", "stream": "audio", "labels": [{"value": "clap"}]},
]}
MAPPING = {"speaker A": {"track": "speech", "labels": {"Music": "music"}}, "gesture": {"track": "events"},
           "speech": {"track": "speech"}, "events": {"track": "events"}}


def _wav(folder: Path, name: str, hz: int) -> bytes:
    path = folder / name
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency={hz}:duration=1", "-ar",
                    "16000", str(path)], check=True)
    return path.read_bytes()


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.fixture
def audio_project(manager: Any) -> Project:
    return project_create(user=manager, name="Corpus", schema=AUDIO_SCHEMA, overlap=1)


@pytest.fixture
def corpus(tmp_path: Path) -> bytes:
    """session.eaf (linked to interview-9.wav), interview-9.TextGrid, interview-9.wav, and extra.wav that no file names."""
    return _zip({"corpus/session.eaf": samples.eaf_file(tmp_path, media="interview-9.wav"),
                 "corpus/interview-9.TextGrid": samples.textgrid_file(tmp_path, "interview-9.TextGrid"),
                 "corpus/media/interview-9.wav": _wav(tmp_path, "a.wav", 440),
                 "corpus/media/extra.wav": _wav(tmp_path, "b.wav", 220),
                 "corpus/README.txt": b"recorded in 2019\n"})


def _post(client: Any, project: Project, name: str, data: bytes, query: str = "", **fields: Any) -> Any:
    return client.post(f"/api/projects/{project.pk}/annotations/import/{query}",
                       {"file": SimpleUploadedFile(name, data), **fields}, format="multipart")


def _stored_files() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_media_in_the_zip_becomes_items_that_carry_the_imported_regions(
        audio_project: Project, manager: Any, client_for: Any, corpus: bytes) -> None:
    client = client_for(manager)
    dry = _post(client, audio_project, "corpus.zip", corpus, "?dry_run=1")
    assert dry.status_code == 200, dry.content
    assert dry.json()["items"] == {
        "matched": [], "unmatched": [],
        "new": [{"key": "interview-9.wav", "files": ["corpus.zip/corpus/media/interview-9.wav"]},
                {"key": "extra.wav", "files": ["corpus.zip/corpus/media/extra.wav"]}]}
    assert Item.objects.count() == 0  # a dry run makes nothing
    response = _post(client, audio_project, "corpus.zip", corpus, **{"as": "gold", "mapping": json.dumps(MAPPING)})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["items_created"], body["items_skipped"], body["tasks"], body["regions"]) == (2, 0, 1, 6)
    task = Task.objects.get(pk=body["created"]["interview-9.wav"])
    assert task.item.external_id == "interview-9.wav"
    assert [(s.role, s.asset.original_name, s.asset.kind) for s in Stream.objects.filter(item=task.item)] == [
        ("audio", "interview-9.wav", "audio")]
    assert Asset.objects.get(original_name="interview-9.wav").size == len(_wav(Path(settings.MEDIA_ROOT), "c.wav", 440))
    gold = Annotation.objects.get(kind="gold")
    assert gold.task_id == task.pk
    assert gold.result == {"regions": [
        {"id": "imp1", "track": "speech", "label": "speech", "start_ms": 1000, "end_ms": 2500},
        {"id": "imp2", "track": "speech", "label": "music", "start_ms": 3000, "end_ms": 4200},
        {"id": "imp3", "track": "events", "label": "clap", "time_ms": 1500},
        {"id": "imp4", "track": "speech", "label": "speech", "start_ms": 1000, "end_ms": 2500},
        {"id": "imp5", "track": "speech", "label": "music", "start_ms": 3000, "end_ms": 4250},
        {"id": "imp6", "track": "events", "label": "clap", "time_ms": 3200},
    ]}
    extra = Task.objects.get(pk=body["created"]["extra.wav"])
    assert (extra.status, Annotation.objects.filter(task=extra).count()) == ("open", 0)
    audio_project.refresh_from_db()
    assert audio_project.task_count == 2
    # imported again, the items are the project's now: matched, nothing new
    again = _post(client, audio_project, "corpus.zip", corpus, "?dry_run=1").json()["items"]
    assert (again["matched"], again["new"]) == ([{"key": "interview-9.wav", "task": task.pk},
                                                 {"key": "interview-9", "task": task.pk}], [])


def test_an_item_that_would_lack_a_role_of_the_schema_is_refused_before_anything_is_stored(
        project: Project, manager: Any, client_for: Any, corpus: bytes) -> None:
    # the shared test schema draws 'entities' on a 'transcript' stream, which a recording cannot be
    response = _post(client_for(manager), project, "corpus.zip", corpus,
                     **{"as": "prelabel", "model": "m", "mapping": json.dumps(MAPPING)})
    assert response.status_code == 400, response.content
    assert response.json()["detail"] == (
        "corpus.zip/corpus/media/interview-9.wav: Item 'interview-9.wav' has no stream with role 'transcript', which "
        "track 'entities' of the schema is drawn on (its streams: media).")
    assert response.json()["missing_role"] == "transcript"
    assert (Item.objects.count(), Asset.objects.count(), Prediction.objects.count()) == (0, 0, 0)
    assert _stored_files() == []


def test_a_bad_region_beside_new_media_stores_no_media(audio_project: Project, manager: Any, client_for: Any,
                                                       corpus: bytes) -> None:
    mapping = {**MAPPING, "speaker A": {"track": "speech", "labels": {"Music": "noise"}}}
    response = _post(client_for(manager), audio_project, "corpus.zip", corpus,
                     **{"as": "gold", "mapping": json.dumps(mapping)})
    assert (response.status_code, response.json()["detail"]) == (400, (
        "corpus.zip/corpus/session.eaf, tier 'speaker A', annotation a3: value 'Music' is mapped to 'noise', which is "
        "not a label of track 'speech'"))
    assert (Item.objects.count(), Asset.objects.count(), Annotation.objects.count()) == (0, 0, 0)
    assert _stored_files() == []


def test_an_item_nowhere_is_an_error_naming_the_file_or_left_out_when_asked(
        audio_project: Project, manager: Any, client_for: Any, tmp_path: Path) -> None:
    client = client_for(manager)
    upload = _zip({"interview-9.TextGrid": samples.textgrid_file(tmp_path, "interview-9.TextGrid"),
                   "interview-9.wav": _wav(tmp_path, "a.wav", 440),
                   "nobody.TextGrid": samples.textgrid_file(tmp_path, "nobody.TextGrid")})
    refused = _post(client, audio_project, "two.zip", upload, **{"as": "gold"})
    assert (refused.status_code, refused.json()["detail"]) == (400, (
        "two.zip/nobody.TextGrid, tier 'speech': item 'nobody' matches no item of the project by external id or media "
        "file name, and the upload holds no media file of that name ('unmatched': 'skip' leaves such items out)"))
    assert (Item.objects.count(), Annotation.objects.count()) == (0, 0)
    skipped = _post(client, audio_project, "two.zip", upload, **{"as": "gold", "unmatched": "skip"})
    assert skipped.status_code == 201, skipped.content
    body = skipped.json()
    assert (body["items_created"], body["items_skipped"], body["skipped"], body["regions"]) == (1, 1, ["nobody"], 3)
    assert Annotation.objects.get().task.item.external_id == "interview-9"


def test_a_media_file_sent_beside_the_annotation_file_makes_the_item(
        audio_project: Project, manager: Any, client_for: Any, tmp_path: Path) -> None:
    files = [SimpleUploadedFile("interview-9.TextGrid", samples.textgrid_file(tmp_path, "interview-9.TextGrid")),
             SimpleUploadedFile("interview-9.wav", _wav(tmp_path, "a.wav", 440))]
    response = client_for(manager).post(f"/api/projects/{audio_project.pk}/annotations/import/",
                                        {"file": files, "as": "prelabel", "model": "praat"}, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["created"] == {"interview-9": Task.objects.get().pk}
    assert [r["label"] for r in Prediction.objects.get().result["regions"]] == ["speech", "music", "clap"]


def test_an_elan_file_linking_a_video_and_a_recording_makes_one_item_of_both(
        manager: Any, client_for: Any, tmp_path: Path) -> None:
    import pympi

    project = project_create(user=manager, name="Sessions", overlap=1, schema={"tracks": [
        {"name": "speech", "kind": "segment", "stream": "audio", "labels": [{"value": "speech"}]},
        {"name": "faces", "kind": "box", "stream": "video", "labels": [{"value": "face"}]}]})
    video = tmp_path / "session-4.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=1",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(video)], check=True)
    eaf = pympi.Elan.Eaf(author="someone")
    eaf.add_linked_file("file:///data/session-4.mp4", mimetype="video/mp4")
    eaf.add_linked_file("file:///data/lapel-mic.wav", mimetype="audio/x-wav")
    eaf.remove_tier("default")
    eaf.add_tier("speech")
    eaf.add_annotation("speech", 200, 800, "speech")
    eaf.to_file(str(tmp_path / "s.eaf"))
    upload = _zip({"session-4.eaf": (tmp_path / "s.eaf").read_bytes(), "session-4.mp4": video.read_bytes(),
                   "lapel-mic.wav": _wav(tmp_path, "mic.wav", 330)})
    response = _post(client_for(manager), project, "session-4.zip", upload, **{"as": "prelabel", "model": "elan"})
    assert response.status_code == 201, response.content
    assert response.json()["created"] == {"session-4.mp4": Task.objects.get(project=project).pk}
    item = Item.objects.get()
    assert sorted((s.role, s.asset.original_name, s.asset.kind) for s in Stream.objects.filter(item=item)) == [
        ("audio", "lapel-mic.wav", "audio"), ("video", "session-4.mp4", "video")]
