"""Speech recognition into a transcript track with word times, using a local Whisper model.

Weights come only from a directory the admin configures (passed here as the ``model_dir``
option; the platform reads it from ``TANDEM_ASR_MODEL_DIR``): a Hugging Face ``transformers``
Whisper checkpoint (``config.json``, weights, tokenizer and feature-extractor files), loaded with
``local_files_only=True``, so nothing is fetched from a hub. With no directory configured every
item reports that clearly instead of failing the batch.

Input item keys: ``audio`` (PyAV-readable path), optional ``offset_ms``. Options: ``model_dir``,
``track`` (a transcript track), ``language`` (e.g. ``"en"``; omitted: the model decides),
``batch_size`` (8 windows), ``max_new_tokens`` (128).

Audio is streamed in 30 s windows (Whisper's fixed input length) and windows from all items are
batched together. Word times come from Whisper's cross-attention alignment heads (dynamic time
warping in ``generate(return_token_timestamps=True)``), so the checkpoint's generation config
must list ``alignment_heads``. A word that straddles a window edge may be split in two. The
score of a word is the mean probability the model gave its tokens.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
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

name = "asr"
version = "whisper-transformers+1"
needs: tuple[str, ...] = ("audio",)
fills: tuple[str, ...] = ("transcript",)

NOT_CONFIGURED = "ASR weights not configured: set TANDEM_ASR_MODEL_DIR to a local Whisper model directory"
WINDOW_S = 30
_WORD_START = "\u0120"  # byte-level BPE marks a leading space with this character


@dataclass
class Word:
    """One recognised word inside a window, times in seconds from the window start."""

    text: str
    start_s: float
    end_s: float
    score: float


@dataclass
class _Window:
    item: int
    start_s: float
    samples: np.ndarray


def _load(model_dir: str, device: str) -> tuple[Any, Any]:
    from transformers import WhisperForConditionalGeneration, WhisperProcessor

    processor = WhisperProcessor.from_pretrained(model_dir, local_files_only=True)
    model = WhisperForConditionalGeneration.from_pretrained(model_dir, local_files_only=True)
    model.to(device).eval()  # type: ignore[arg-type]
    return processor, model


def group_words(
    tokens: Sequence[str], times: Sequence[float], probs: Sequence[float], end_s: float, to_text: Any
) -> list[Word]:
    """Merge byte-level BPE tokens into words with start/end times and mean token probability.

    A token beginning with the space marker starts a new word; a word ends where the next
    token (of any word) starts, or at ``end_s`` for the last one. ``to_text`` turns a token
    list back into a string (the tokenizer's ``convert_tokens_to_string``).
    """
    groups: list[list[int]] = []
    for i, token in enumerate(tokens):
        if not groups or token.startswith(_WORD_START):
            groups.append([i])
        else:
            groups[-1].append(i)
    words: list[Word] = []
    for g in groups:
        text = str(to_text([tokens[i] for i in g])).strip()
        if not text:
            continue
        start = min(float(times[g[0]]), end_s)
        stop = float(times[g[-1] + 1]) if g[-1] + 1 < len(times) else end_s
        words.append(Word(text, start, min(max(stop, start), end_s), float(np.mean([probs[i] for i in g]))))
    return words


def _transcribe(windows: Sequence[_Window], device: str, model_dir: str, options: Options) -> list[list[Word]]:
    import torch

    processor, model = cached(f"{name}:{model_dir}", device, lambda: _load(model_dir, device))
    tokenizer = processor.tokenizer
    if not getattr(model.generation_config, "alignment_heads", None):
        raise ValueError("the Whisper checkpoint has no alignment_heads in generation_config; word times need them")
    feats = processor(
        [w.samples for w in windows], sampling_rate=SAMPLE_RATE, return_tensors="pt", return_attention_mask=True
    )
    kwargs: dict[str, Any] = {}
    if options.get("language"):
        kwargs.update(language=options["language"], task="transcribe")
    with torch.inference_mode():
        out = model.generate(
            feats.input_features.to(device, model.dtype),
            attention_mask=feats.attention_mask.to(device),
            return_token_timestamps=True,
            return_dict_in_generate=True,
            output_scores=True,
            max_new_tokens=int(options.get("max_new_tokens", 128)),
            **kwargs,
        )
    steps = len(out["scores"])
    generated = out["sequences"][:, -steps:].cpu()
    times = out["token_timestamps"][:, -steps:].cpu()
    step_probs = torch.stack([s.float().softmax(-1) for s in out["scores"]], dim=1).cpu()
    chosen = step_probs.gather(-1, generated.unsqueeze(-1)).squeeze(-1)
    special = set(tokenizer.all_special_ids)
    results: list[list[Word]] = []
    for b, window in enumerate(windows):
        keep = [i for i, t in enumerate(generated[b].tolist()) if t not in special]
        tokens = tokenizer.convert_ids_to_tokens([int(generated[b, i]) for i in keep])
        results.append(
            group_words(
                tokens,
                [float(times[b, i]) for i in keep],
                [float(chosen[b, i]) for i in keep],
                window.samples.size / SAMPLE_RATE,
                tokenizer.convert_tokens_to_string,
            )
        )
    return results


def _windows(batch: Sequence[Item], errors: dict[int, str]) -> Iterator[_Window]:
    for index, item in enumerate(batch):
        try:
            start = 0.0
            for samples in iter_audio(str(require_option(item, "audio")), chunk_samples=WINDOW_S * SAMPLE_RATE):
                yield _Window(index, start, samples)
                start += samples.size / SAMPLE_RATE
        except Exception as exc:  # belongs to this item
            errors[index] = failed(exc).error or "decode failed"


def run(batch: Sequence[Item], *, device: str, options: Options) -> list[ItemResult]:
    """Word regions for each item; windows of all items share batches on ``device``."""
    model_dir = options.get("model_dir")
    if not model_dir:
        return [ItemResult(error=NOT_CONFIGURED) for _ in batch]
    try:
        track = str(require_option(options, "track"))
    except ValueError as exc:
        return [failed(exc) for _ in batch]
    batch_size = int(options.get("batch_size", 8))
    errors: dict[int, str] = {}
    words: dict[int, list[tuple[float, Word]]] = {i: [] for i in range(len(batch))}
    pending: list[_Window] = []

    def flush() -> None:
        nonlocal device
        try:
            outs, device = run_batched(
                pending, lambda chunk, dev: _transcribe(chunk, dev, str(model_dir), options),
                batch_size=batch_size, device=device,
            )
        except Exception as exc:  # a model failure fails these windows' items
            for w in pending:
                errors.setdefault(w.item, failed(exc).error or "recognition failed")
        else:
            for w, found in zip(pending, outs, strict=True):
                words[w.item].extend((w.start_s, word) for word in found)
        pending.clear()

    for window in _windows(batch, errors):
        pending.append(window)
        if len(pending) >= batch_size:
            flush()
    if pending:
        flush()
    results: list[ItemResult] = []
    for index, item in enumerate(batch):
        if index in errors:
            results.append(ItemResult(error=errors[index]))
            continue
        offset = offset_of(item)
        regions: list[Region] = [
            {
                "track": track,
                "start_ms": offset + round((base + w.start_s) * 1000),
                "end_ms": offset + round((base + w.end_s) * 1000),
                "text": w.text,
                "score": round(min(max(w.score, 0.0), 1.0), 4),
            }
            for base, w in words[index]
        ]
        results.append(ItemResult(regions=number_regions(name, regions)))
    return results
