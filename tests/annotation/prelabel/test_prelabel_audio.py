"""Streaming decode to 16 kHz mono for the models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pydub.generators import Sine

from annotation.prelabel.audio import iter_audio


def test_a_44k_stereo_file_streams_as_fixed_16k_mono_chunks_with_the_right_total(tmp_path: Path) -> None:
    path = tmp_path / "tone.wav"
    Sine(440, sample_rate=44100).to_audio_segment(duration=2500, volume=-6).set_channels(2).export(str(path), format="wav")
    chunks = list(iter_audio(str(path), chunk_samples=7000))
    assert all(c.size == 7000 for c in chunks[:-1]) and 0 < chunks[-1].size <= 7000
    assert all(c.dtype == np.float32 and c.ndim == 1 for c in chunks)
    total = sum(c.size for c in chunks)
    assert abs(total - 2.5 * 16000) <= 16  # within one millisecond
    # identical channels averaged: the -6 dBFS sine keeps its peak amplitude 10 ** (-6 / 20)
    assert float(np.max(np.abs(np.concatenate(chunks)))) == pytest.approx(10 ** (-6 / 20), abs=0.02)


def test_a_file_without_audio_is_refused(tmp_path: Path) -> None:
    import av

    path = tmp_path / "silent.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for _ in range(3):
            frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), dtype=np.uint8), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    with pytest.raises(ValueError, match="no audio stream"):
        list(iter_audio(str(path)))
