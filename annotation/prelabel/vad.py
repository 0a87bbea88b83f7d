"""Voice activity detection with Silero VAD, as segment suggestions on a speech track.

Input item keys: ``audio`` (path of any PyAV-readable audio or video file), optional
``offset_ms``. Options: ``track`` and ``label`` (required: where the segments go), and the
Silero tuning knobs ``threshold`` (0.5), ``min_speech_ms`` (250), ``min_silence_ms`` (100),
``speech_pad_ms`` (30), ``batch_size`` (16), ``window_s`` (10).

The model is the TorchScript file shipped inside the ``silero-vad`` package (no hub download).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from annotation.prelabel.audio import SAMPLE_RATE, iter_audio
from annotation.prelabel.base import (
    Item,
    ItemResult,
    Options,
    Region,
    failed,
    number_regions,
    offset_of,
    require_option,
)
from annotation.prelabel.device import run_batched
from annotation.prelabel.models import cached

name = "vad"
version = "silero-6.2.3+1"
needs: tuple[str, ...] = ("audio",)
fills: tuple[str, ...] = ("segment",)

FRAME = 512  # Silero's window at 16 kHz: one probability per 32 ms
_model_lock = threading.Lock()  # the TorchScript model carries recurrent state


def _load(device: str) -> Any:
    import torch

    threads = torch.get_num_threads()
    from silero_vad import load_silero_vad  # its import pins torch to one thread; undo that

    torch.set_num_threads(threads)
    model = load_silero_vad(onnx=False)
    return model.to(device)


def run(batch: Sequence[Item], *, device: str, options: Options) -> list[ItemResult]:
    """Speech segments for each item, with the mean speech probability as ``score``."""
    try:
        track = str(require_option(options, "track"))
        label = str(require_option(options, "label"))
    except ValueError as exc:
        return [failed(exc) for _ in batch]
    results, _ = run_batched(
        list(batch),
        lambda chunk, dev: _run_lockstep(chunk, dev, options, track, label),
        batch_size=int(options.get("batch_size", 16)),
        device=device,
    )
    return results


def speech_probabilities(batch: Sequence[Item], device: str, window_s: float = 10.0) -> list[Any]:
    """Per-32-ms speech probabilities and sample count for each item (or its exception).

    Algorithm: the items are decoded side by side, a window of ``window_s`` seconds at a time,
    and stacked into one ``[batch, 512]`` tensor per model step, so the recurrent network runs
    once per frame for the whole batch instead of once per item. The recurrent state carries
    across windows, which is what stitches windows together without seams; an item that ends
    early (or fails to decode) is padded with silence and its padding frames are dropped.
    Returns, per item, ``(probs, n_samples)`` or the exception that stopped it.
    """
    import torch

    window = max(1, int(window_s * SAMPLE_RATE) // FRAME) * FRAME
    streams: list[Iterator[np.ndarray] | None] = []
    outcome: list[Any] = []
    for item in batch:
        try:
            streams.append(iter_audio(str(require_option(item, "audio")), chunk_samples=window))
            outcome.append(([], 0))
        except Exception as exc:  # belongs to this item
            streams.append(None)
            outcome.append(exc)
    model = cached(name, device, lambda: _load(device))
    with _model_lock, torch.inference_mode():
        model.reset_states()
        while any(s is not None for s in streams):
            block = np.zeros((len(batch), window), dtype=np.float32)
            lengths = [0] * len(batch)
            for b, stream in enumerate(streams):
                if stream is None:
                    continue
                try:
                    chunk = next(stream)
                except StopIteration:
                    streams[b] = None
                    continue
                except Exception as exc:  # corrupt data mid-stream
                    streams[b] = None
                    outcome[b] = exc
                    continue
                block[b, : chunk.size] = chunk
                lengths[b] = chunk.size
            n_frames = math.ceil(max(lengths) / FRAME)
            if n_frames == 0:
                continue
            x = torch.from_numpy(block[:, : n_frames * FRAME]).to(device)
            probs = torch.stack(
                [model(x[:, f * FRAME : (f + 1) * FRAME], SAMPLE_RATE)[:, 0] for f in range(n_frames)],
                dim=1,
            ).cpu().numpy()
            for b, length in enumerate(lengths):
                if length and not isinstance(outcome[b], BaseException):
                    item_probs, count = outcome[b]
                    item_probs.extend(probs[b, : math.ceil(length / FRAME)].tolist())
                    outcome[b] = (item_probs, count + length)
    return outcome


def _run_lockstep(
    chunk: Sequence[Item], device: str, options: Options, track: str, label: str
) -> list[ItemResult]:
    from silero_vad import get_speech_timestamps_from_probs

    outcomes = speech_probabilities(chunk, device, float(options.get("window_s", 10.0)))
    results: list[ItemResult] = []
    for item, outcome in zip(chunk, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            results.append(failed(outcome))
            continue
        probs, n_samples = outcome
        if n_samples == 0:
            results.append(failed(ValueError(f"no audio samples decoded from {item.get('audio')}")))
            continue
        stamps = get_speech_timestamps_from_probs(
            probs,
            sampling_rate=SAMPLE_RATE,
            threshold=float(options.get("threshold", 0.5)),
            min_speech_duration_ms=int(options.get("min_speech_ms", 250)),
            min_silence_duration_ms=int(options.get("min_silence_ms", 100)),
            speech_pad_ms=int(options.get("speech_pad_ms", 30)),
            audio_length_samples=n_samples,
        )
        offset = offset_of(item)
        regions: list[Region] = []
        for stamp in stamps:
            start, end = int(stamp["start"]), int(stamp["end"])
            frames = probs[start // FRAME : max(start // FRAME + 1, math.ceil(end / FRAME))]
            regions.append(
                {
                    "track": track,
                    "label": label,
                    "start_ms": offset + round(start * 1000 / SAMPLE_RATE),
                    "end_ms": offset + round(end * 1000 / SAMPLE_RATE),
                    "score": round(float(np.mean(frames)), 4),
                }
            )
        results.append(ItemResult(regions=number_regions(name, regions)))
    return results
