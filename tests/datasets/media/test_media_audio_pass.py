"""One decode pass for an audio asset: waveform pyramid and perceptual hash from the same chunks."""

from __future__ import annotations

import threading
import tracemalloc
import wave
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest
from media_gen import ffmpeg, write_wav

from datasets.media import MediaError, compute_waveform
from datasets.media import pcm as pcm_module
from datasets.media.audio import analyze_audio
from datasets.media.fingerprint import AudioHasher, audio_fingerprint
from datasets.media.pcm_fanout import feed_all
from datasets.media.pcm_info import PcmInfo

LEVELS = (256, 512, 1024, 2048, 4096, 8192, 16384, 32768)


@pytest.fixture(scope="module")
def stereo_mp3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """70 s (three 2^20-sample chunks) of seeded noise plus a tone under a tremolo, stereo MP3."""
    path = tmp_path_factory.mktemp("one_pass") / "talk.mp3"
    ffmpeg("-f", "lavfi", "-i", "anoisesrc=d=70:c=pink:r=44100:a=0.3:seed=7", "-f", "lavfi", "-i",
           "sine=f=330:r=44100:d=70", "-filter_complex", "[0][1]amerge=inputs=2,tremolo=f=0.5:d=0.8",
           "-c:a", "libmp3lame", "-b:a", "128k", str(path))
    return path


def counting_decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record each decode of a file by either PCM reader (the filter graph, or the function that turns
    packets into frames)."""
    opened: list[str] = []
    real_frames, real_graph = pcm_module._decoded_frames, pcm_module.graph_chunks

    def counted(container: object, stream: object) -> Iterator[object]:
        opened.append(str(getattr(container, "name", "")))
        return real_frames(container, stream)

    def counted_graph(path: str, info: PcmInfo, chunk: int, buffers: int) -> Iterator[np.ndarray]:
        opened.append(path)
        return real_graph(path, info, chunk, buffers)

    monkeypatch.setattr(pcm_module, "_decoded_frames", counted)
    monkeypatch.setattr(pcm_module, "graph_chunks", counted_graph)
    return opened


def test_one_pass_gives_the_waveform_and_the_hash_each_computes_alone_bit_for_bit(
        tmp_path: Path, stereo_mp3: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    alone = compute_waveform(str(stereo_mp3), str(tmp_path / "alone"))
    alone_hash = audio_fingerprint(str(stereo_mp3))
    decodes = counting_decodes(monkeypatch)
    result = analyze_audio(str(stereo_mp3), str(tmp_path / "one"))
    assert decodes == [str(stereo_mp3)]
    assert result.waveform == alone and result.fingerprint == alone_hash and result.fingerprint_problem == ""
    for level in alone["levels"]:
        assert (tmp_path / "one" / level["file"]).read_bytes() == (tmp_path / "alone" / level["file"]).read_bytes()
    # And the peaks are those of the samples swresample gives (independent of our reader).
    with av.open(str(stereo_mp3)) as container:
        resampler = av.AudioResampler(format="s16p", layout="stereo", rate=44100)
        decoded = np.concatenate([f.to_ndarray() for fr in container.decode(audio=0) for f in resampler.resample(fr)],
                                 axis=1)
    assert result.waveform["samples"] == decoded.shape[1] and result.waveform["channels"] == 2
    body = np.frombuffer((tmp_path / "one" / "waveform_32768.dat").read_bytes(), "<i2", offset=24).reshape(-1, 2, 2)
    bins = -(-decoded.shape[1] // 32768)
    assert body.shape[0] == bins
    for b in (0, bins // 2, bins - 1):
        block = decoded[:, b * 32768 : (b + 1) * 32768]
        assert body[b].tolist() == [[int(block[c].min()), int(block[c].max())] for c in range(2)]


def test_a_decoder_switching_sample_format_mid_stream_gives_every_sample_in_order_in_fixed_chunks(
        monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    parts = [rng.integers(-32768, 32768, (2, n)).astype(np.int16) for n in (1000, 700, 500, 900)]
    as_float = [p.astype(np.float32) / 32768 for p in parts]  # exact: converted back to the same int16
    frames = [av.AudioFrame.from_ndarray(as_float[0], format="fltp", layout="stereo"),
              av.AudioFrame.from_ndarray(parts[1], format="s16p", layout="stereo"),
              av.AudioFrame.from_ndarray(parts[2].astype(np.int32) << 16, format="s32p", layout="stereo"),
              av.AudioFrame.from_ndarray(as_float[3], format="fltp", layout="stereo")]
    for frame in frames:
        frame.sample_rate = 44100

    class Container:
        def close(self) -> None:
            pass

    monkeypatch.setattr(pcm_module, "_decoded_frames", lambda container, stream: iter(frames))
    info = PcmInfo(44100, 2, 3100)
    chunks = [c.copy() for c in pcm_module._decode_chunks(Container(), None, info, 1024)]
    assert [c.shape[1] for c in chunks] == [1024, 1024, 1024, 28]
    assert np.array_equal(np.concatenate(chunks, axis=1), np.concatenate(parts, axis=1))
    assert info.samples_read == 3100


@pytest.mark.parametrize("chunk", [65536, 10_007, 1 << 21])
def test_the_hash_does_not_depend_on_how_the_stream_is_cut_into_chunks(stereo_mp3: Path, chunk: int) -> None:
    info, chunks = pcm_module.open_pcm(str(stereo_mp3), chunk)
    hasher = AudioHasher(info.sample_rate)
    for piece in chunks:
        hasher.feed(piece)
    assert hasher.finish() == audio_fingerprint(str(stereo_mp3))


def test_a_stream_too_short_to_hash_still_gets_its_waveform(tmp_path: Path) -> None:
    src = write_wav(tmp_path / "blip.wav", np.full((100, 1), 1000, dtype=np.int16))
    result = analyze_audio(str(src), str(tmp_path / "wf"), with_fingerprint=True)
    assert result.waveform["samples"] == 100
    assert (result.fingerprint, result.fingerprint_problem) == (None, "too little audio for a fingerprint")


def test_a_truncated_file_fails_from_the_reader_thread_and_leaves_no_artifact(tmp_path: Path) -> None:
    src = write_wav(tmp_path / "cut.wav", (np.random.default_rng(2).standard_normal((44100 * 40, 1)) * 3000)
                    .astype(np.int16))
    data = src.read_bytes()
    src.write_bytes(data[: len(data) // 2])  # the header still promises 40 s
    with pytest.raises(MediaError, match=r"^truncated: decoding stopped at 20\.0 s of 40\.0 s$"):
        analyze_audio(str(src), str(tmp_path / "wf"))
    assert list((tmp_path / "wf").iterdir()) == []
    assert not [t for t in threading.enumerate() if t.name == "pcm-read-ahead"]


def test_a_failing_consumer_stops_the_reader_which_closes_its_file() -> None:
    closed: list[int] = []

    def chunks() -> Iterator[np.ndarray]:
        try:
            for _ in range(100):
                yield np.zeros((1, 4096), dtype=np.int16)
        finally:
            closed.append(1)

    class Failing:
        fed = 0

        def feed(self, chunk: np.ndarray) -> None:
            self.fed += 1
            if self.fed == 3:
                raise OSError("disk full")

    consumer = Failing()
    with pytest.raises(OSError, match="disk full"):
        feed_all(PcmInfo(44100, 1, None), chunks(), [consumer], ahead=True)
    assert consumer.fed == 3 and closed == [1]
    assert not [t for t in threading.enumerate() if t.name == "pcm-read-ahead"]


def _wav_minutes(path: Path, minutes: int) -> Path:
    block = (np.random.default_rng(1).standard_normal((44100 * 10, 2)) * 3000).astype("<i2").tobytes()
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(44100)
        for _ in range(minutes * 6):
            w.writeframesraw(block)
    return path


def _peak_bytes(src: Path, out: Path) -> int:
    tracemalloc.start()
    try:
        result = analyze_audio(str(src), str(out))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.fingerprint is not None
    return peak


def test_memory_does_not_grow_with_duration(tmp_path: Path) -> None:
    short = _peak_bytes(_wav_minutes(tmp_path / "short.wav", 4), tmp_path / "wf4")
    long = _peak_bytes(_wav_minutes(tmp_path / "long.wav", 20), tmp_path / "wf20")
    # A few 4 MiB chunks in flight, and 64 bytes of band energies per quarter second (300 kB here).
    assert long < 40 * 1024 * 1024
    assert long - short < 1024 * 1024
