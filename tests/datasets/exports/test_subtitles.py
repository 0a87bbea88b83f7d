"""WebVTT and SRT of transcript tracks, checked with webvtt-py."""

from __future__ import annotations

import html
import io
import zipfile
from collections.abc import Callable
from typing import Any

import webvtt

from datasets.exports.subtitles import format_time, parse_time


def _transcripts(records: list[dict[str, Any]]) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    out = {}
    for rec in records:
        for ann in rec["annotations"]:
            regions = [r for r in ann["regions"] if r["track"] == "words"]
            out[(rec["external_id"], ann["kind"], ann["annotator"])] = sorted(
                regions, key=lambda r: (r["start_ms"], r["end_ms"]))
    return out


def test_timestamps_are_exact_milliseconds_both_ways() -> None:
    for ms in (0, 1, 999, 61_001, 3_600_000 + 7):
        assert parse_time(format_time(ms, ".")) == ms
        assert parse_time(format_time(ms, ",")) == ms
    assert format_time(3_723_004, ".") == "01:02:03.004"


def test_webvtt_files_read_with_webvtt_py_match_the_transcript_regions(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes]) -> None:
    expected = _transcripts(records)
    with zipfile.ZipFile(io.BytesIO(export("webvtt", schema, records))) as zf:
        names = zf.namelist()
        assert names[0] == "clip 007/human/ann_a/words.vtt"
        assert len(names) == len(expected) == 6
        for name in names:
            item, kind, annotator, _ = name.split("/")
            vtt = webvtt.from_buffer(io.BytesIO(zf.read(name)))
            regions = expected[(item, kind, annotator)]
            assert [c.identifier for c in vtt.captions] == [r["id"] for r in regions]
            assert [(c.start, c.end) for c in vtt.captions] == \
                   [(format_time(r["start_ms"], "."), format_time(r["end_ms"], ".")) for r in regions]
            assert [html.unescape(c.text) for c in vtt.captions] == [r["text"] for r in regions]


def test_srt_files_read_with_webvtt_py_match_the_transcript_regions(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes]) -> None:
    expected = _transcripts(records)
    with zipfile.ZipFile(io.BytesIO(export("srt", schema, records))) as zf:
        for name in zf.namelist():
            item, kind, annotator, _ = name.split("/")
            srt = webvtt.from_buffer(io.BytesIO(zf.read(name)), format="srt")
            regions = expected[(item, kind, annotator)]
            # raw_text: webvtt-py strips anything tag-like from `text`, and SRT text is not escaped
            assert [(parse_time(c.start), parse_time(c.end), c.raw_text) for c in srt.captions] == \
                   [(r["start_ms"], r["end_ms"], r["text"]) for r in regions]


def test_subtitle_readers_give_back_the_transcript_regions(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes],
        read_back: Callable[..., list[dict[str, Any]]]) -> None:
    expected = _transcripts(records)
    for fmt in ("webvtt", "srt"):
        back = read_back(fmt, export(fmt, schema, records), schema)
        got = {(rec["external_id"], a["kind"], a["annotator"]): a["regions"] for rec in back for a in rec["annotations"]}
        assert set(got) == set(expected)
        for key, regions in expected.items():
            assert [(r["track"], r["start_ms"], r["end_ms"], r["text"]) for r in got[key]] == \
                   [(r["track"], r["start_ms"], r["end_ms"], r["text"]) for r in regions]
            if fmt == "webvtt":
                assert [r["id"] for r in got[key]] == [r["id"] for r in regions]


def test_tracks_without_transcript_regions_get_no_file_and_a_note(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes]) -> None:
    # a pre-label run that found speech but wrote no words: its transcript track is empty
    records[1]["annotations"].append({"annotator": "vad", "kind": "prediction", "regions": [
        {"id": "v1", "track": "speech", "label": "speech", "start_ms": 0, "end_ms": 900}]})
    for fmt, ext in (("srt", "srt"), ("webvtt", "vtt")):
        notes: list[str] = []
        data = export(fmt, schema, records, notes=notes)
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
            assert f"clip-008/prediction/vad/words.{ext}" not in names
            assert len(names) == 6
            for name in names:
                body = zf.read(name)
                parsed = webvtt.from_buffer(io.StringIO(body.decode()), format=ext)
                assert len(parsed.captions) >= 1, name
        assert notes == [f"clip-008/prediction/vad/words.{ext}: no transcript regions, no file written"]
