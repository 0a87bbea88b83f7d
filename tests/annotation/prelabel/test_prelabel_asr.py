"""Whisper ASR plumbing with a tiny randomly initialised model built in the test.

This checks loading from a local directory, window batching across items, and the shape of the
output regions: it checks plumbing, not accuracy (random weights transcribe nothing real).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from annotation.prelabel import asr, models
from annotation.prelabel.base import check_region

SPECIALS = [
    "<|endoftext|>", "<|startoftranscript|>", "<|en|>", "<|transcribe|>", "<|translate|>",
    "<|startoflm|>", "<|startofprev|>", "<|nocaptions|>", "<|notimestamps|>",
]


def _byte_alphabet() -> list[str]:
    """GPT-2's printable stand-ins for the 256 byte values (the byte-level BPE base vocabulary)."""
    printable = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    extra = [b for b in range(256) if b not in printable]
    table = {b: chr(b) for b in printable} | {b: chr(256 + i) for i, b in enumerate(extra)}
    return [table[b] for b in range(256)]


def _tiny_whisper(root: Path) -> Path:
    import torch
    from transformers import (
        GenerationConfig,
        WhisperConfig,
        WhisperFeatureExtractor,
        WhisperForConditionalGeneration,
        WhisperProcessor,
        WhisperTokenizer,
    )

    merges = ["\u0120 t", "h e", "\u0120t he"]
    vocab = {c: i for i, c in enumerate(_byte_alphabet())}
    for merge in merges:
        vocab[merge.replace(" ", "")] = len(vocab)
    for token in SPECIALS:
        vocab[token] = len(vocab)
    (root / "vocab.json").write_text(json.dumps(vocab))
    (root / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n")
    eot = "<|endoftext|>"
    tokenizer = WhisperTokenizer(
        str(root / "vocab.json"), str(root / "merges.txt"),
        unk_token=eot, bos_token=eot, eos_token=eot, pad_token=eot,
    )
    config = WhisperConfig(
        vocab_size=len(vocab), d_model=16, encoder_layers=1, decoder_layers=1,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32,
        num_mel_bins=80, max_source_positions=1500, max_target_positions=64,
        decoder_start_token_id=vocab["<|startoftranscript|>"], eos_token_id=vocab[eot],
        pad_token_id=vocab[eot], bos_token_id=vocab[eot], begin_suppress_tokens=None, suppress_tokens=None,
    )
    torch.manual_seed(0)
    model = WhisperForConditionalGeneration(config)
    model.generation_config = GenerationConfig(
        decoder_start_token_id=vocab["<|startoftranscript|>"], eos_token_id=vocab[eot], pad_token_id=vocab[eot],
        no_timestamps_token_id=vocab["<|notimestamps|>"], is_multilingual=False,
        alignment_heads=[[0, 0], [0, 1]], max_length=64,
    )
    out = root / "tiny-whisper"
    model.save_pretrained(out)
    WhisperProcessor(feature_extractor=WhisperFeatureExtractor(feature_size=80), tokenizer=tokenizer).save_pretrained(out)
    return out


def test_words_group_on_the_space_marker_and_end_where_the_next_word_starts() -> None:
    words = asr.group_words(
        ["\u0120he", "llo", "\u0120there"], [0.5, 0.8, 1.1], [0.9, 0.7, 0.4], 2.0, lambda t: "".join(t).replace("\u0120", " ")
    )
    assert [(w.text, w.start_s, w.end_s) for w in words] == [("hello", 0.5, 1.1), ("there", 1.1, 2.0)]
    assert words[0].score == pytest.approx(0.8)
    assert words[1].score == pytest.approx(0.4)


@pytest.mark.slow
def test_a_local_tiny_whisper_loads_once_and_fills_transcript_regions_per_item(
    tmp_path: Path, speech_with_gaps: tuple[Path, list], spaced_words: tuple[Path, list, list], corrupt_file: Path
) -> None:
    model_dir = _tiny_whisper(tmp_path)
    speech, truth = speech_with_gaps
    words_path, _, _ = spaced_words
    options = {"model_dir": str(model_dir), "track": "words", "batch_size": 2, "max_new_tokens": 6}
    batch: list[dict[str, Any]] = [{"audio": str(speech)}, {"audio": str(corrupt_file)}, {"audio": str(words_path), "offset_ms": 5000}]
    first = asr.run(batch, device="cpu", options=options)
    again = asr.run(batch, device="cpu", options=options)
    assert [k for k in models.loaded() if k[0] == f"asr:{model_dir}"] == [(f"asr:{model_dir}", "cpu")]
    assert first == again
    good, bad, shifted = first
    assert bad.error is not None and bad.regions == []
    assert good.error is None and shifted.error is None
    assert good.regions and shifted.regions
    for region in good.regions:
        check_region(region, "transcript")
        assert region["end_ms"] <= truth[-1][1] + 500
    for region in shifted.regions:
        check_region(region, "transcript")
        assert region["start_ms"] >= 5000


def test_a_model_directory_that_does_not_exist_fails_each_item_without_raising(tmp_path: Path) -> None:
    results = asr.run(
        [{"audio": "a.wav"}, {"audio": "b.wav"}], device="cpu", options={"model_dir": str(tmp_path / "none"), "track": "w"}
    )
    assert [r.error is not None for r in results] == [True, True]
