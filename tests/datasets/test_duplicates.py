"""Duplicate media at import: the same bytes, the same speech re-encoded or quieter, the same video at another size."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from annotation.models import Project
from datasets.media.fingerprint import NEAR_BITS, audio_fingerprint, hamming, video_fingerprint
from datasets.models import Asset
from datasets.services.assets import asset_create_from_file
from datasets.tasks import process_asset

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
