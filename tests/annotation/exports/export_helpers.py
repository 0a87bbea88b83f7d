"""Shared test data and helpers for the export API tests (imported by conftest and the tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth.models import User

from annotation.models import Project
from datasets.media import probe
from datasets.models import Asset
from datasets.services.assets import asset_create_from_file

VIDEO_W, VIDEO_H, FPS = 320, 240, 25
TEXT = "Alice met Bob in Paris."


def regions(n: int) -> list[dict[str, Any]]:
    """One annotator's regions over every track kind of the shared test schema; `n` shifts them a little."""
    d = n * 40
    return [
        {"id": "s1", "track": "speech", "label": "speech", "start_ms": 120 + d, "end_ms": 2040 + d,
         "attributes": {"speaker": "A"}},
        {"id": "s2", "track": "speech", "label": "music", "start_ms": 1500 + d, "end_ms": 3000},
        {"id": "p1", "track": "events", "label": "clap", "time_ms": 1500 + d},
        {"id": "w1", "track": "words", "start_ms": 120, "end_ms": 900 + d, "text": "Alice met Bob"},
        {"id": "w2", "track": "words", "start_ms": 900 + d, "end_ms": 2000, "text": "in Paris."},
        {"id": "e1", "track": "entities", "label": "PER", "start_char": 0, "end_char": 5, "text": "Alice"},
        {"id": "b1", "track": "faces", "label": "face", "keyframes": [
            {"time_ms": 0, "x": 0.1, "y": 0.25, "w": 0.25, "h": 0.5},
            {"time_ms": 400, "x": 0.125 + n / 40, "y": 0.25, "w": 0.25, "h": 0.5}]},
        {"id": "l1", "track": "links", "label": "refers_to", "from_id": "e1", "to_id": "s1"},
    ]


def prediction_regions() -> list[dict[str, Any]]:
    return [
        {"id": "m1", "track": "speech", "label": "speech", "start_ms": 100, "end_ms": 2000, "score": 0.875},
        {"id": "m2", "track": "words", "start_ms": 100, "end_ms": 2000, "text": "alice met bob in paris", "score": 0.5},
        {"id": "m3", "track": "faces", "label": "face", "score": 0.75,
         "keyframes": [{"time_ms": 0, "x": 0.125, "y": 0.25, "w": 0.25, "h": 0.5}]},
    ]


def download(client: Any, job_id: int) -> bytes:
    response = client.get(f"/api/exports/{job_id}/download")
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def ready_asset(project: Project, path: Path, user: User) -> Asset:
    """A stored, probed asset marked ready without the media worker (exports read only its file and probe)."""
    with open(path, "rb") as fh:
        asset = asset_create_from_file(dataset=project.dataset, fileobj=fh, name=path.name, user=user, queue=False)
    asset.meta = probe(str(path))
    asset.kind = asset.meta["kind"]
    asset.status = "ready"
    asset.save()
    return asset
