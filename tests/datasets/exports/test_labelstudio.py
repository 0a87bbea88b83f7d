"""Label Studio tasks: result entry shapes, and conversion back in both directions."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree

from datasets.exports.labelstudio import read_labelstudio


def _tasks(export: Callable[..., bytes], schema: dict[str, Any], records: list[dict[str, Any]], **kw: Any) -> Any:
    with zipfile.ZipFile(io.BytesIO(export("labelstudio", schema, records, **kw))) as zf:
        return [task for name in zf.namelist() if name.endswith("/tasks.json") for task in json.loads(zf.read(name))]


def test_each_item_is_a_task_with_media_urls_annotations_and_predictions(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes]) -> None:
    tasks = _tasks(export, schema, records, url_prefix="/data/local-files/?d=")
    assert [t["id"] for t in tasks] == [7, 8]
    full = tasks[0]
    assert full["data"]["video"] == "/data/local-files/?d=media/ab/abcd.mp4"
    assert full["data"]["audio"] == "/data/local-files/?d=media/cd/cdef.wav"
    assert full["data"]["transcript"] == records[0]["texts"]["transcript"]
    assert [(a["completed_by"], a["ground_truth"]) for a in full["annotations"]] == \
           [({"email": "ann_a@tandem.local"}, False), ({"email": "ann_b@tandem.local"}, False),
            ({"email": "ann_c@tandem.local"}, False), ({"email": "rev_r@tandem.local"}, True)]
    assert [(p["model_version"], p["score"]) for p in full["predictions"]] == [("3.1", (0.875 + 0.5 + 0.75) / 3)]


def test_result_entries_use_label_studio_types_units_and_percentages(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes]) -> None:
    result = _tasks(export, schema, records)[0]["annotations"][0]["result"]
    by: dict[tuple[Any, Any], dict[str, Any]] = {}
    for entry in result:
        by.setdefault((entry.get("id"), entry.get("from_name")), entry)
    seg = by[("s1", "speech")]
    assert (seg["type"], seg["to_name"], seg["value"]) == ("labels", "audio", {"start": 0.16, "end": 2.08, "labels": ["speech"]})
    assert by[("s1", "speech:speaker")]["value"] == {"start": 0.16, "end": 2.08, "choices": ["A"]}
    assert by[("s1", "speech:loud")]["value"]["choices"] == ["true"]
    assert by[("s1", "speech:snr")]["value"]["number"] == 13.5
    assert by[("s1", "speech:note")]["value"]["text"] == ["take 1"]
    assert by[("p1", "events")]["value"] == {"start": 1.54, "end": 1.54, "labels": ["clap"]}
    words = by[("w1", "words")]
    assert (words["type"], words["value"]) == ("textarea", {"start": 0.12, "end": 0.94, "text": ["Alice met Bob"]})
    span = by[("e2", "entities")]
    assert (span["type"], span["to_name"], span["value"]) == \
           ("labels", "transcript", {"start": 17, "end": 22, "text": "Paris", "labels": ["LOC"]})
    # a box on a video is a videorectangle even with one keyframe, each keyframe placed by frame (25 fps)
    hand = by[("b2", "faces")]
    assert (hand["type"], hand["to_name"], hand["value"]) == ("videorectangle", "video", {"labels": ["hand"], "sequence": [
        {"frame": 26, "time": 1.0, "x": 50.0, "y": 50.0, "width": 12.5, "height": 6.25, "rotation": 0, "enabled": True}]})
    face = by[("b1", "faces")]
    assert face["type"] == "videorectangle"
    assert [(f["frame"], f["time"], f["x"]) for f in face["value"]["sequence"]] == [(1, 0.0, 10.0), (26, 1.0, 16.0)]
    rel = by[("l1", "links")]
    assert (rel["type"], rel["from_id"], rel["to_id"], rel["labels"]) == ("relation", "e1", "s1", ["refers_to"])


def test_reader_converts_our_tasks_back_to_the_original_records(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes],
        read_back: Callable[..., list[dict[str, Any]]]) -> None:
    assert read_back("labelstudio", export("labelstudio", schema, records), schema) == records


def test_reader_takes_tasks_made_by_label_studio_itself(schema: dict[str, Any]) -> None:
    tasks = [{"id": 41, "data": {"audio": "/data/upload/a.wav", "text": "Bob lives in Oslo"},
              "annotations": [{"completed_by": 3, "ground_truth": False, "result": [
                  {"id": "Xy1", "from_name": "label", "to_name": "audio", "type": "labels",
                   "value": {"start": 0.5, "end": 1.25, "labels": ["speech"]}},
                  {"id": "Xy2", "from_name": "ner", "to_name": "text", "type": "labels",
                   "value": {"start": 13, "end": 17, "text": "Oslo", "labels": ["LOC"]}},
                  {"id": "Xy3", "from_name": "transcription", "to_name": "audio", "type": "textarea",
                   "value": {"start": 0.5, "end": 1.25, "text": ["bob lives"]}},
                  {"id": "Xy4", "from_name": "box", "to_name": "image", "type": "rectanglelabels",
                   "value": {"x": 25, "y": 10, "width": 50, "height": 20, "rectanglelabels": ["face"]}},
                  {"type": "relation", "from_id": "Xy2", "to_id": "Xy1", "direction": "right", "labels": ["refers_to"]},
              ]}],
              "predictions": [{"model_version": "ner-2", "score": 0.5, "result": []}]}]
    ner_schema = {"tracks": [t for t in schema["tracks"] if t["name"] != "events"]}
    (record,) = read_labelstudio(io.BytesIO(json.dumps(tasks, indent=1).encode()), ner_schema)
    assert record["item_id"] == 41
    human, pred = record["annotations"]
    assert (human["annotator"], human["kind"], pred["kind"], pred["model_version"]) == ("3", "human", "prediction", "ner-2")
    assert human["regions"] == [
        {"id": "Xy1", "track": "speech", "label": "speech", "start_ms": 500, "end_ms": 1250},
        {"id": "Xy2", "track": "entities", "label": "LOC", "start_char": 13, "end_char": 17, "text": "Oslo"},
        {"id": "Xy3", "track": "words", "start_ms": 500, "end_ms": 1250, "text": "bob lives"},
        {"id": "Xy4", "track": "faces", "label": "face", "keyframes": [{"time_ms": 0, "x": 0.25, "y": 0.1, "w": 0.5, "h": 0.2}]},
        {"id": "ls5", "track": "links", "label": "refers_to", "from_id": "Xy2", "to_id": "Xy1"},
    ]


def test_items_of_different_shapes_go_to_their_own_task_list_with_a_matching_config(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes]) -> None:
    with zipfile.ZipFile(io.BytesIO(export("labelstudio", schema, records))) as zf:
        assert zf.namelist() == ["audio+transcript+video/tasks.json", "audio+transcript+video/config.xml",
                                 "audio/tasks.json", "audio/config.xml"]
        audio_tasks = json.loads(zf.read("audio/tasks.json"))
        audio_config = ElementTree.fromstring(zf.read("audio/config.xml"))
        video_config = ElementTree.fromstring(zf.read("audio+transcript+video/config.xml"))
    (task,) = audio_tasks
    assert "video" not in task["data"] and task["data"]["audio"] == "/data/local-files/?d=media/media/12/1234.mp3"
    # the audio-only item's point targets the audio object, and that config has no video to target
    assert {(e["from_name"], e["to_name"]) for e in task["annotations"][0]["result"]} == \
           {("speech", "audio"), ("events", "audio"), ("words", "audio")}
    assert [(o.tag, o.get("name")) for o in audio_config if o.get("value")] == [("Audio", "audio")]
    assert [(o.tag, o.get("name"), o.get("value")) for o in video_config if o.get("value")] == [
        ("Audio", "audio", "$audio"), ("Text", "transcript", "$transcript"), ("Video", "video", "$video")]
    names = [c.get("name") for c in video_config if c.get("name")]
    assert len(names) == len(set(names))  # every control and object name is distinct
    controls = {c.get("name"): (c.tag, c.get("toName")) for c in video_config if c.get("toName")}
    assert controls["faces"] == ("VideoRectangle", "video") and controls["faces_labels"] == ("Labels", "video")
    assert controls["events"] == ("Labels", "audio") and controls["words"] == ("TextArea", "audio")


def test_annotators_go_by_the_e_mail_given_for_them(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes]) -> None:
    emails = {"ann_a": "a@example.org"}
    tasks = _tasks(export, schema, records, email_of=lambda name: emails.get(name) or f"{name}@tandem.local",
                   media_url=lambda uri: f"https://cdn.example.org/{uri}?sig=1")
    assert [a["completed_by"]["email"] for a in tasks[0]["annotations"]] == [
        "a@example.org", "ann_b@tandem.local", "ann_c@tandem.local", "rev_r@tandem.local"]
    assert tasks[1]["data"]["audio"] == "https://cdn.example.org/media/12/1234.mp3?sig=1"
