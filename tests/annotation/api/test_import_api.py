"""Import over REST: a JSONL manifest, multipart media, storage keys; bad input changes nothing."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotation.models import Project, Task
from datasets.models import Asset, Item

pytestmark = pytest.mark.django_db


def _wav(path: Path, seconds: float = 1.0) -> bytes:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
                    "-ar", "16000", str(path)], check=True)
    return path.read_bytes()


def test_a_jsonl_manifest_creates_items_tasks_and_provenance(project: Project, manager: Any, client_for: Any) -> None:
    lines = [
        {"external_id": "real-1", "duration_ms": 5000, "streams": [{"role": "transcript", "text": "Hello there."}]},
        {"external_id": "synth-1", "duration_ms": 5000, "streams": [{"role": "transcript", "text": "Hi."}],
         "provenance": {"kind": "synthetic", "generator": "tts-x", "version": "2.1", "parameters": {"voice": "en"}},
         "metadata": {"split": "train"}},
    ]
    manifest = SimpleUploadedFile("items.jsonl", "\n".join(json.dumps(x) for x in lines).encode(), "application/jsonl")
    response = client_for(manager).post(f"/api/projects/{project.pk}/import/", {"manifest": manifest}, format="multipart")
    assert response.status_code == 201, response.content
    assert (response.json()["items"], response.json()["tasks"]) == (2, 2)
    project.refresh_from_db()
    assert project.task_count == 2
    synth = Item.objects.get(external_id="synth-1")
    assert synth.provenance == {"kind": "synthetic", "generator": "tts-x", "version": "2.1", "parameters": {"voice": "en"}}
    listed = client_for(manager).get(f"/api/projects/{project.pk}/tasks/?provenance=synthetic").json()
    assert [t["external_id"] for t in listed["results"]] == ["synth-1"]
    assert Task.objects.get(item=synth).target_count == project.overlap


def test_multipart_media_is_stored_and_queued_with_its_sniffed_kind(project: Project, manager: Any, client_for: Any, tmp_path: Path) -> None:
    data = _wav(tmp_path / "a.wav")
    upload = SimpleUploadedFile("recording.mp4", data, "video/mp4")  # the name lies; the content decides
    # The schema's span track is drawn on the "transcript" role, so the item brings that stream too.
    manifest = json.dumps({"streams": [{"role": "media", "upload": "recording.mp4"}, {"role": "transcript", "text": "Hi."}]})
    response = client_for(manager).post(f"/api/projects/{project.pk}/import/", {"files": [upload], "manifest": manifest},
                                        format="multipart")
    assert response.status_code == 201, response.content
    asset = Asset.objects.get(original_name="recording.mp4")
    assert (asset.kind, asset.status, asset.size) == ("audio", "pending", len(data))
    assert asset.original_name == "recording.mp4"


@pytest.mark.parametrize(
    ("payload", "status", "needle"),
    [
        (b"", 400, "is empty"),
        (b"\x00\x01\x02garbage" * 100, 415, "not a video, audio, image or UTF-8 text"),
        ("caf\u00e9 ok".encode() + b"\xff\xfe bad", 415, "not a video, audio, image or UTF-8 text"),
    ],
)
def test_bad_uploads_get_a_clear_error_and_create_nothing(project: Project, manager: Any, client_for: Any,
                                                           payload: bytes, status: int, needle: str) -> None:
    upload = SimpleUploadedFile("x.wav", payload)
    response = client_for(manager).post(f"/api/projects/{project.pk}/import/", {"files": [upload]}, format="multipart")
    assert response.status_code == status
    assert needle in response.json()["detail"]
    assert (Item.objects.count(), Task.objects.count(), Asset.objects.count()) == (0, 0, 0)


def test_an_upload_over_the_size_limit_gets_413(project: Project, manager: Any, client_for: Any, settings: Any, tmp_path: Path) -> None:
    settings.TANDEM_MAX_UPLOAD_BYTES = 1000
    upload = SimpleUploadedFile("a.wav", _wav(tmp_path / "a.wav"))
    response = client_for(manager).post(f"/api/projects/{project.pk}/import/", {"files": [upload]}, format="multipart")
    assert response.status_code == 413
    assert Asset.objects.count() == 0


@pytest.mark.parametrize(
    ("lines", "needle"),
    [
        ('{"streams": []}', "line 1.streams: must be a non-empty list"),
        ('{"streams": [{"role": "a", "text": "x"}]}\n{not json', "line 2 is not valid JSON"),
        ('{"streams": [{"role": "a", "asset": 999999}]}', "no asset 999999 in this project"),
        ('{"streams": [{"role": "a", "key": "../../etc/passwd"}]}', "Invalid storage key"),
        ('{"streams": [{"role": "a", "text": "x", "offset_ms": 1.5}]}', "offset_ms: must be an integer"),
        ('{"streams": [{"role": "a", "text": "x"}], "provenance": {"kind": "synthetic"}}', "name their 'generator'"),
    ],
)
def test_a_bad_manifest_line_gets_400_naming_it_and_creates_nothing(project: Project, manager: Any, client_for: Any,
                                                                     lines: str, needle: str) -> None:
    manifest = SimpleUploadedFile("m.jsonl", lines.encode())
    response = client_for(manager).post(f"/api/projects/{project.pk}/import/", {"manifest": manifest}, format="multipart")
    assert response.status_code == 400
    assert needle in response.json()["detail"]
    assert (Item.objects.count(), Task.objects.count()) == (0, 0)


def test_openapi_schema_is_served_and_names_the_contract_paths(manager: Any, client_for: Any) -> None:
    response = client_for(manager).get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    for path in ("/api/auth/token/", "/api/projects/{id}/import/", "/api/projects/{id}/next/",
                 "/api/annotations/{id}/", "/api/assets/{id}/waveform/", "/api/assets/{id}/media"):
        assert path in paths, path


def test_token_auth_round_trip(manager: Any) -> None:
    from rest_framework.test import APIClient

    client = APIClient()
    bad = client.post("/api/auth/token/", {"username": "manager", "password": "wrong"}, format="json")
    assert bad.status_code == 400
    token = client.post("/api/auth/token/", {"username": "manager", "password": "manager-pass-123"}, format="json").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/projects/").status_code == 200
    assert client.delete("/api/auth/token/revoke/").status_code == 204
    assert client.get("/api/projects/").status_code == 401


def test_an_item_without_a_stream_role_the_schema_names_is_refused_naming_the_role(
        project: Project, manager: Any, client_for: Any, tmp_path: Path) -> None:
    upload = SimpleUploadedFile("recording.wav", _wav(tmp_path / "a.wav"))
    response = client_for(manager).post(f"/api/projects/{project.pk}/import/", {"files": [upload]}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Item 'recording.wav' has no stream with role 'transcript', which track 'entities' of the schema "
                  "is drawn on (its streams: media).",
        "field": "items[0].streams", "missing_role": "transcript"}
    lines = [{"external_id": "ok", "streams": [{"role": "transcript", "text": "Hi."}]},
             {"external_id": "wrong-role", "streams": [{"role": "text", "text": "Hi."}]}]
    response = client_for(manager).post(f"/api/projects/{project.pk}/import/", lines, format="json")
    assert (response.status_code, response.json()["missing_role"], response.json()["field"]) == (400, "transcript",
                                                                                              "items[1].streams")
    assert "Item 'wrong-role' has no stream with role 'transcript'" in response.json()["detail"]
    assert (Item.objects.count(), Task.objects.count(), Asset.objects.count()) == (0, 0, 0)


def test_an_uploaded_file_takes_the_one_role_its_kind_fits(manager: Any, client_for: Any, tmp_path: Path) -> None:
    from annotation.services.projects import project_create

    schema = {"tracks": [{"name": "speech", "kind": "segment", "stream": "mic", "labels": [{"value": "speech"}]}]}
    project = project_create(user=manager, name="Audio only", schema=schema, overlap=1)
    upload = SimpleUploadedFile("recording.wav", _wav(tmp_path / "a.wav"))
    response = client_for(manager).post(f"/api/projects/{project.pk}/import/", {"files": [upload]}, format="multipart")
    assert response.status_code == 201, response.content
    assert list(Item.objects.get().streams.values_list("role", flat=True)) == ["mic"]
