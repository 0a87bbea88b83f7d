"""The filter-graph reader gives the frame-by-frame reader's samples, and hands over to it where it stops."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from media_gen import ffmpeg

from datasets.media import MediaError
from datasets.media import pcm as pcm_module
from datasets.media.pcm import open_av_container, open_pcm
from datasets.media.pcm_info import PcmInfo

CHUNK = 10_007  # not a divisor of any frame size: chunks straddle decoded frames
def source(first: int = 0) -> list[str]:
    """4 s of seeded pink noise plus a tone under a tremolo, as ffmpeg inputs from input ``first`` on."""
    return ["-f", "lavfi", "-i", "anoisesrc=d=4:c=pink:r=48000:a=0.4:seed=11", "-f", "lavfi", "-i",
            "sine=f=523:r=48000:d=4", "-filter_complex",
            f"[{first}][{first + 1}]amix=inputs=2:normalize=0,tremolo=f=2:d=0.6"]



ENCODINGS = {
    "mono.mp3": ["-ac", "1", "-ar", "44100", "-c:a", "libmp3lame", "-b:a", "96k"],
    "stereo.mp3": ["-ac", "2", "-ar", "44100", "-c:a", "libmp3lame", "-q:a", "4"],
    "stereo.m4a": ["-ac", "2", "-c:a", "aac", "-b:a", "128k"],
    "surround.m4a": ["-ac", "6", "-c:a", "aac", "-b:a", "256k"],
    "s24.flac": ["-ac", "2", "-c:a", "flac", "-sample_fmt", "s32"],
    "s16.flac": ["-ac", "1", "-c:a", "flac"],
    "stereo.opus": ["-ac", "2", "-c:a", "libopus", "-b:a", "64k"],
    "stereo.ogg": ["-ac", "2", "-c:a", "libvorbis", "-q:a", "3"],
    "float.wav": ["-ac", "2", "-c:a", "pcm_f32le"],
    "s24.wav": ["-ac", "1", "-c:a", "pcm_s24le"],
    "u8.wav": ["-ac", "1", "-ar", "8000", "-c:a", "pcm_u8"],
}


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("readers")
    for name, args in ENCODINGS.items():
        ffmpeg(*source(), *args, str(folder / name))
    ffmpeg("-f", "lavfi", "-i", "testsrc=d=4:s=64x48:r=10", *source(1), "-ac", "2", "-c:v", "libx264", "-preset",
           "ultrafast", "-c:a", "aac", "-shortest", str(folder / "video.mp4"))
    return folder


def frame_reader(path: Path, chunk: int) -> tuple[PcmInfo, list[np.ndarray]]:
    """What the frame-by-frame reader alone gives."""
    container = open_av_container(str(path))
    stream = container.streams.audio[0]
    info = pcm_module._stream_info(container, stream)
    return info, [c.copy() for c in pcm_module._decode_chunks(container, stream, info, chunk)]


def counting(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count the passes of each reader."""
    calls = {"graph": 0, "frames": 0}
    graph, frames = pcm_module.graph_chunks, pcm_module._decoded_frames

    def counted_graph(*args: object) -> Iterator[np.ndarray]:
        calls["graph"] += 1
        return graph(*args)  # type: ignore[arg-type]

    def counted_frames(*args: object) -> Iterator[object]:
        calls["frames"] += 1
        return frames(*args)

    monkeypatch.setattr(pcm_module, "graph_chunks", counted_graph)
    monkeypatch.setattr(pcm_module, "_decoded_frames", counted_frames)
    return calls


@pytest.mark.parametrize("name", [*ENCODINGS, "video.mp4"])
def test_the_graph_reader_gives_the_frame_readers_samples_bit_for_bit(
        sources: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    expected_info, expected = frame_reader(sources / name, CHUNK)
    calls = counting(monkeypatch)
    info, chunks = open_pcm(str(sources / name), CHUNK, buffers=3)
    got = [c.copy() for c in chunks]
    assert calls == {"graph": 1, "frames": 0}
    assert info == expected_info and info.samples_read > 3 * 8000
    assert [c.shape for c in got] == [c.shape for c in expected]
    assert all(c.dtype == np.int16 and c.flags.c_contiguous for c in got)
    assert np.array_equal(np.concatenate(got, axis=1), np.concatenate(expected, axis=1))


def test_chunks_of_several_channels_stay_intact_while_later_ones_are_read(sources: Path) -> None:
    _, expected = frame_reader(sources / "surround.m4a", CHUNK)
    _, chunks = open_pcm(str(sources / "surround.m4a"), CHUNK, buffers=3)
    held: list[np.ndarray] = []
    for i, chunk in enumerate(chunks):
        held.append(chunk)
        if len(held) == 3:
            assert np.array_equal(held[0], expected[i - 2])
            held.pop(0)


def _damaged(sources: Path, tmp_path: Path) -> Path:
    """The stereo MP3 with garbage over 2 kB in its middle: packets the decoder rejects."""
    data = bytearray((sources / "stereo.mp3").read_bytes())
    middle = len(data) // 2
    data[middle : middle + 2048] = np.random.default_rng(4).integers(0, 256, 2048, dtype=np.uint8).tobytes()
    path = tmp_path / "damaged.mp3"
    path.write_bytes(bytes(data))
    return path


def test_where_the_graph_stops_early_the_frame_reader_takes_over_at_the_same_sample(
        sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = pcm_module.graph_chunks

    def stops_after_two(path: str, info: PcmInfo, chunk: int, buffers: int) -> Iterator[np.ndarray]:
        pieces = real(path, info, chunk, buffers)
        yield next(pieces)
        yield next(pieces)
        raise pcm_module.av.error.InvalidDataError(1094995529, "Invalid data found when processing input")

    _, expected = frame_reader(sources / "stereo.m4a", CHUNK)
    monkeypatch.setattr(pcm_module, "graph_chunks", stops_after_two)
    info, chunks = open_pcm(str(sources / "stereo.m4a"), CHUNK)
    got = [c.copy() for c in chunks]
    assert np.array_equal(np.concatenate(got, axis=1), np.concatenate(expected, axis=1))
    assert [c.shape for c in got] == [c.shape for c in expected]
    assert info.samples_read == sum(c.shape[1] for c in expected)


def test_a_graph_ending_short_hands_over_at_the_last_whole_chunk_not_after_its_short_one(
        sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = (sources / "stereo.mp3").read_bytes()
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(data[: len(data) // 2])  # what the graph reads; the frame reader reads it all
    real = pcm_module.graph_chunks
    monkeypatch.setattr(pcm_module, "graph_chunks", lambda path, *args: real(str(cut), *args))
    _, expected = frame_reader(sources / "stereo.mp3", CHUNK)
    info, chunks = open_pcm(str(sources / "stereo.mp3"), CHUNK)
    got = [c.copy() for c in chunks]
    assert [c.shape for c in got] == [c.shape for c in expected]
    assert np.array_equal(np.concatenate(got, axis=1), np.concatenate(expected, axis=1))
    assert info.samples_read == sum(c.shape[1] for c in expected)


def test_a_damaged_file_gives_what_the_frame_reader_gives(
        sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    damaged = _damaged(sources, tmp_path)
    _, expected = frame_reader(damaged, CHUNK)
    calls = counting(monkeypatch)
    info, chunks = open_pcm(str(damaged), CHUNK)
    got = [c.copy() for c in chunks]
    assert calls == {"graph": 1, "frames": 1}  # the graph stopped at the damaged packets
    assert np.array_equal(np.concatenate(got, axis=1), np.concatenate(expected, axis=1))
    assert info.samples_read == sum(c.shape[1] for c in expected)


def test_a_cut_file_raises_the_frame_readers_error_once_the_graph_comes_up_short(
        sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = (sources / "stereo.mp3").read_bytes()
    cut = tmp_path / "cut.mp3"  # its Xing header still states the full length
    cut.write_bytes(data[: len(data) // 2])
    calls = counting(monkeypatch)
    _info, chunks = open_pcm(str(cut), CHUNK)
    with pytest.raises(MediaError, match=r"^truncated: decoding stopped at \d\.\d s of 4\.0 s$"):
        for _ in chunks:
            pass
    assert calls == {"graph": 1, "frames": 1}


def test_a_file_without_a_stated_length_goes_to_the_frame_reader(
        sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = tmp_path / "stream.mp3"  # an elementary stream piped out: no Xing header, no duration
    ffmpeg(*source(), "-ac", "1", "-c:a", "libmp3lame", "-b:a", "64k", "-write_xing", "0", "-f", "mp3", str(raw))
    calls = counting(monkeypatch)
    real_info = pcm_module._stream_info

    def unknown_length(container: object, stream: object) -> PcmInfo:
        info = real_info(container, stream)
        return PcmInfo(info.sample_rate, info.channels, None)

    monkeypatch.setattr(pcm_module, "_stream_info", unknown_length)
    info, chunks = open_pcm(str(raw), CHUNK)
    assert sum(c.shape[1] for c in chunks) == info.samples_read > 3 * 44100
    assert calls == {"graph": 0, "frames": 1}
