"""Redaction renderer: real generated media in, decoded output checked pixel by pixel and sample by sample."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from media_gen import encode_frames, ffmpeg, write_wav

from datasets.media.errors import MediaError
from datasets.media.redact import (
    MASK_CHAR,
    BoxTrack,
    Keyframe,
    mask_strings,
    mask_text,
    merge_intervals,
    pixel_rect,
    plan_from_regions,
)
from datasets.media.redact_render import RenderSettings, render_audio, render_video

FPS = 25
KF_A = {"time_ms": 400, "x": 0.1, "y": 0.1, "w": 0.3, "h": 0.3}
KF_B = {"time_ms": 1600, "x": 0.5, "y": 0.4, "w": 0.3, "h": 0.4}
MUTE = (1000, 2000)


@pytest.fixture(scope="module")
def noisy_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3 s of 320x240 moving 4x4-pixel noise (blur is measurable on it) with a 440 Hz tone."""
    d = tmp_path_factory.mktemp("redact")
    rng = np.random.default_rng(1)
    base = np.repeat(np.repeat(rng.integers(0, 256, (60, 80, 3), dtype=np.uint8), 4, 0), 4, 1)
    encode_frames(d / "v.mp4", (np.roll(base, 4 * i, axis=1) for i in range(3 * FPS)), 320, 240, fps=FPS)
    out = d / "av.mp4"
    ffmpeg("-i", str(d / "v.mp4"), "-f", "lavfi", "-i", "sine=f=440:d=3:r=48000", "-c:v", "copy", "-c:a", "aac",
           "-shortest", str(out))
    return out


def _gray_frames(path: Path) -> list[tuple[int, np.ndarray]]:
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        tb = stream.time_base
        assert tb is not None
        return [(round(float(f.pts * tb) * 1000), f.to_ndarray(format="gray").astype(np.float64))
                for f in c.decode(stream)]


def _mono(path: Path) -> tuple[np.ndarray, int]:
    with av.open(str(path)) as c:
        rate = c.streams.audio[0].rate
        samples = np.concatenate([f.to_ndarray()[0] for f in c.decode(audio=0)])
    scale = float(2 ** (8 * samples.dtype.itemsize - 1)) if samples.dtype.kind == "i" else 1.0
    return samples.astype(np.float64) / scale, rate


def _expected_box(t_ms: int) -> tuple[float, float, float, float] | None:
    """The box the editor shows at t: linear between the two keyframes, none outside."""
    if t_ms < KF_A["time_ms"] or t_ms > KF_B["time_ms"]:
        return None
    f = (t_ms - KF_A["time_ms"]) / (KF_B["time_ms"] - KF_A["time_ms"])
    return tuple(KF_A[k] + (KF_B[k] - KF_A[k]) * f for k in ("x", "y", "w", "h"))  # type: ignore[return-value]


def test_video_boxes_blurred_inside_untouched_outside_and_sound_muted(noisy_clip: Path, tmp_path: Path) -> None:
    plan = plan_from_regions([{"keyframes": [KF_B, KF_A]}, {"start_ms": MUTE[0], "end_ms": MUTE[1]}])
    out = tmp_path / "out.mp4"
    seen: list[float] = []
    facts = render_video(str(noisy_clip), str(out), plan, RenderSettings(crf=18), progress=seen.append)
    src, dst = _gray_frames(noisy_clip), _gray_frames(out)
    assert [t for t, _ in dst] == [t for t, _ in src]  # every frame, at the same time
    inside = [t for t, _ in src if _expected_box(t) is not None]
    assert inside == list(range(400, 1601, 40))
    assert facts.frames == 75 and facts.redacted_frames == len(inside)
    for (t, a), (_, b) in zip(src, dst, strict=True):
        box = _expected_box(t)
        outside = np.ones(a.shape, dtype=bool)
        if box is not None:
            x0, y0, x1, y1 = pixel_rect(box, 320, 240)
            core_a, core_b = a[y0 + 2 : y1 - 2, x0 + 2 : x1 - 2], b[y0 + 2 : y1 - 2, x0 + 2 : x1 - 2]
            assert core_b.var() < 0.05 * core_a.var(), f"frame at {t} ms is not blurred inside its box"
            outside[max(0, y0 - 4) : y1 + 4, max(0, x0 - 4) : x1 + 4] = False
        # outside every box: the source within codec tolerance (mean error of a re-encode of noise)
        assert np.abs(a[outside] - b[outside]).mean() < 3.0, f"frame at {t} ms changed outside its box"
    audio_src, rate = _mono(noisy_clip)
    audio_out, rate_out = _mono(out)
    assert rate_out == rate

    def rms(s: np.ndarray, lo: int, hi: int) -> float:
        return float(np.sqrt(np.mean(s[lo * rate // 1000 : hi * rate // 1000] ** 2)))

    assert rms(audio_out, MUTE[0] + 50, MUTE[1] - 50) < 1e-4
    for lo, hi in ((200, 900), (2100, 2800)):
        assert rms(audio_out, lo, hi) == pytest.approx(rms(audio_src, lo, hi), rel=0.05)
    assert seen[-1] >= 95 and seen == sorted(seen)


def test_fill_mode_paints_the_box_black(noisy_clip: Path, tmp_path: Path) -> None:
    kf = {"time_ms": 1000, "x": 0.25, "y": 0.25, "w": 0.5, "h": 0.5}
    out = tmp_path / "filled.mp4"
    render_video(str(noisy_clip), str(out), plan_from_regions([{"keyframes": [kf]}]), RenderSettings(box_mode="fill"))
    frames = dict(_gray_frames(out))
    assert frames[1000][70:170, 90:230].mean() < 20  # one keyframe: that frame only
    assert frames[960][70:170, 90:230].mean() > 60 and frames[1040][70:170, 90:230].mean() > 60


def test_offset_moves_the_plan_onto_the_stream_timeline() -> None:
    plan = plan_from_regions([{"keyframes": [KF_A, KF_B]}, {"start_ms": 1500, "end_ms": 2500}], offset_ms=500)
    assert plan.segments == ((1000, 2000),)
    assert plan.boxes[0].start_ms == -100 and plan.boxes[0].end_ms == 1100
    assert plan.boxes_at(500, 20) == [pytest.approx((0.3, 0.25, 0.3, 0.35))]


def test_box_track_interpolates_linearly_and_single_keyframe_covers_its_frame() -> None:
    track = BoxTrack((Keyframe(0, 0.0, 0.0, 0.2, 0.2), Keyframe(1000, 0.4, 0.6, 0.4, 0.2)))
    assert track.at(250, 20) == pytest.approx((0.1, 0.15, 0.25, 0.2))
    assert track.at(1019, 20) == (0.4, 0.6, 0.4, 0.2)
    assert track.at(1021, 20) is None and track.at(-21, 20) is None
    single = BoxTrack((Keyframe(500, 0.1, 0.1, 0.1, 0.1),))
    assert single.at(480, 20) == (0.1, 0.1, 0.1, 0.1) and single.at(460, 20) is None


def test_pixel_rect_grows_outward_and_clips() -> None:
    assert pixel_rect((0.101, 0.2, 0.3, 0.3), 320, 240) == (32, 48, 129, 120)
    assert pixel_rect((0.9, 0.9, 0.2, 0.2), 100, 100) == (90, 90, 100, 100)


def test_audio_file_muted_exactly_over_segments_and_bit_exact_elsewhere(tmp_path: Path) -> None:
    rate = 16000
    t = np.arange(rate * 2) / rate
    samples = (np.sin(2 * np.pi * 300 * t) * 12000).astype(np.int16)[:, None]
    src = write_wav(tmp_path / "in.wav", samples, rate)
    out = tmp_path / "out.flac"
    facts = render_audio(str(src), str(out), plan_from_regions([{"start_ms": 500, "end_ms": 750}]))
    got, got_rate = _mono(out)
    assert got_rate == rate and len(got) == len(samples)
    assert facts.redacted_samples == 4000
    expected = samples[:, 0].astype(np.float64) / 32768
    expected[8000:12000] = 0
    assert np.array_equal(np.round(got * 32768), np.round(expected * 32768))


def test_tone_mode_replaces_the_segment_with_1khz(tmp_path: Path) -> None:
    rate = 16000
    src = write_wav(tmp_path / "in.wav", np.zeros((rate, 1), np.int16) + 3000, rate)
    out = tmp_path / "tone.flac"
    render_audio(str(src), str(out), plan_from_regions([{"start_ms": 200, "end_ms": 700}]),
                 RenderSettings(sound_mode="tone"))
    got, _ = _mono(out)
    seg = got[3200:11200]
    spectrum = np.abs(np.fft.rfft(seg))
    assert np.fft.rfftfreq(len(seg), 1 / rate)[int(np.argmax(spectrum))] == pytest.approx(1000, abs=2)
    assert np.sqrt(np.mean(seg**2)) == pytest.approx(0.1 / np.sqrt(2), rel=0.02)
    assert np.allclose(got[:3000], 3000 / 32768, atol=1e-4)


def test_render_refuses_media_without_the_stream(tmp_path: Path) -> None:
    src = write_wav(tmp_path / "in.wav", np.zeros((800, 1), np.int16), 8000)
    with pytest.raises(MediaError, match="no video stream"):
        render_video(str(src), str(tmp_path / "x.mp4"), plan_from_regions([]))
    assert not (tmp_path / "x.mp4").exists()
    with pytest.raises(ValueError, match="box_mode"):
        RenderSettings(box_mode="pixelate")


def test_mask_text_keeps_length_and_other_offsets() -> None:
    text = "Call Ann at 555-0100 today"
    masked = mask_text(text, [(5, 8), (12, 20), (14, 16)])
    assert masked == f"Call {MASK_CHAR * 3} at {MASK_CHAR * 8} today"
    assert len(masked) == len(text) and masked[21:26] == "today"
    assert mask_strings("Ann met ANN", ["ann", ""]) == f"{MASK_CHAR * 3} met {MASK_CHAR * 3}"
    assert mask_strings("Straße", ["STRASSE"]) == "Straße"  # a fold that changes the length is not guessed at
    assert merge_intervals([(5, 8), (1, 3), (3, 4), (9, 9)]) == ((1, 4), (5, 8))
