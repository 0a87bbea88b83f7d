"""Storage failing while an upload is written: a clear error, no Asset row, no partial file left as complete."""

from __future__ import annotations

import errno
import hashlib
import os
import struct
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile

from datasets.models import Asset, Item

pytestmark = pytest.mark.django_db


def _wav(seconds: int = 2, rate: int = 16000) -> bytes:
    samples = b"".join(struct.pack("<h", 6000 if (i // 16) % 2 else -6000) for i in range(rate * seconds))
    fmt = struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    return b"RIFF" + struct.pack("<I", 36 + len(samples)) + b"WAVE" + b"fmt " + fmt + b"data" + struct.pack("<I", len(samples)) + samples


@pytest.fixture
def project(project: Any) -> Any:
    """The shared project with its span track tied to no stream role: these tests import bare media
    files, which a schema naming a ``transcript`` role would refuse (see check_stream_roles)."""
    schema = {"tracks": [{k: v for k, v in t.items() if k != "stream"} for t in project.schema["tracks"]]}
    type(project).objects.filter(pk=project.pk).update(schema=schema)
    project.schema = schema
    return project


def _import(client: Any, project: Any, data: bytes) -> Any:
    client.raise_request_exception = False
    return client.post(f"/api/projects/{project.pk}/import/", {"files": [SimpleUploadedFile("take.wav", data)]},
                       format="multipart")


class _DiskFillsUp:
    """A file object that accepts ``room`` bytes and then fails the way a full disk does."""

    def __init__(self, real: Any, room: int) -> None:
        self.real, self.room = real, room

    def write(self, chunk: bytes) -> int:
        if len(chunk) > self.room:
            self.real.write(chunk[: self.room])
            self.room = 0
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(chunk)
        return int(self.real.write(chunk))

    def close(self) -> None:
        self.real.close()


def test_a_storage_save_that_raises_oserror_gets_a_clear_status_and_leaves_nothing(stored_files: Any,
        project: Any, manager: Any, client_for: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: FileSystemStorage, name: str, content: Any) -> str:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(FileSystemStorage, "_save", refuse)
    response = _import(client_for(manager), project, _wav())
    assert (Asset.objects.count(), Item.objects.count()) == (0, 0)
    assert stored_files() == []
    assert response.status_code == 503  # an I/O error: storage unavailable, try again
    assert response.json() == {"detail": "Storage could not write the file (Input/output error); nothing was kept. "
                                         "Try again."}


def test_a_disk_full_mid_write_leaves_no_partial_file(stored_files: Any, project: Any, manager: Any, client_for: Any,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda fd, mode="r", *a, **k: _DiskFillsUp(real_fdopen(fd, mode, *a, **k), 20_000)
                        if mode == "wb" else real_fdopen(fd, mode, *a, **k))
    response = _import(client_for(manager), project, _wav())
    assert (Asset.objects.count(), Item.objects.count()) == (0, 0)
    assert stored_files() == []
    assert response.status_code == 507  # ENOSPC: the disk is full
    assert response.json() == {"detail": "Storage is full: the file was not kept. Try again once space is freed."}


def test_the_same_upload_after_a_disk_full_failure_is_stored_whole(project: Any, manager: Any, client_for: Any,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    data = _wav()
    real_fdopen = os.fdopen
    with monkeypatch.context() as patch:
        patch.setattr(os, "fdopen", lambda fd, mode="r", *a, **k: _DiskFillsUp(real_fdopen(fd, mode, *a, **k), 20_000)
                      if mode == "wb" else real_fdopen(fd, mode, *a, **k))
        _import(client_for(manager), project, data)
    response = _import(client_for(manager), project, data)
    assert response.status_code == 201
    asset = Asset.objects.get()
    stored = (Path(settings.MEDIA_ROOT) / asset.storage_key).read_bytes()
    assert (len(stored), hashlib.sha256(stored).hexdigest()) == (len(data), asset.sha256)
