"""Duplicate media at import: the same bytes, the same speech re-encoded or quieter, the same video at another size."""

from __future__ import annotations

import datetime as dt
import importlib
import shutil
import subprocess
from io import StringIO
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.core.management import call_command

from annotation.models import Project
from annotation.services.imports import project_import
from annotation.services.retention import retention_sweep
from datasets.media.fingerprint import NEAR_BITS, audio_fingerprint, hamming, video_fingerprint
from datasets.models import Asset
from datasets.services import duplicates
from datasets.services.assets import asset_create_from_file
from datasets.tasks import process_asset
from tests.datasets.conftest import S3_BUCKET

pytestmark = pytest.mark.skipif(not shutil.which("espeak-ng") or not shutil.which("ffmpeg"),
                                reason="needs espeak-ng and ffmpeg")

SENTENCE_A = "The quick brown fox jumps over the lazy dog near the river bank on a sunny afternoon"
SENTENCE_B = "Seven large crates of oranges arrived at the harbour before dawn, and nobody signed for them"


def _run(*args: str) -> None:
    proc = subprocess.run(list(args), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("dups")
    _run("espeak-ng", "-w", str(d / "a.wav"), SENTENCE_A)
    _run("espeak-ng", "-w", str(d / "b.wav"), SENTENCE_B)
    ff = ("ffmpeg", "-nostdin", "-y", "-v", "error")
    _run(*ff, "-i", str(d / "a.wav"), "-b:a", "128k", str(d / "a_128k.mp3"))
    _run(*ff, "-i", str(d / "a.wav"), "-ar", "16000", "-b:a", "32k", str(d / "a_32k.mp3"))
    _run(*ff, "-i", str(d / "a.wav"), "-af", "volume=0.4", str(d / "a_quiet.wav"))
    _run(*ff, "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-t", "3", "-c:v", "libx264", "-b:v", "800k",
         "-pix_fmt", "yuv420p", str(d / "v.mp4"))
    _run(*ff, "-i", str(d / "v.mp4"), "-vf", "scale=160:120", "-c:v", "libx264", "-b:v", "100k",
         "-pix_fmt", "yuv420p", str(d / "v_small.mp4"))
    _run(*ff, "-f", "lavfi", "-i", "mandelbrot=size=320x240:rate=25", "-t", "3", "-c:v", "libx264",
         "-pix_fmt", "yuv420p", str(d / "other.mp4"))
    return {p.stem: p for p in d.iterdir()}


def test_speech_re_encoded_or_made_quieter_hashes_close_and_other_speech_far(media: dict[str, Path]) -> None:
    a = audio_fingerprint(str(media["a"]))
    assert hamming(a, audio_fingerprint(str(media["a_128k"]))) <= NEAR_BITS
    assert hamming(a, audio_fingerprint(str(media["a_32k"]))) <= NEAR_BITS
    assert hamming(a, audio_fingerprint(str(media["a_quiet"]))) <= NEAR_BITS
    assert hamming(a, audio_fingerprint(str(media["b"]))) > 2 * NEAR_BITS


def test_a_video_scaled_down_hashes_close_and_another_video_far(media: dict[str, Path]) -> None:
    v = video_fingerprint(str(media["v"]))
    assert hamming(v, video_fingerprint(str(media["v_small"]))) <= NEAR_BITS
    assert hamming(v, video_fingerprint(str(media["other"]))) > 2 * NEAR_BITS


def _processed(project: Project, path: Path, user: User) -> Asset:
    with path.open("rb") as fh:
        asset = asset_create_from_file(dataset=project.dataset, fileobj=fh, name=path.name, user=user, queue=False)
    assert process_asset(asset.pk) == "ready"
    asset.refresh_from_db()
    return asset


def test_the_worker_links_a_re_encoded_copy_as_near_and_the_same_bytes_as_exact(
        project: Project, manager: User, media: dict[str, Path], tmp_path: Path) -> None:
    original = _processed(project, media["a"], manager)
    other = _processed(project, media["b"], manager)
    reencoded = _processed(project, media["a_32k"], manager)
    copy = tmp_path / "copy.wav"
    shutil.copy(media["a"], copy)
    same_bytes = _processed(project, copy, manager)

    assert original.perceptual_hash is not None and original.duplicate_of_id is None
    assert other.duplicate_of_id is None and other.duplicate_kind == ""
    assert (reencoded.duplicate_of_id, reencoded.duplicate_kind) == (original.pk, "near")
    assert reencoded.duplicate_distance is not None and reencoded.duplicate_distance <= NEAR_BITS
    assert (same_bytes.duplicate_of_id, same_bytes.duplicate_kind, same_bytes.duplicate_distance) == \
        (original.pk, "exact", 0)


def test_a_copy_in_another_project_is_not_a_duplicate_here(project: Project, other_project: Project, manager: User,
                                                            outsider: User, media: dict[str, Path]) -> None:
    _processed(other_project, media["a"], outsider)
    mine = _processed(project, media["a_128k"], manager)
    assert mine.duplicate_of_id is None


def _hashed(project: Project, kind: str, value: int | None, version: str) -> Asset:
    return Asset.objects.create(dataset=project.dataset, kind=kind, storage_key=f"none/{kind}-{value}-{version}",
                                status="ready", perceptual_hash=value, perceptual_hash_version=version)


@pytest.mark.parametrize("vendor", ["postgresql", "portable"])
def test_only_hashes_of_the_same_kind_and_version_are_compared(
        project: Project, monkeypatch: pytest.MonkeyPatch, vendor: str) -> None:
    if vendor == "portable":  # the path SQLite takes, on whatever database the tests run
        monkeypatch.setattr(duplicates, "connection", SimpleNamespace(vendor="sqlite"))
    h = 0x0F0F_0F0F_0F0F_0F0F
    old = _hashed(project, "audio", h, "1")
    new = _hashed(project, "audio", h, "2")  # the very same bits, from another algorithm
    near = _hashed(project, "audio", h ^ 0b111, "2")
    video = _hashed(project, "video", h, "1")
    unknown = _hashed(project, "audio", h, "")
    assert duplicates._nearest(old) is None
    assert duplicates._nearest(new) == (near.pk, 3)
    assert duplicates._nearest(near) == (new.pk, 3)
    assert duplicates._nearest(video) is None
    assert duplicates._nearest(unknown) is None


def test_the_worker_stores_the_version_beside_the_hash(project: Project, manager: User,
                                                       media: dict[str, Path]) -> None:
    audio = _processed(project, media["a"], manager)
    video = _processed(project, media["v"], manager)
    assert (audio.perceptual_hash, audio.perceptual_hash_version) == (audio_fingerprint(str(media["a"])), "2")
    assert (video.perceptual_hash, video.perceptual_hash_version) == (video_fingerprint(str(media["v"])), "1")


def _refingerprint(*args: str) -> list[str]:
    out = StringIO()
    call_command("refingerprint", *args, stdout=out)
    return out.getvalue().splitlines()


def test_refingerprint_links_a_copy_hashed_by_the_old_version_with_one_imported_later(
        project: Project, manager: User, media: dict[str, Path]) -> None:
    earlier = _processed(project, media["a"], manager)
    current = earlier.perceptual_hash
    # As a version 1 hash stored before the algorithm changed: even the same bits must not be compared.
    Asset.objects.filter(pk=earlier.pk).update(perceptual_hash_version="1")
    other = _processed(project, media["b"], manager)
    later = _processed(project, media["a_32k"], manager)
    assert (later.duplicate_of_id, later.duplicate_kind) == (None, "")

    assert _refingerprint("--dry-run") == [f"asset {earlier.pk} audio v1 -> v2: would rehash", "assets to rehash: 1"]
    assert Asset.objects.get(pk=earlier.pk).perceptual_hash_version == "1"

    assert later.perceptual_hash is not None and current is not None
    distance = hamming(current, later.perceptual_hash)
    assert distance <= NEAR_BITS
    assert _refingerprint("--dataset", str(project.dataset.pk)) == [
        f"asset {earlier.pk} audio v1 -> v2: near duplicate of {later.pk} ({distance} bits)",
        "assets rehashed: 1, failed: 0"]
    earlier.refresh_from_db()
    assert (earlier.perceptual_hash, earlier.perceptual_hash_version) == (current, "2")
    assert (earlier.duplicate_of_id, earlier.duplicate_kind, earlier.duplicate_distance) == (later.pk, "near", distance)
    assert Asset.objects.get(pk=other.pk).duplicate_of_id is None
    assert _refingerprint() == ["assets rehashed: 0, failed: 0"]


def test_refingerprint_reports_a_missing_or_broken_file_and_goes_on(
        project: Project, manager: User, media: dict[str, Path]) -> None:
    missing = _processed(project, media["a"], manager)
    broken = _processed(project, media["b"], manager)
    unhashed = _processed(project, media["v"], manager)
    Asset.objects.filter(pk__in=[missing.pk, broken.pk]).update(perceptual_hash_version="1")
    Asset.objects.filter(pk=unhashed.pk).update(perceptual_hash=None, perceptual_hash_version="")
    default_storage.delete(missing.storage_key)
    Path(default_storage.path(broken.storage_key)).write_bytes(b"RIFF, but nothing else")

    lines = _refingerprint()
    assert lines[0] == f"asset {missing.pk} audio v1 -> v2: failed: missing file {missing.storage_key}"
    assert lines[1].startswith(f"asset {broken.pk} audio v1 -> v2: failed: MediaError: unsupported format or corrupt file")
    assert lines[2:] == [f"asset {unhashed.pk} video v- -> v1: no duplicate", "assets rehashed: 1, failed: 2"]
    assert [(a.pk, a.perceptual_hash_version) for a in Asset.objects.order_by("pk")] == \
        [(missing.pk, "1"), (broken.pk, "1"), (unhashed.pk, "1")]
    assert Asset.objects.get(pk=unhashed.pk).perceptual_hash == video_fingerprint(str(media["v"]))


def test_refingerprint_reads_assets_from_s3_storage(s3: Any, project: Project, manager: User,
                                                   media: dict[str, Path]) -> None:
    # On S3 the worker has no path to the file: each asset is downloaded for its hash, and an object
    # gone from the bucket is named as missing, like a file gone from a disk.
    earlier = _processed(project, media["a"], manager)
    gone = _processed(project, media["b"], manager)
    later = _processed(project, media["a_32k"], manager)
    with pytest.raises(NotImplementedError):
        default_storage.path(earlier.storage_key)  # the bucket, not a local folder
    current = earlier.perceptual_hash
    assert current is not None and later.perceptual_hash is not None
    Asset.objects.filter(pk__in=[earlier.pk, gone.pk]).update(perceptual_hash_version="1")
    s3.delete_object(Bucket=S3_BUCKET, Key=gone.storage_key)

    distance = hamming(current, later.perceptual_hash)
    assert _refingerprint() == [
        f"asset {earlier.pk} audio v1 -> v2: near duplicate of {later.pk} ({distance} bits)",
        f"asset {gone.pk} audio v1 -> v2: failed: missing file {gone.storage_key}",
        "assets rehashed: 1, failed: 1"]
    earlier.refresh_from_db()
    assert (earlier.perceptual_hash, earlier.perceptual_hash_version) == (current, "2")
    assert (earlier.duplicate_of_id, earlier.duplicate_kind) == (later.pk, "near")
    assert Asset.objects.get(pk=gone.pk).perceptual_hash_version == "1"


def test_the_migration_marks_stored_audio_hashes_version_1_and_video_hashes_the_video_version(
        project: Project) -> None:
    migration = importlib.import_module("datasets.migrations.0006_perceptual_hash_version")
    rows = [_hashed(project, "audio", 5, ""), _hashed(project, "video", 6, ""), _hashed(project, "audio", None, ""),
            _hashed(project, "image", 7, "")]
    migration.mark_hash_versions(apps, None)
    assert [Asset.objects.get(pk=a.pk).perceptual_hash_version for a in rows] == ["1", "1", "", ""]


def test_retention_clears_the_hash_and_its_version(project: Project, manager: User, media: dict[str, Path]) -> None:
    asset = _processed(project, media["a"], manager)
    assert asset.perceptual_hash_version == "2"
    project_import(project=project, user=manager, uploads={},
                   records=[{"retention_until": "2027-01-10", "streams": [{"role": "audio", "asset": asset.pk}]}])
    assert retention_sweep(dt.date(2027, 1, 11))["items"] == 1
    asset.refresh_from_db()
    assert (asset.perceptual_hash, asset.perceptual_hash_version) == (None, "")
    assert _refingerprint() == ["assets rehashed: 0, failed: 0"]  # no file left to hash
