"""Annotation files written by the tools of each ecosystem (pympi, praatio, webvtt-py), a Label Studio
export in the shape Label Studio writes it, and a Tandem JSONL export, each with known regions."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from datasets.exports.native import write_jsonl


def eaf_file(folder: Path, *, media: str = "interview-1.wav", bad_label: bool = False) -> bytes:
    """An ordinary ELAN file: tiers "speaker A" (two intervals) and "gesture" (one), linked to ``media``."""
    import pympi

    eaf = pympi.Elan.Eaf(author="someone")
    eaf.add_linked_file(f"file:///home/someone/corpus/{media}", mimetype="audio/x-wav")
    eaf.add_tier("speaker A")
    eaf.add_tier("gesture")
    eaf.remove_tier("default")
    eaf.add_annotation("speaker A", 1000, 2500, "speech")
    eaf.add_annotation("speaker A", 3000, 4200, "singing" if bad_label else "Music")
    eaf.add_annotation("gesture", 1500, 1500 + 1, "clap")
    path = folder / "session.eaf"
    eaf.to_file(str(path))
    return path.read_bytes()


def textgrid_file(folder: Path, name: str = "interview-1.TextGrid") -> bytes:
    """A TextGrid with an interval tier "speech" and a point tier "events"."""
    from praatio import textgrid

    grid = textgrid.Textgrid()
    grid.addTier(textgrid.IntervalTier("speech", [(1.0, 2.5, "speech"), (3.0, 4.25, "music")], 0, 10))
    grid.addTier(textgrid.PointTier("events", [(3.2, "clap")], 0, 10))
    path = folder / name
    grid.save(str(path), format="long_textgrid", includeBlankSpaces=True)
    return path.read_bytes()


def vtt_file(folder: Path, name: str = "interview-1.vtt", *, srt: bool = False) -> bytes:
    import webvtt

    vtt = webvtt.WebVTT()
    vtt.captions.append(webvtt.Caption("00:00:01.000", "00:00:02.500", "Hello there."))
    vtt.captions.append(webvtt.Caption("00:00:03.250", "00:00:04.000", "General Kenobi."))
    path = folder / name
    if srt:
        vtt.save_as_srt(str(path))
    else:
        vtt.save(str(path))
    return path.read_bytes()


def labelstudio_export(media: str = "interview-1.wav") -> bytes:
    """A JSON export of a Label Studio audio project (labels + per-region transcription), as it writes one."""
    tasks: list[dict[str, Any]] = [{
        "id": 7, "data": {"audio": f"/data/upload/3/5f1c2a9b-{media}"}, "meta": {},
        "file_upload": f"5f1c2a9b-{media}", "project": 3, "inner_id": 1, "total_annotations": 1,
        "created_at": "2026-11-02T10:00:00.000000Z", "updated_at": "2026-11-02T10:05:00.000000Z",
        "annotations": [{
            "id": 12, "completed_by": 1, "was_cancelled": False, "ground_truth": False, "lead_time": 41.2,
            "created_at": "2026-11-02T10:05:00.000000Z", "updated_at": "2026-11-02T10:05:00.000000Z",
            "task": 7, "project": 3, "prediction": {}, "result_count": 3, "unique_id": "9a7c", "import_id": None,
            "last_action": None, "parent_prediction": None, "parent_annotation": None, "draft_created_at": None,
            "result": [
                {"value": {"start": 1.0, "end": 2.5, "channel": 0, "labels": ["Speech"]}, "id": "wav1",
                 "from_name": "label", "to_name": "audio", "type": "labels", "origin": "manual"},
                {"value": {"start": 1.0, "end": 2.5, "channel": 0, "text": ["Hello there."]}, "id": "wav1",
                 "from_name": "transcription", "to_name": "audio", "type": "textarea", "origin": "manual"},
                {"value": {"start": 3.0, "end": 4.2, "channel": 0, "labels": ["Music"]}, "id": "wav2",
                 "from_name": "label", "to_name": "audio", "type": "labels", "origin": "manual"},
            ],
        }],
        "predictions": [],
        "drafts": [], "comment_authors": [], "annotators": [1],
    }]
    return json.dumps(tasks, indent=2).encode()


SCHEMA_FOR_NATIVE = {"tracks": [{"name": "speech", "kind": "segment", "labels": [{"value": "speech"}]},
                                {"name": "events", "kind": "point", "labels": [{"value": "clap"}]}]}


def native_jsonl(external_id: str = "interview-1", annotator: str = "ann_a") -> bytes:
    record = {"item_id": 41, "external_id": external_id, "duration_ms": 10_000, "provenance": {}, "metadata": {},
              "streams": [{"role": "audio", "kind": "audio", "uri": "datasets/1/interview-1.wav", "offset_ms": 0}],
              "texts": {},
              "annotations": [{"annotator": annotator, "kind": "human", "status": "submitted", "model": None,
                               "model_version": None, "updated_at": "2026-11-02T10:05:00Z",
                               "regions": [{"id": "r1", "track": "speech", "label": "speech", "start_ms": 1000,
                                            "end_ms": 2500},
                                           {"id": "r2", "track": "events", "label": "clap", "time_ms": 3200}]}]}
    out = io.BytesIO()
    write_jsonl(SCHEMA_FOR_NATIVE, [record], out)
    return out.getvalue()


def labelstudio_rich_export(media: str = "interview-1.wav") -> bytes:
    """A Label Studio JSON export with every result type the importer reads, in the shape Label Studio
    writes them: labels with a per-region choice, a video rectangle (frames and times), an image
    rectangle, a relation between two regions, and a choice of the whole task."""
    result: list[dict[str, Any]] = [
        {"value": {"start": 1.0, "end": 2.5, "channel": 0, "labels": ["Speech"]}, "id": "a1b2c3", "from_name": "label",
         "to_name": "audio", "type": "labels", "origin": "manual"},
        {"value": {"start": 1.0, "end": 2.5, "channel": 0, "choices": ["B"]}, "id": "a1b2c3", "from_name": "speaker",
         "to_name": "audio", "type": "choices", "origin": "manual"},
        {"value": {"framesCount": 250, "duration": 10.0, "sequence": [
            {"frame": 1, "enabled": True, "rotation": 0, "x": 10.0, "y": 20.0, "width": 25.0, "height": 30.0,
             "time": 0.0},
            {"frame": 26, "enabled": True, "rotation": 0, "x": 15.0, "y": 20.0, "width": 25.0, "height": 30.0,
             "time": 1.0},
            {"frame": 51, "enabled": False, "rotation": 0, "x": 20.0, "y": 22.5, "width": 25.0, "height": 30.0}],
            "labels": ["Face"]}, "id": "v9w8x7", "from_name": "box", "to_name": "video", "type": "videorectangle",
         "origin": "manual"},
        {"original_width": 640, "original_height": 480, "image_rotation": 0,
         "value": {"x": 50.0, "y": 50.0, "width": 12.5, "height": 6.25, "rotation": 0, "rectanglelabels": ["Face"]},
         "id": "r5s6t7", "from_name": "still", "to_name": "image", "type": "rectanglelabels", "origin": "manual"},
        {"from_id": "a1b2c3", "to_id": "v9w8x7", "type": "relation", "direction": "right", "labels": []},
        {"value": {"choices": ["clap"]}, "id": "c0c0c0", "from_name": "mood", "to_name": "audio", "type": "choices",
         "origin": "manual"},
    ]
    tasks: list[dict[str, Any]] = [{
        "id": 9, "data": {"audio": f"/data/upload/3/5f1c2a9b-{media}", "video": "/data/upload/3/0e0e0e0e-clip.mp4",
                          "image": "/data/upload/3/0f0f0f0f-frame.png", "fps": 25},
        "meta": {}, "file_upload": f"5f1c2a9b-{media}", "project": 3, "inner_id": 1, "total_annotations": 1,
        "annotations": [{"id": 21, "completed_by": 1, "was_cancelled": False, "ground_truth": False,
                         "result": result, "task": 9, "project": 3}],
        "predictions": [], "drafts": [], "annotators": [1],
    }]
    return json.dumps(tasks, indent=2).encode()
