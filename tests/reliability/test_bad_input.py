"""Hostile and broken input: each gets its clear status, nothing is half-created, nothing runs as script."""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from annotation.models import Annotation, AnnotationRevision, Project, Task
from datasets.models import Asset, DerivedMedia, Item
from datasets.tasks import process_asset

pytestmark = pytest.mark.django_db
SCRIPT = "<script>alert(1)</script>"


def _counts() -> tuple[int, int, int]:
    return Item.objects.count(), Task.objects.count(), Asset.objects.count()


@pytest.fixture
def project(project: Any) -> Any:
    """The shared project with its span track tied to no stream role: these tests import bare media
    files, which a schema naming a ``transcript`` role would refuse (see check_stream_roles)."""
    schema = {"tracks": [{k: v for k, v in t.items() if k != "stream"} for t in project.schema["tracks"]]}
    type(project).objects.filter(pk=project.pk).update(schema=schema)
    project.schema = schema
    return project


def _import_files(client: Any, project: Project, *uploads: SimpleUploadedFile, manifest: bytes | None = None) -> Any:
    data: dict[str, Any] = {"files": list(uploads)}
    if manifest is not None:
        data["manifest"] = SimpleUploadedFile("m.jsonl", manifest)
    return client.post(f"/api/projects/{project.pk}/import/", data, format="multipart")


def _mp4(path: Path, seconds: int = 2) -> bytes:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size=160x120:rate=25:duration={seconds}",
                    "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:v", "libx264", "-preset", "ultrafast",
                    "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)], check=True)
    return path.read_bytes()


def _wav_claiming(hours: int, seconds_of_data: int, rate: int = 16000) -> bytes:
    """16-bit mono PCM whose RIFF and data sizes claim ``hours`` but which holds ``seconds_of_data`` of a tone."""
    claimed = hours * 3600 * rate * 2
    samples = b"".join(struct.pack("<h", int(8000 * ((i // 20) % 2 * 2 - 1))) for i in range(rate * seconds_of_data))
    header = b"RIFF" + struct.pack("<I", 36 + claimed) + b"WAVE" + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    return header + b"data" + struct.pack("<I", claimed) + samples


def test_random_bytes_named_mp4_get_415_and_nothing_is_stored(stored_files: Any, project: Project, manager: Any, client_for: Any) -> None:
    response = _import_files(client_for(manager), project, SimpleUploadedFile("clip.mp4", os.urandom(256 * 1024)))
    assert response.status_code == 415
    assert "'clip.mp4' is not a video, audio, image or UTF-8 text file" in response.json()["detail"]
    assert _counts() == (0, 0, 0)
    assert stored_files() == []


def test_an_empty_upload_gets_400_and_nothing_is_stored(stored_files: Any, project: Project, manager: Any, client_for: Any) -> None:
    response = _import_files(client_for(manager), project, SimpleUploadedFile("empty.wav", b""))
    assert response.status_code == 400
    assert response.json()["detail"] == "'empty.wav' is empty."
    assert _counts() == (0, 0, 0)
    assert stored_files() == []


def test_a_zip_bomb_uploaded_as_media_is_refused_unopened(stored_files: Any, project: Project, manager: Any, client_for: Any) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("video.mp4", b"\0" * (64 * 1024 * 1024))  # 64 MiB of zeros in about 64 KiB
    packed = buffer.getvalue()
    assert len(packed) < 128 * 1024
    response = _import_files(client_for(manager), project, SimpleUploadedFile("video.mp4", packed))
    assert response.status_code == 415
    assert _counts() == (0, 0, 0)
    assert stored_files() == []


def test_a_truncated_mp4_is_accepted_then_fails_with_a_message_and_no_artifact(
        project: Project, manager: Any, client_for: Any, tmp_path: Path) -> None:
    whole = _mp4(tmp_path / "whole.mp4")
    response = _import_files(client_for(manager), project, SimpleUploadedFile("cut.mp4", whole[: len(whole) // 2]))
    assert response.status_code == 201, response.content
    asset = Asset.objects.get()
    assert (asset.kind, asset.status) == ("video", "pending")
    assert process_asset(asset.pk) == "failed"
    asset.refresh_from_db()
    assert asset.status == "failed"
    assert asset.error != ""
    assert DerivedMedia.objects.count() == 0


def test_a_wav_header_claiming_ten_hours_over_one_second_of_data_fails_fast_saying_so(
        project: Project, manager: Any, client_for: Any) -> None:
    data = _wav_claiming(hours=10, seconds_of_data=1)
    response = _import_files(client_for(manager), project, SimpleUploadedFile("long.wav", data))
    assert response.status_code == 201, response.content
    asset = Asset.objects.get()
    assert asset.size == len(data) == 44 + 32000
    started = time.monotonic()
    outcome = process_asset(asset.pk)
    assert time.monotonic() - started < 10  # decoding stops where the data stops, not after 10 hours
    asset.refresh_from_db()
    assert (outcome, asset.status) == ("failed", "failed")
    assert asset.error == "truncated: decoding stopped at 1.0 s of 36000.0 s"
    assert DerivedMedia.objects.count() == 0


def test_path_traversal_in_upload_names_stays_inside_the_storage_root(stored_files: Any,
        project: Project, manager: Any, client_for: Any, tmp_path: Path) -> None:
    data = _wav_claiming(hours=0, seconds_of_data=1)[:44] + b"\0\0" * 100  # tiny valid-looking WAV
    data = data[:4] + struct.pack("<I", len(data) - 8) + data[8:40] + struct.pack("<I", len(data) - 44) + data[44:]
    names = ["../../../../tmp/evil.wav", "..\\..\\evil.wav", "/etc/passwd.wav", "a/../../b.wav"]
    response = _import_files(client_for(manager), project, *(SimpleUploadedFile(n, data) for n in names))
    assert response.status_code == 201, response.content
    root = Path(settings.MEDIA_ROOT).resolve()
    for asset in Asset.objects.all():
        assert ".." not in asset.storage_key.split("/")
        assert asset.storage_key.startswith(f"datasets/{project.dataset_id}/assets/")
        assert (root / asset.storage_key).resolve().is_relative_to(root)
    assert not Path("/tmp/evil.wav").exists()
    assert all(".." not in part for f in stored_files() for part in f.split("/"))


@pytest.mark.parametrize(("key", "refusal"), [
    ("../../etc/passwd", "Invalid storage key"), ("/etc/passwd", "Invalid storage key"),
    ("datasets/../../../etc/passwd", "Invalid storage key"), ("a//b", "Invalid storage key"),
    ("..\\..\\windows\\win.ini", "Invalid storage key"),
    ("ok/name\u0000.mp4", "NUL characters"),  # refused when the manifest line is parsed
])
def test_path_traversal_in_manifest_storage_keys_gets_400_and_creates_nothing(
        project: Project, manager: Any, client_for: Any, key: str, refusal: str) -> None:
    line = json.dumps({"streams": [{"role": "video", "key": key}]})
    response = _import_files(client_for(manager), project, manifest=line.encode())
    assert response.status_code == 400
    assert refusal in response.json()["detail"]
    assert _counts() == (0, 0, 0)


def test_invalid_utf8_in_a_manifest_gets_400_naming_the_byte(project: Project, manager: Any, client_for: Any) -> None:
    line = b'{"streams": [{"role": "t", "text": "caf\xe9"}]}'
    response = _import_files(client_for(manager), project, manifest=line)
    assert response.status_code == 400
    bad_byte = line.index(bytes([0xE9]))
    assert response.json()["detail"] == f"Manifest is not UTF-8 (byte {bad_byte})."
    assert _counts() == (0, 0, 0)


def test_an_uploaded_transcript_with_invalid_utf8_gets_415(stored_files: Any, project: Project, manager: Any, client_for: Any) -> None:
    text = ("Hello there, " * 20).encode() + b"\xc3\x28 broken"
    response = _import_files(client_for(manager), project, SimpleUploadedFile("transcript.txt", text))
    assert response.status_code == 415
    assert _counts() == (0, 0, 0)
    assert stored_files() == []


def test_a_json_body_over_the_limit_gets_413_and_changes_nothing(project: Project, annotator_a: Any, client_for: Any,
                                                                  make_items: Any) -> None:
    (task,) = make_items(project, 1)
    client = client_for(annotator_a)
    assert client.post(f"/api/projects/{project.pk}/next/").status_code == 200
    annotation = client.post(f"/api/tasks/{task.pk}/annotations/", {}, format="json").json()
    padding = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    body = json.dumps({"version": 1, "result": {"regions": [], "note": padding}})
    response = client.generic("PUT", f"/api/annotations/{annotation['id']}/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["detail"] == "Request body too large."
    assert Annotation.objects.get().version == 1
    assert AnnotationRevision.objects.count() == 1


@pytest.mark.parametrize("depth", [100_000, 5_000])
def test_deeply_nested_json_in_a_result_gets_400_not_500(project: Project, annotator_a: Any, client_for: Any,
                                                         make_items: Any, depth: int) -> None:
    (task,) = make_items(project, 1)
    client = client_for(annotator_a)
    client.raise_request_exception = False
    assert client.post(f"/api/projects/{project.pk}/next/").status_code == 200
    annotation = client.post(f"/api/tasks/{task.pk}/annotations/", {}, format="json").json()
    nested = "[" * depth + "]" * depth
    body = '{"version": 1, "result": {"regions": [], "deep": ' + nested + "}}"
    response = client.generic("PUT", f"/api/annotations/{annotation['id']}/", body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert Annotation.objects.get().version == 1


def test_script_tags_are_stored_as_text_and_rendered_escaped(project: Project, manager: Any, annotator_a: Any,
                                                             client_for: Any) -> None:
    from django.test import Client

    api = client_for(manager)
    bad_track = {"tracks": [{"name": SCRIPT, "kind": "segment", "labels": [{"value": "x"}]}]}
    refused = api.post("/api/projects/", {"name": "p", "schema": bad_track, "overlap": 1}, format="json")
    assert (refused.status_code, refused.json()["field"]) == (400, "schema.tracks[0].name")
    schema = {"tracks": [{"name": "speech", "kind": "segment", "labels": [{"value": SCRIPT, "hotkey": "1"}]},
                         {"name": "words", "kind": "transcript"}]}
    created = api.post("/api/projects/", {"name": SCRIPT, "instructions": SCRIPT, "schema": schema, "overlap": 1},
                       format="json")
    assert created.status_code == 201, created.content
    pid = created.json()["id"]
    assert created.json()["schema"]["tracks"][0]["labels"][0]["value"] == SCRIPT
    assert api.post(f"/api/projects/{pid}/members/", {"username": annotator_a.username, "role": "annotator"},
                    format="json").status_code == 201
    items = [{"external_id": SCRIPT, "duration_ms": 10_000, "streams": [{"role": "transcript", "text": f"said {SCRIPT} twice"}]}]
    assert api.post(f"/api/projects/{pid}/import/", {"items": items}, format="json").status_code == 201
    task = Task.objects.get(project_id=pid)
    region = {"id": "r1", "track": "words", "start_ms": 0, "end_ms": 500, "text": SCRIPT}
    ann = client_for(annotator_a)
    assert ann.post(f"/api/projects/{pid}/next/").status_code == 200
    draft = ann.post(f"/api/tasks/{task.pk}/annotations/", {"result": {"regions": [region]}}, format="json")
    assert draft.status_code == 201
    assert draft.json()["result"]["regions"][0]["text"] == SCRIPT
    detail = api.get(f"/api/tasks/{task.pk}/").json()
    assert detail["item"]["external_id"] == SCRIPT
    assert detail["item"]["streams"][0]["text"] == f"said {SCRIPT} twice"
    pages = {manager: [f"/projects/{pid}/", f"/tasks/{task.pk}/annotate/", f"/projects/{pid}/quality/", "/"],
             annotator_a: [f"/projects/{pid}/", f"/tasks/{task.pk}/annotate/", "/"]}
    for user, urls in pages.items():
        browser = Client()
        browser.force_login(user)
        for url in urls:
            response = browser.get(url)
            assert response.status_code == 200, url
            assert "<script>alert" not in response.content.decode(), url
    browser = Client()
    browser.force_login(manager)
    page = browser.get(f"/projects/{pid}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_nul_character_in_a_saved_result_gets_400(project: Project, annotator_a: Any, client_for: Any,
                                                    make_items: Any) -> None:
    (task,) = make_items(project, 1)
    client = client_for(annotator_a)
    client.raise_request_exception = False
    assert client.post(f"/api/projects/{project.pk}/next/").status_code == 200
    annotation = client.post(f"/api/tasks/{task.pk}/annotations/", {}, format="json").json()
    region = {"id": "r1", "track": "words", "start_ms": 0, "end_ms": 10, "text": "a\u0000b"}
    response = client.put(f"/api/annotations/{annotation['id']}/", {"version": 1, "result": {"regions": [region]}},
                          format="json")
    assert Annotation.objects.get().version == 1
    assert response.status_code == 400


@pytest.mark.parametrize("record", [
    pytest.param({"external_id": "a\u0000b", "streams": [{"role": "t", "text": "x"}]}, id="external_id"),
    pytest.param({"metadata": {"k": "a\u0000b"}, "streams": [{"role": "t", "text": "x"}]}, id="metadata"),
    pytest.param({"streams": [{"role": "t\u0000", "text": "x"}]}, id="role"),
])
def test_a_nul_character_in_a_manifest_record_gets_400_and_creates_nothing(
        project: Project, manager: Any, client_for: Any, record: dict[str, Any]) -> None:
    client = client_for(manager)
    client.raise_request_exception = False
    response = client.post(f"/api/projects/{project.pk}/import/", {"items": [record]}, format="json")
    assert _counts() == (0, 0, 0)
    assert response.status_code == 400


def test_a_nul_character_in_inline_text_gets_400(project: Project, manager: Any, client_for: Any) -> None:
    # Refused where the JSON is parsed, like a NUL anywhere else in a body.
    record = {"streams": [{"role": "t", "text": "x\u0000y"}]}
    response = client_for(manager).post(f"/api/projects/{project.pk}/import/", {"items": [record]}, format="json")
    assert response.status_code == 400
    assert "NUL characters" in response.json()["detail"]
    assert _counts() == (0, 0, 0)
