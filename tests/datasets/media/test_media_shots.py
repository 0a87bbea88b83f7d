from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from media_gen import encode_frames, ffmpeg, textured_scene
from PIL import Image

from datasets.media import MediaError, analyze_video

W, H = 192, 108


def test_hard_cuts_between_lavfi_segments_are_found_on_their_frame(tmp_path: Path) -> None:
    out = tmp_path / "cuts.mp4"
    sources = ["testsrc=d=1.2", "color=c=red:d=0.8", "smptebars=d=1", "color=c=blue:d=0.6", "testsrc2=d=1.4"]
    args: list[str] = []
    for src in sources:
        args += ["-f", "lavfi", "-i", f"{src}:s={W}x{H}:r=25"]
    chain = "".join(f"[{i}:v]" for i in range(len(sources))) + f"concat=n={len(sources)}:v=1:a=0"
    ffmpeg(*args, "-filter_complex", chain, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(out))
    manifest = analyze_video(str(out), str(tmp_path / "a"))
    assert manifest["cut_frames"] == [30, 50, 75, 90]
    assert manifest["cuts_ms"] == [1200, 2000, 3000, 3600]
    assert [(s["start_ms"], s["end_ms"]) for s in manifest["shots"]] == [
        (0, 1200), (1200, 2000), (2000, 3000), (3000, 3600), (3600, 5000)
    ]


def _pan(scene: np.ndarray, frame: int, speed: int) -> np.ndarray:
    span = scene.shape[1] - W
    x = (frame * speed) % (2 * span)
    x = x if x < span else 2 * span - x
    return scene[:, x : x + W]


def test_a_slow_dissolve_fast_motion_and_flashes_are_not_cuts(tmp_path: Path) -> None:
    a = textured_scene(1, W, H, pad=400)
    b = textured_scene(2, W, H, pad=400)
    white = np.full((H, W, 3), 250, np.uint8)
    frames: list[np.ndarray] = []
    for f in range(150):
        if f < 40:  # fast pan: 30 px per frame
            frames.append(_pan(a, f, 30))
        elif f < 80:  # 1.6 s dissolve from a to b
            alpha = (f - 40) / 40
            frames.append((_pan(a, f, 30) * (1 - alpha) + _pan(b, f, 2) * alpha).astype(np.uint8))
        elif f in (100, 120, 121):  # a one-frame and a two-frame flash
            frames.append(white)
        else:
            frames.append(_pan(b, f, 2))
    out = encode_frames(tmp_path / "soft.mp4", frames, W, H)
    manifest = analyze_video(str(out), str(tmp_path / "a"))
    assert manifest["cut_frames"] == []
    assert len(manifest["shots"]) == 1


def test_filmstrips_and_shot_thumbnails_have_the_declared_geometry(tmp_path: Path) -> None:
    out = tmp_path / "strip.mp4"
    ffmpeg("-f", "lavfi", "-i", f"testsrc=d=6.4:s={W}x{H}:r=25", "-c:v", "libx264", "-preset", "ultrafast", str(out))
    outdir = tmp_path / "a"
    seen: list[float] = []
    manifest = analyze_video(str(out), str(outdir), progress=seen.append, intervals_ms=(1000, 5000), thumb_width=64)
    assert seen[-1] == 100.0 and seen == sorted(seen) and len(seen) > 10
    strips = {s["interval_ms"]: s for s in manifest["filmstrips"]}
    assert {k: (s["tile_width"], s["tile_height"], s["columns"], s["rows"], s["count"]) for k, s in strips.items()} == {
        1000: (64, 36, 10, 10, 7),
        5000: (64, 36, 10, 10, 2),
    }
    for strip in strips.values():
        assert len(strip["sprites"]) == 1
        with Image.open(outdir / strip["sprites"][0]) as img:
            assert (img.format, img.size) == ("JPEG", (640, 36))
    assert len(manifest["shots"]) == 1
    with Image.open(outdir / manifest["shots"][0]["thumb"]) as img:
        assert img.size == (64, 36)
    assert sorted(p.name for p in outdir.iterdir()) == sorted(
        [*strips[1000]["sprites"], *strips[5000]["sprites"], manifest["shots"][0]["thumb"]]
    )


def test_sprite_sheets_roll_over_after_a_hundred_tiles(tmp_path: Path) -> None:
    out = tmp_path / "long.mp4"
    ffmpeg("-f", "lavfi", "-i", "color=c=gray:d=10.5:s=64x36:r=20", "-c:v", "libx264", "-preset", "ultrafast", str(out))
    manifest = analyze_video(str(out), str(tmp_path / "a"), intervals_ms=(100,), thumb_width=32)
    strip = manifest["filmstrips"][0]
    assert (strip["count"], len(strip["sprites"])) == (105, 2)
    with Image.open(tmp_path / "a" / strip["sprites"][1]) as img:
        assert img.size == (320, 18)


def test_audio_only_input_is_rejected_for_video_analysis(tmp_path: Path) -> None:
    out = tmp_path / "a.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=d=1", "-c:a", "aac", str(out))
    with pytest.raises(MediaError, match=r"^no video stream found$"):
        analyze_video(str(out), str(tmp_path / "a"))
