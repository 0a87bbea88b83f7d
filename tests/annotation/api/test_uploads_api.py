"""Resumable chunked uploads: append at the server's offset, resume after a break, finish into an asset."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from datasets.models import Asset, Upload

pytestmark = pytest.mark.django_db
RAW = "application/offset+octet-stream"


@pytest.fixture
def wav(tmp_path: Path) -> bytes:
    path = tmp_path / "a.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
                    "-ar", "16000", str(path)], check=True)
    return path.read_bytes()


def _start(client: Any, project: Any, size: int, name: str = "long recording.wav") -> dict[str, Any]:
    response = client.post(f"/api/projects/{project.pk}/uploads/", {"filename": name, "size": size}, format="json")
    assert response.status_code == 201, response.content
    return dict(response.json())


def _patch(client: Any, url: str, offset: int, chunk: bytes) -> Any:
    return client.generic("PATCH", url, chunk, content_type=RAW, HTTP_UPLOAD_OFFSET=str(offset))


def test_chunks_appended_in_order_become_an_asset(project, manager, client_for, wav: bytes,
                                                  django_capture_on_commit_callbacks: Any, monkeypatch: Any) -> None:
    from common import dispatch

    queued: list[tuple[Any, ...]] = []
    monkeypatch.setattr(dispatch, "enqueue", lambda name, *args: queued.append((name, *args)))
    client = client_for(manager)
    upload = _start(client, project, len(wav))
    assert (upload["offset"], upload["asset"]) == (0, None)
    step = len(wav) // 3 + 1
    for offset in range(0, len(wav), step):
        with django_capture_on_commit_callbacks(execute=True):
            response = _patch(client, upload["url"], offset, wav[offset:offset + step])
        assert response.status_code == 200, response.content
        assert response["Upload-Offset"] == str(min(offset + step, len(wav)))
    asset = response.json()["asset"]
    assert (asset["kind"], asset["size"], asset["status"]) == ("audio", len(wav), "pending")
    stored = Asset.objects.get(pk=asset["id"])
    import hashlib

    assert stored.sha256 == hashlib.sha256(wav).hexdigest()
    assert not Path(Upload.objects.get().temp_path).exists()
    assert queued == [("datasets.tasks.process_asset", asset["id"])]


def test_a_wrong_offset_gets_409_with_the_offset_to_resume_from(project, manager, client_for, wav: bytes) -> None:
    client = client_for(manager)
    upload = _start(client, project, len(wav))
    assert _patch(client, upload["url"], 0, wav[:1000]).status_code == 200
    stale = _patch(client, upload["url"], 0, wav[:1000])  # a retry of a chunk that did arrive
    assert stale.status_code == 409
    assert stale.json()["offset"] == 1000
    status = client.get(upload["url"])
    assert (status.json()["offset"], status["Upload-Offset"]) == (1000, "1000")
    assert _patch(client, upload["url"], 1000, wav[1000:]).status_code == 200
    assert Asset.objects.count() == 1


def test_a_chunk_past_the_declared_size_is_refused_and_nothing_is_kept(project, manager, client_for, wav: bytes) -> None:
    client = client_for(manager)
    upload = _start(client, project, 100)
    response = _patch(client, upload["url"], 0, wav[:200])
    assert response.status_code == 400
    assert client.get(upload["url"]).json()["offset"] == 0
    assert Asset.objects.count() == 0


def test_a_finished_upload_of_unreadable_bytes_gets_415(project, manager, client_for) -> None:
    client = client_for(manager)
    junk = b"\x00\x01\x02junk" * 50
    upload = _start(client, project, len(junk), "movie.mp4")
    assert _patch(client, upload["url"], 0, junk).status_code == 415
    assert Asset.objects.count() == 0


def test_an_upload_over_the_size_limit_is_refused_at_the_start(project, manager, client_for, settings) -> None:
    settings.TANDEM_MAX_UPLOAD_BYTES = 1000
    response = client_for(manager).post(f"/api/projects/{project.pk}/uploads/", {"filename": "x.wav", "size": 1001},
                                        format="json")
    assert response.status_code == 413
    assert Upload.objects.count() == 0


def test_only_managers_of_the_project_upload(project, manager, reviewer, outsider, client_for, wav: bytes) -> None:
    body = {"filename": "a.wav", "size": 10}
    assert client_for(reviewer).post(f"/api/projects/{project.pk}/uploads/", body, format="json").status_code == 403
    assert client_for(outsider).post(f"/api/projects/{project.pk}/uploads/", body, format="json").status_code == 404
    upload = _start(client_for(manager), project, len(wav))
    assert _patch(client_for(outsider), upload["url"], 0, wav[:10]).status_code == 404
    assert _patch(client_for(reviewer), upload["url"], 0, wav[:10]).status_code == 403
    assert client_for(manager).get(upload["url"]).json()["offset"] == 0


def test_the_asset_of_a_finished_upload_can_be_imported_as_an_item(project, manager, client_for, wav: bytes) -> None:
    client = client_for(manager)
    upload = _start(client, project, len(wav))
    asset_id = _patch(client, upload["url"], 0, wav).json()["asset"]["id"]
    response = client.post(f"/api/projects/{project.pk}/import/",
                           [{"external_id": "long", "streams": [{"role": "mic", "asset": asset_id},
                                                                {"role": "transcript", "text": "Hi."}]}], format="json")
    assert response.status_code == 201
    assert response.json()["items"] == 1


def test_a_chunk_the_disk_cannot_hold_gets_507_and_the_upload_resumes_from_the_same_offset(
        project, manager, client_for, wav: bytes, monkeypatch) -> None:
    import builtins
    import errno

    client = client_for(manager)
    upload = _start(client, project, len(wav))
    assert _patch(client, upload["url"], 0, wav[:1000]).status_code == 200
    real_open = builtins.open

    class Full:
        def __init__(self, fh: Any) -> None:
            self.fh = fh

        def __enter__(self) -> Any:
            return self

        def __exit__(self, *exc: object) -> None:
            self.fh.close()

        def seek(self, pos: int) -> None:
            self.fh.seek(pos)

        def truncate(self) -> None:
            self.fh.truncate()

        def write(self, chunk: bytes) -> None:
            self.fh.write(chunk[:10])
            raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(builtins, "open", lambda path, mode="r", *a, **k: Full(real_open(path, mode, *a, **k))
                      if str(path).endswith(".part") and mode == "r+b" else real_open(path, mode, *a, **k))
        full = _patch(client, upload["url"], 1000, wav[1000:])
    assert full.status_code == 507
    assert full.json()["offset"] == 1000
    assert Path(Upload.objects.get().temp_path).stat().st_size == 1000
    assert _patch(client, upload["url"], 1000, wav[1000:]).status_code == 200
