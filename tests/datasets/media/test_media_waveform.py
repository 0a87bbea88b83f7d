from __future__ import annotations

import os
import struct
import tracemalloc
import wave
from pathlib import Path

import av
import numpy as np
import pytest
from media_gen import ffmpeg, write_wav

from datasets.media import MediaError, compute_waveform, dat_to_json
from datasets.media import waveform as waveform_module

LEVELS = (4, 8, 16, 64, 256)


def direct_peaks(samples: np.ndarray, spp: int) -> np.ndarray:
    """Reference: per bin, per channel (min, max) computed straight from the samples."""
    n, ch = samples.shape
    bins = -(-n // spp)
    out = np.empty((bins, ch, 2), dtype=np.int16)
    for b in range(bins):
        block = samples[b * spp : (b + 1) * spp]
        out[b, :, 0] = block.min(axis=0)
        out[b, :, 1] = block.max(axis=0)
    return out


def read_body(path: Path) -> tuple[tuple[int, ...], np.ndarray]:
    data = path.read_bytes()
    header = struct.unpack("<iIiiIi", data[:24])
    body = np.frombuffer(data, dtype="<i2", offset=24).reshape(header[4], header[5], 2)
    return header, body


@pytest.fixture(scope="module")
def stereo_odd() -> np.ndarray:
    rng = np.random.default_rng(3)
    n = 20_011  # odd, not a multiple of any level
    samples = (rng.standard_normal((n, 2)) * 6000).clip(-32768, 32767).astype(np.int16)
    samples[5, 0] = -32768
    samples[n - 1, 1] = 32767
    return samples


def test_peaks_equal_a_direct_numpy_reduction_for_wav_at_every_level_across_chunks(
    tmp_path: Path, stereo_odd: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(waveform_module, "_CHUNK_TARGET", 512)  # many chunks, each a multiple of 256
    src = write_wav(tmp_path / "odd.wav", stereo_odd)
    manifest = compute_waveform(str(src), str(tmp_path / "wf"), levels=LEVELS)
    assert manifest["samples"] == stereo_odd.shape[0]
    for level in manifest["levels"]:
        header, body = read_body(tmp_path / "wf" / level["file"])
        assert header == (2, 0, 44100, level["samples_per_pixel"], -(-20_011 // level["samples_per_pixel"]), 2)
        assert np.array_equal(body, direct_peaks(stereo_odd, level["samples_per_pixel"]))


def test_peaks_equal_a_direct_numpy_reduction_for_decoded_flac(tmp_path: Path, stereo_odd: np.ndarray) -> None:
    wav = write_wav(tmp_path / "src.wav", stereo_odd)
    flac = tmp_path / "src.flac"
    ffmpeg("-i", str(wav), "-c:a", "flac", str(flac))
    manifest = compute_waveform(str(flac), str(tmp_path / "wf"), levels=LEVELS)
    assert [lv["samples_per_pixel"] for lv in manifest["levels"]] == list(LEVELS)
    for level in manifest["levels"]:
        _, body = read_body(tmp_path / "wf" / level["file"])
        assert np.array_equal(body, direct_peaks(stereo_odd, level["samples_per_pixel"]))


def test_float_decoders_are_converted_exactly_like_swresample(tmp_path: Path, stereo_odd: np.ndarray) -> None:
    wav = write_wav(tmp_path / "src.wav", stereo_odd)
    mp3 = tmp_path / "src.mp3"
    ffmpeg("-i", str(wav), "-c:a", "libmp3lame", "-b:a", "128k", str(mp3))
    with av.open(str(mp3)) as container:
        resampler = av.AudioResampler(format="s16p", layout="stereo", rate=44100)
        planes = [f.to_ndarray() for frame in container.decode(audio=0) for f in resampler.resample(frame)]
    decoded = np.concatenate(planes, axis=1).T
    manifest = compute_waveform(str(mp3), str(tmp_path / "wf"), levels=(64, 128))
    assert manifest["samples"] == decoded.shape[0]
    for level in manifest["levels"]:
        _, body = read_body(tmp_path / "wf" / level["file"])
        assert np.array_equal(body, direct_peaks(decoded, level["samples_per_pixel"]))


def test_dat_file_has_the_audiowaveform_v2_byte_layout(tmp_path: Path) -> None:
    samples = np.array([[1, -1], [5, -7], [-3, 2], [100, -200], [7, 8]], dtype=np.int16)
    src = write_wav(tmp_path / "tiny.wav", samples, rate=8000)
    compute_waveform(str(src), str(tmp_path), levels=(2, 4))
    raw = (tmp_path / "waveform_2.dat").read_bytes()
    expected = struct.pack("<iIiiIi", 2, 0, 8000, 2, 3, 2) + struct.pack(
        "<12h", 1, 5, -7, -1, -3, 100, -200, 2, 7, 7, 8, 8
    )
    assert raw == expected
    assert (tmp_path / "waveform_4.dat").read_bytes() == struct.pack("<iIiiIi", 2, 0, 8000, 4, 2, 2) + struct.pack(
        "<8h", -3, 100, -200, 2, 7, 7, 8, 8
    )


def test_dat_to_json_gives_the_waveform_data_js_object(tmp_path: Path) -> None:
    samples = np.array([[1, -1], [5, -7], [-3, 2], [100, -200], [7, 8]], dtype=np.int16)
    src = write_wav(tmp_path / "tiny.wav", samples, rate=8000)
    compute_waveform(str(src), str(tmp_path), levels=(2,))
    assert dat_to_json((tmp_path / "waveform_2.dat").read_bytes()) == {
        "version": 2,
        "channels": 2,
        "sample_rate": 8000,
        "samples_per_pixel": 2,
        "bits": 16,
        "length": 3,
        "data": [1, 5, -7, -1, -3, 100, -200, 2, 7, 7, 8, 8],
    }


def test_progress_rises_to_100_and_no_temporary_files_remain(tmp_path: Path, stereo_odd: np.ndarray) -> None:
    src = write_wav(tmp_path / "odd.wav", np.tile(stereo_odd, (20, 1)))
    seen: list[float] = []
    compute_waveform(str(src), str(tmp_path / "wf"), levels=(256, 512), progress=seen.append)
    assert seen[-1] == 100.0
    assert seen == sorted(seen)
    assert sorted(os.listdir(tmp_path / "wf")) == ["waveform_256.dat", "waveform_512.dat"]


def test_truncated_wav_raises_and_leaves_no_artifact(tmp_path: Path) -> None:
    src = write_wav(tmp_path / "long.wav", np.zeros((8000, 1), np.int16), rate=8000)
    raw = bytearray(src.read_bytes())
    claimed = 10 * 3600 * 8000 * 2
    raw[4:8] = struct.pack("<I", claimed + 36)
    raw[40:44] = struct.pack("<I", claimed)
    src.write_bytes(bytes(raw))
    with pytest.raises(MediaError, match=r"^truncated: decoding stopped at 1\.0 s of 36000\.0 s$"):
        compute_waveform(str(src), str(tmp_path / "wf"))
    assert os.listdir(tmp_path / "wf") == []


def test_video_without_audio_raises(tmp_path: Path) -> None:
    out = tmp_path / "silent.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=d=1:s=64x48:r=10", "-c:v", "libx264", "-preset", "ultrafast", str(out))
    with pytest.raises(MediaError, match=r"^no audio stream found$"):
        compute_waveform(str(out), str(tmp_path / "wf"))


def test_memory_stays_bounded_on_a_20_minute_recording(tmp_path: Path) -> None:
    path = tmp_path / "long.wav"
    block = (np.random.default_rng(1).standard_normal((44100 * 10, 2)) * 3000).astype("<i2").tobytes()
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(44100)
        for _ in range(120):  # 20 minutes, 212 MB
            w.writeframesraw(block)
    tracemalloc.start()
    try:
        manifest = compute_waveform(str(path), str(tmp_path / "wf"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert manifest["duration_ms"] == 1_200_000
    assert peak < 24 * 1024 * 1024  # one 4 MiB chunk and its bins, not 212 MB of samples
