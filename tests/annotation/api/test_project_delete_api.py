"""Deleting a project deletes its files: uploaded media, derived files no other asset shares, exports.

Two projects hold the same generated recording (so they share its content-addressed derived
files); the first also has a transcript and a release. Deleting the first leaves exactly the
second project's files, and the operator's import-source objects, in storage.
"""

from __future__ import annotations

import io
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from annotation.models import Job, Project
from annotation.services.exports import export_create
from annotation.services.imports import project_import
from annotation.services.projects import project_delete
from annotation.tasks.exports import run_export
from datasets.models import Asset, Dataset, DerivedMedia
from datasets.services.purge import storage_purge
from datasets.tasks import process_asset

pytestmark = pytest.mark.django_db


def _wav() -> bytes:
    """One second of a 440 Hz tone, 16 kHz mono."""
    samples = (np.sin(2 * np.pi * 440 * np.arange(16_000) / 16_000) * 12_000).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16_000)
        w.writeframes(samples.tobytes())
    return out.getvalue()


def _files() -> list[str]:
    base = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(base)) for p in base.rglob("*") if p.is_file())


def _folders() -> list[str]:
    base = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(base)) for p in base.rglob("*") if p.is_dir())


def _import(project: Project, user: Any, files: dict[str, bytes], keys: tuple[str, ...] = ()) -> list[Asset]:
    uploads = {name: SimpleUploadedFile(name, data) for name, data in files.items()}
    streams = [{"role": name.split(".")[0], "upload": name} for name in files]
    streams += [{"role": f"key{n}", "key": key} for n, key in enumerate(keys)]
    project_import(project=project, user=user, records=[{"streams": streams}], uploads=uploads)
    for asset in Asset.objects.filter(dataset=project.dataset, status="pending"):
        assert process_asset(asset.pk) == "ready"
    return list(Asset.objects.filter(dataset=project.dataset).order_by("id"))


def test_deleting_a_project_deletes_its_media_derived_files_and_exports_and_nothing_else(
        project: Project, other_project: Project, manager: Any, outsider: Any, client_for: Callable[[Any], Any],
        django_capture_on_commit_callbacks: Any, eager: None) -> None:
    recording = _wav()
    source = default_storage.save("imports/team-a/mic-2.wav", ContentFile(_wav()[:-3200]))
    project.dataset.import_source = "imports/team-a/"
    project.dataset.save()
    mine = _import(project, manager, {"mic.wav": recording, "notes.txt": b"Alice met Bob in Paris."}, keys=(source,))
    theirs = _import(other_project, outsider, {"mic.wav": recording, "theirs.txt": b"Someone else's words."})
    job = export_create(project=project, user=manager, data={"format": "jsonl", "release": "r1"})
    assert run_export(job.pk) == "succeeded"
    job.refresh_from_db()
    shared = DerivedMedia.objects.get(asset=mine[0]).storage_prefix
    only_mine = DerivedMedia.objects.get(asset=mine[2]).storage_prefix
    assert shared == DerivedMedia.objects.get(asset=theirs[0]).storage_prefix  # same bytes, same derived files
    assert only_mine.startswith(f"derived/{mine[2].sha256}/")
    before = _files()
    kept = sorted([a.storage_key for a in theirs] + [f for f in before if f.startswith(shared)] + [source])
    gone = sorted(set(before) - set(kept))
    assert sorted({f.split("/")[0] for f in gone}) == ["datasets", "derived", "exports"]
    assert {job.file_key, job.result["snapshot_key"], mine[0].storage_key, mine[1].storage_key} <= set(gone)
    assert any(f.startswith(only_mine) for f in gone)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(manager).delete(f"/api/projects/{project.pk}/")
    assert response.status_code == 204
    assert _files() == kept
    assert not Project.objects.filter(pk=project.pk).exists()
    assert not Dataset.objects.filter(pk=project.dataset_id).exists()
    assert not Job.objects.filter(pk=job.pk).exists()
    # no empty folders stay behind for the deleted project's areas
    assert [f for f in _folders() if f.startswith((f"datasets/{project.dataset_id}", f"exports/{project.pk}",
                                                     only_mine.rstrip("/")))] == []
    # the task is safe to run again: nothing left to delete, nothing else touched
    assert storage_purge([f"datasets/{project.dataset_id}/", f"exports/{project.pk}/", shared, only_mine]) == 0
    assert _files() == kept


def test_a_deletion_that_rolls_back_deletes_no_file(project: Project, manager: Any, eager: None,
                                                    django_capture_on_commit_callbacks: Any) -> None:
    _import(project, manager, {"notes.txt": b"Alice met Bob in Paris."})
    before, pk = _files(), project.pk

    class Abort(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Abort), transaction.atomic():
        project_delete(project=project, user=manager)
        raise Abort
    assert (callbacks, _files()) == ([], before)
    assert Project.objects.filter(pk=pk).exists()
