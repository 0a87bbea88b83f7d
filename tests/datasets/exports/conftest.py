"""A small labeled project as plain export records: every track kind, three annotators, gold and a prediction."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from datasets.exports import FORMATS

SCHEMA: dict[str, Any] = {"tracks": [
    {"name": "speech", "kind": "segment", "stream": "audio",
     "labels": [{"value": "speech", "color": "#4f8cff", "hotkey": "1"}, {"value": "music", "hotkey": "2"}],
     "attributes": [{"name": "speaker", "type": "choice", "choices": ["A", "B"]},
                    {"name": "loud", "type": "bool"}, {"name": "snr", "type": "number"},
                    {"name": "note", "type": "text"}]},
    {"name": "events", "kind": "point", "stream": "audio", "labels": [{"value": "clap", "hotkey": "c"},
                                                                      {"value": "laugh", "hotkey": "l"}]},
    {"name": "words", "kind": "transcript", "stream": "audio"},
    {"name": "entities", "kind": "span", "stream": "transcript", "labels": [{"value": "PER"}, {"value": "LOC"}]},
    {"name": "faces", "kind": "box", "stream": "video", "labels": [{"value": "face"}, {"value": "hand"}]},
    {"name": "links", "kind": "relation", "labels": [{"value": "refers_to"}]},
]}

TEXT = 'Alice met Bob in Paris & said "hi" <loudly>.'


def _human(n: int) -> list[dict[str, Any]]:
    """One annotator's regions; `n` shifts times so annotators disagree a little."""
    d = n * 40
    return [
        {"id": "s1", "track": "speech", "label": "speech", "start_ms": 120 + d, "end_ms": 2040 + d,
         "attributes": {"speaker": "A", "loud": n == 1, "snr": 12.5 + n, "note": f"take {n}"}},
        # overlaps s1 on purpose: Praat tiers must split into lanes
        {"id": "s2", "track": "speech", "label": "music", "start_ms": 1500 + d, "end_ms": 3000},
        {"id": "s3", "track": "speech", "label": "speech", "start_ms": 4000, "end_ms": 5210 + d,
         "attributes": {"speaker": "B"}},
        {"id": "p1", "track": "events", "label": "clap", "time_ms": 1500 + d},
        {"id": "p2", "track": "events", "label": "laugh", "time_ms": 4200},
        {"id": "w1", "track": "words", "start_ms": 120, "end_ms": 900 + d, "text": "Alice met Bob"},
        {"id": "w2", "track": "words", "start_ms": 900 + d, "end_ms": 2000, "text": 'in Paris & said "hi" <loudly>.'},
        {"id": "e1", "track": "entities", "label": "PER", "start_char": 0, "end_char": 5, "text": "Alice"},
        {"id": "e2", "track": "entities", "label": "LOC", "start_char": 17, "end_char": 22, "text": "Paris"},
        {"id": "b1", "track": "faces", "label": "face", "keyframes": [
            {"time_ms": 0, "x": 0.1, "y": 0.2, "w": 0.25, "h": 0.3},
            {"time_ms": 1000, "x": round(0.15 + n / 100, 4), "y": 0.2, "w": 0.25, "h": 0.3}]},
        {"id": "b2", "track": "faces", "label": "hand", "keyframes": [
            {"time_ms": 1000, "x": 0.5, "y": 0.5, "w": 0.125, "h": 0.0625}]},
        {"id": "l1", "track": "links", "label": "refers_to", "from_id": "e1", "to_id": "s1"},
    ]


def _annotation(annotator: str, kind: str, regions: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"annotator": annotator, "kind": kind, "status": "submitted", "model": None, "model_version": None,
            "updated_at": "2026-11-23T12:00:00Z", "regions": regions, **extra}


def _prediction() -> list[dict[str, Any]]:
    return [
        {"id": "q1", "track": "speech", "label": "speech", "start_ms": 100, "end_ms": 2000, "score": 0.875},
        {"id": "q2", "track": "words", "start_ms": 100, "end_ms": 2000, "text": "alice met bob", "score": 0.5},
        {"id": "q3", "track": "faces", "label": "face", "score": 0.75,
         "keyframes": [{"time_ms": 40, "x": 0.125, "y": 0.25, "w": 0.25, "h": 0.25}]},
    ]


def make_records() -> list[dict[str, Any]]:
    """Two items: a full one and a sparse one (no boxes, only one annotator)."""
    gold = _human(0)
    gold[0] = {**gold[0], "source": {"model": "vad", "version": "1.2"}}
    full = {
        "item_id": 7, "external_id": "clip 007", "provenance": {"kind": "captured", "device": "cam-2"},
        "metadata": {"session": "s1"}, "duration_ms": 6000,
        "streams": [
            {"role": "video", "kind": "video", "uri": "media/ab/abcd.mp4", "offset_ms": 0, "duration_ms": 6000,
             "sha256": "a" * 64, "fps": 25.0, "width": 1280, "height": 720},
            {"role": "audio", "kind": "audio", "uri": "media/cd/cdef.wav", "offset_ms": 120, "duration_ms": 5880,
             "sha256": "b" * 64},
            {"role": "transcript", "kind": "text", "uri": "media/ef/ef01.txt", "offset_ms": 0, "sha256": "c" * 64},
        ],
        "texts": {"transcript": TEXT},
        "annotations": [
            _annotation("ann_a", "human", _human(1)),
            _annotation("ann_b", "human", _human(2)),
            _annotation("ann_c", "human", _human(3)),
            _annotation("rev_r", "gold", gold),
            _annotation("whisper-vad", "prediction", _prediction(), model="whisper-vad", model_version="3.1"),
        ],
    }
    sparse = {
        "item_id": 8, "external_id": "clip-008", "provenance": {"kind": "synthetic"}, "metadata": {},
        "duration_ms": 3000,
        "streams": [{"role": "audio", "kind": "audio", "uri": "media/12/1234.mp3", "offset_ms": -40,
                     "duration_ms": 3040, "sha256": "d" * 64}],
        "texts": {},
        "annotations": [_annotation("ann_a", "human", [
            {"id": "x1", "track": "speech", "label": "speech", "start_ms": 0, "end_ms": 3000},
            {"id": "x2", "track": "events", "label": "clap", "time_ms": 3000},
            {"id": "x3", "track": "words", "start_ms": 500, "end_ms": 1250, "text": "one\ntwo"},
        ])],
    }
    return [full, sparse]


@pytest.fixture
def schema() -> dict[str, Any]:
    """The project's label schema."""
    return SCHEMA


@pytest.fixture
def records() -> list[dict[str, Any]]:
    """Fresh records for each test (writers must not change them; tests may)."""
    return make_records()


@pytest.fixture
def export() -> Callable[..., bytes]:
    """Run a format's writer into memory and return the bytes."""
    def run(name: str, schema: dict[str, Any], records: Iterable[dict[str, Any]], **options: Any) -> bytes:
        buf = io.BytesIO()
        FORMATS[name].writer(schema, records, buf, **options)
        return buf.getvalue()
    return run


@pytest.fixture
def read_back() -> Callable[..., list[dict[str, Any]]]:
    """Read a format's bytes back into records."""
    def run(name: str, data: bytes, schema: dict[str, Any]) -> list[dict[str, Any]]:
        reader = FORMATS[name].reader
        assert reader is not None
        return list(reader(io.BytesIO(data), schema))
    return run
