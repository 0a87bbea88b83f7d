"""Resumable chunked uploads: append at the server's offset, resume after a break, finish into an asset."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

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


def _stored_chunks(upload_id: str) -> list[str]:
    """The chunk objects an upload has in the default storage."""
    try:
        return list(default_storage.listdir(f"uploads/chunks/{upload_id}/")[1])
    except FileNotFoundError:
        return []


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
    # The chunks were objects of the default storage, deleted once the asset was committed.
    assert Upload.objects.get().temp_path == f"uploads/chunks/{upload['id']}/"
    assert _stored_chunks(upload["id"]) == []
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


def test_a_chunk_the_storage_cannot_hold_gets_507_and_the_upload_resumes_from_the_same_offset(
        project, manager, client_for, wav: bytes, monkeypatch) -> None:
    import errno

    client = client_for(manager)
    upload = _start(client, project, len(wav))
    assert _patch(client, upload["url"], 0, wav[:1000]).status_code == 200
    storage = type(default_storage._wrapped)

    def full(self: Any, name: str, content: Any) -> str:
        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.read(10))  # a part of the chunk reaches the disk, then it is full
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(storage, "_save", full)
        answer = _patch(client, upload["url"], 1000, wav[1000:])
    assert answer.status_code == 507
    assert answer.json()["offset"] == 1000
    assert client.get(upload["url"]).json()["offset"] == 1000
    # Nothing of the refused chunk is kept: the first chunk alone is in storage.
    assert _stored_chunks(upload["id"]) == [f"{0:016d}"]
    done = _patch(client, upload["url"], 1000, wav[1000:])
    assert done.status_code == 200
    import hashlib

    assert Asset.objects.get(pk=done.json()["asset"]["id"]).sha256 == hashlib.sha256(wav).hexdigest()


def test_a_short_body_is_refused_with_the_offset_and_nothing_is_kept(project, manager, client_for, wav: bytes) -> None:
    from annotation.api import uploads as view

    client = client_for(manager)
    upload = _start(client, project, len(wav))
    short = iter([wav[:500]])  # the connection broke after 500 of the 1000 bytes announced
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(view, "_body", lambda request, length: short)
        answer = _patch(client, upload["url"], 0, wav[:1000])
    assert (answer.status_code, answer.json()["offset"]) == (400, 0)
    assert client.get(upload["url"]).json()["offset"] == 0
    assert _stored_chunks(upload["id"]) == []


def test_the_sweep_forgets_uploads_left_unfinished_for_a_week_with_their_chunks(
        project, manager, client_for, wav: bytes) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from datasets.services.uploads import uploads_sweep

    client = client_for(manager)
    old, recent, done = (_start(client, project, len(wav)) for _ in range(3))
    for upload in (old, recent):
        assert _patch(client, upload["url"], 0, wav[:1000]).status_code == 200
    assert _patch(client, done["url"], 0, wav).status_code == 200
    default_storage.save(f"uploads/chunks/{done['id']}/{0:016d}", ContentFile(b"left behind"))
    Upload.objects.filter(pk=old["id"]).update(updated_at=timezone.now() - timedelta(days=7, seconds=1))
    Upload.objects.filter(pk=recent["id"]).update(updated_at=timezone.now() - timedelta(days=6, hours=23))

    assert uploads_sweep() == 2  # the old upload's folder, and what the finished one left
    assert uploads_sweep() == 0
    assert sorted(str(pk) for pk in Upload.objects.values_list("pk", flat=True)) == sorted([recent["id"], done["id"]])
    assert (_stored_chunks(old["id"]), _stored_chunks(recent["id"]), _stored_chunks(done["id"])) == (
        [], [f"{0:016d}"], [])
    assert client.get(old["url"]).status_code == 404  # the client starts that file again
    assert _patch(client, recent["url"], 1000, wav[1000:]).status_code == 200


def test_deleting_the_project_deletes_the_chunks_of_its_unfinished_uploads(
        project, manager, client_for, wav: bytes, eager: None, django_capture_on_commit_callbacks: Any) -> None:
    from annotation.services.projects import project_delete

    client = client_for(manager)
    upload = _start(client, project, len(wav))
    assert _patch(client, upload["url"], 0, wav[:1000]).status_code == 200
    assert _stored_chunks(upload["id"]) == [f"{0:016d}"]
    with django_capture_on_commit_callbacks(execute=True):
        project_delete(project=project, user=manager)
    assert (_stored_chunks(upload["id"]), Upload.objects.count()) == ([], 0)


def test_beat_runs_the_upload_sweep_hourly(settings) -> None:
    from datasets.tasks import sweep_uploads

    assert settings.CELERY_BEAT_SCHEDULE["sweep-uploads"] == {"task": sweep_uploads.name, "schedule": 3600.0}
    assert sweep_uploads() == {"upload_folders": 0, "previews": 0}


def test_a_chunk_lost_from_storage_fails_the_last_chunk_with_503_and_nothing_is_created(
        project, manager, client_for, wav: bytes) -> None:
    client = client_for(manager)
    upload = _start(client, project, len(wav))
    for offset in (0, 1000):
        assert _patch(client, upload["url"], offset, wav[offset:offset + 1000]).status_code == 200
    default_storage.delete(f"uploads/chunks/{upload['id']}/{1000:016d}")
    answer = _patch(client, upload["url"], 2000, wav[2000:])
    assert answer.status_code == 503
    assert answer.json() == {"detail": "Storage does not hold bytes 1000 to 2000 of this upload as they were sent; "
                                       "start the upload again."}
    assert (client.get(upload["url"]).json()["offset"], Asset.objects.count()) == (2000, 0)
