from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from annotation.models import Project, Task
from annotation.services.imports import project_import
from datasets.models import Asset


def ffmpeg(*args: str) -> None:
    proc = subprocess.run(["ffmpeg", "-nostdin", "-y", "-v", "error", *args], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    """4 s of 320x240 test pattern at 25 fps with a 440 Hz tone, H.264/AAC MP4."""
    path = tmp_path / "clip.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=4", "-f", "lavfi", "-i",
           "sine=frequency=440:duration=4", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
           "-c:a", "aac", "-shortest", str(path))
    return path


@pytest.fixture
def import_files(manager: Any) -> Callable[..., tuple[Task, list[Asset]]]:
    """Import files as one item (roles = file stems) without running the worker; returns the task and assets."""

    def run(project: Project, paths: list[Path], offsets: dict[str, int] | None = None) -> tuple[Task, list[Asset]]:
        handles = {p.name: p.open("rb") for p in paths}
        try:
            streams = [{"role": p.stem, "upload": p.name, "offset_ms": (offsets or {}).get(p.stem, 0)} for p in paths]
            result = project_import(project=project, user=manager, records=[{"streams": streams}], uploads=handles)
        finally:
            for h in handles.values():
                h.close()
        task = Task.objects.get(pk=result["task_ids"][0])
        assets = [s.asset for s in task.item.streams.select_related("asset").order_by("id")]
        return task, assets

    return run
