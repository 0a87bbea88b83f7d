"""The registry and the contract every registered pre-labeler keeps."""

from __future__ import annotations

import subprocess
import sys
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from annotation.prelabel import models, registry
from annotation.prelabel.base import STREAM_KINDS, TRACK_KINDS, ItemResult, check_region

ROOT = Path(__file__).resolve().parents[3]


def _inputs(name: str, speech: Path, words: list[str], words_path: Path,
            video: Path, face: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A one-item batch and options for each built-in, from the generated media."""
    table: dict[str, tuple[list[dict[str, Any]], dict[str, Any]]] = {
        "vad": ([{"audio": str(speech)}], {"track": "speech", "label": "speech"}),
        "shots": ([{"boundaries_ms": [1000], "duration_ms": 2500}], {"track": "shots", "label": "shot"}),
        "align": ([{"audio": str(words_path), "text": " ".join(words)}], {"track": "words"}),
        "asr": ([{"audio": str(speech)}], {"track": "words"}),
        "ocr": ([{"video": str(video), "boundaries_ms": [2000, 4000], "duration_ms": 6000}], {"track": "captions"}),
        "faces": ([{"video": str(face)}], {"track": "redact", "label": "face"}),
        "pii": ([{"text": "write to a@b.io"}], {"track": "redact"}),
    }
    return table[name]


def test_importing_the_registry_and_listing_pre_labelers_imports_no_model_library() -> None:
    code = (
        "import sys; from annotation.prelabel import registry; names = registry.available(); "
        "print(sorted(names), [m for m in ('torch', 'transformers', 'pocketsphinx', 'silero_vad') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['align', 'asr', 'faces', 'ocr', 'pii', 'shots', 'vad'] []"


def test_every_registered_pre_labeler_declares_its_contract_and_returns_the_result_format(
    speech_with_gaps: tuple[Path, list], spaced_words: tuple[Path, list, list], titled_video: Path,
    face_video: Path,
) -> None:
    speech, _ = speech_with_gaps
    words_path, words, _ = spaced_words
    for name in registry.available():
        pre = registry.get(name)
        assert pre.name == name
        assert isinstance(pre.version, str) and pre.version
        assert pre.needs and set(pre.needs) <= STREAM_KINDS
        assert pre.fills and set(pre.fills) <= TRACK_KINDS
        batch, options = _inputs(name, speech, words, words_path, titled_video, face_video)
        results = pre.run(batch, device="cpu", options=options)
        assert len(results) == len(batch)
        for result in results:
            assert isinstance(result, ItemResult)
            if result.error is not None:
                assert result.regions == []
                continue
            assert result.regions, name
            ids = [r["id"] for r in result.regions]
            assert len(set(ids)) == len(ids)
            for region in result.regions:
                check_region(region, pre.fills[0])
            assert result.as_result() == {"regions": result.regions}


def test_asr_without_weights_reports_how_to_configure_them() -> None:
    [result] = registry.get("asr").run([{"audio": "x.wav"}], device="cpu", options={"track": "words"})
    assert result.error == "ASR weights not configured: set TANDEM_ASR_MODEL_DIR to a local Whisper model directory"


def test_register_checks_declarations_and_refuses_a_taken_name() -> None:
    def run(batch: Sequence[Any], *, device: str, options: Any) -> list[ItemResult]:
        return [ItemResult(regions=[{"id": "k-1", "track": "t", "label": "x", "time_ms": 5, "score": 0.5}]) for _ in batch]

    module = types.SimpleNamespace(name="keyword", version="1", needs=("audio",), fills=("point",), run=run)
    try:
        registry.register(module)  # type: ignore[arg-type]
        assert "keyword" in registry.available()
        assert registry.get("keyword").run([{}], device="cpu", options={})[0].regions[0]["time_ms"] == 5
        with pytest.raises(ValueError, match="already registered"):
            registry.register(types.SimpleNamespace(**{**vars(module), "run": run}))  # type: ignore[arg-type]
    finally:
        registry.unregister("keyword")
    bad = types.SimpleNamespace(name="bad", version="1", needs=("smell",), fills=("point",), run=run)
    with pytest.raises(ValueError, match="needs must be stream kinds"):
        registry.register(bad)  # type: ignore[arg-type]
    with pytest.raises(KeyError, match="no pre-labeler 'keyword'"):
        registry.get("keyword")


def test_models_are_loaded_once_per_name_and_device() -> None:
    loads: list[str] = []

    def loader() -> object:
        loads.append("x")
        return object()

    first = models.cached("test-model", "cpu", loader)
    assert models.cached("test-model", "cpu", loader) is first
    assert models.cached("test-model", "cuda", loader) is not first
    assert loads == ["x", "x"]
