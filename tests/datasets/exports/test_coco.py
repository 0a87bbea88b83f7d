"""COCO detection zip from box tracks: gold as ground truth, every other source as a results file."""

from __future__ import annotations

import contextlib
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval


def _members(data: bytes) -> dict[str, Any]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: json.loads(zf.read(name)) for name in zf.namelist()}


def test_categories_come_from_the_box_tracks_labels(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes]) -> None:
    doc = _members(export("coco", schema, records))["instances.json"]
    assert doc["categories"] == [{"id": 1, "name": "face", "supercategory": "faces"},
                                 {"id": 2, "name": "hand", "supercategory": "faces"}]
    assert list(doc) == ["annotations", "categories", "images", "info", "licenses"]


def test_gold_is_the_ground_truth_and_every_other_source_a_results_file(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes]) -> None:
    members = _members(export("coco", schema, records))
    assert list(members) == ["instances.json", "results/human/ann_a.json", "results/human/ann_b.json",
                             "results/human/ann_c.json", "results/prediction/whisper-vad.json"]
    doc = members["instances.json"]
    assert [(i["id"], i["file_name"], i["width"], i["height"]) for i in doc["images"]] == [
        (1, "clip 007/frame_0.jpg", 1280, 720), (2, "clip 007/frame_1000.jpg", 1280, 720),
        (3, "clip 007/frame_40.jpg", 1280, 720)]
    boxes = doc["annotations"]
    # only the gold annotation's 3 keyframes: one truth per image, not four
    assert {(b["annotator"], b["annotation_kind"]) for b in boxes} == {("rev_r", "gold")}
    assert [b["id"] for b in boxes] == [1, 2, 3]
    first, moved, hand = boxes
    assert (first["image_id"], first["category_id"], first["bbox"], first["area"]) == (1, 1, [128.0, 144.0, 320.0, 216.0], 69120.0)
    assert (moved["image_id"], moved["bbox"]) == (2, [192.0, 144.0, 320.0, 216.0])
    assert (hand["image_id"], hand["category_id"], hand["bbox"]) == (2, 2, [640.0, 360.0, 160.0, 45.0])
    ann_a = members["results/human/ann_a.json"]
    assert [(b["image_id"], b["bbox"], b["score"]) for b in ann_a] == [
        (1, [128.0, 144.0, 320.0, 216.0], 1), (2, [204.8, 144.0, 320.0, 216.0], 1), (2, [640.0, 360.0, 160.0, 45.0], 1)]
    (pred,) = members["results/prediction/whisper-vad.json"]
    assert (pred["image_id"], pred["score"], pred["region_score"], pred["bbox"]) == (3, 0.75, 0.75, [160.0, 180.0, 320.0, 180.0])


def test_without_gold_the_chosen_annotator_is_the_ground_truth(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes]) -> None:
    records[0]["annotations"] = [a for a in records[0]["annotations"] if a["kind"] != "gold"]
    default = _members(export("coco", schema, records))
    assert {b["annotator"] for b in default["instances.json"]["annotations"]} == {"ann_a"}
    chosen = _members(export("coco", schema, records, ground_truth="ann_c"))
    assert {b["annotator"] for b in chosen["instances.json"]["annotations"]} == {"ann_c"}
    assert sorted(chosen) == ["instances.json", "results/human/ann_a.json", "results/human/ann_b.json",
                              "results/prediction/whisper-vad.json"]


def test_pycocotools_evaluates_each_results_file_against_the_gold(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes], tmp_path: Path) -> None:
    # ann_c's face at 1 s drawn far from gold's (no overlap at all)
    records[0]["annotations"][2]["regions"][9]["keyframes"][1]["x"] = 0.7
    with zipfile.ZipFile(io.BytesIO(export("coco", schema, records))) as zf:
        zf.extractall(tmp_path)
    with contextlib.redirect_stdout(io.StringIO()):
        truth = COCO(str(tmp_path / "instances.json"))
        assert len(truth.getAnnIds()) == 3
        ap = {}
        for who in ("human/ann_a", "human/ann_c", "prediction/whisper-vad"):
            dets = truth.loadRes(str(tmp_path / f"results/{who}.json"))
            ev = COCOeval(truth, dets, "bbox")
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
            ap[who] = round(float(ev.stats[1]), 4)  # AP at IoU 0.5
    # ann_a's moved face still overlaps gold's (IoU 0.92); ann_c finds one face of two and the hand;
    # the prediction (one box on a frame gold did not mark) matches nothing
    assert ap == {"human/ann_a": 1.0, "human/ann_c": 0.7525, "prediction/whisper-vad": 0.0}


def test_reader_groups_boxes_back_into_keyframed_regions(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes],
        read_back: Callable[..., list[dict[str, Any]]]) -> None:
    (back,) = read_back("coco", export("coco", schema, records), schema)
    assert back["streams"] == [{"role": "video", "kind": "video", "width": 1280, "height": 720}]
    want = sorted(((a["annotator"], a["kind"], [r for r in a["regions"] if r["track"] == "faces"])
                   for a in records[0]["annotations"]), key=lambda t: (t[1] != "gold", t[1], t[0]))
    got = [(a["annotator"], a["kind"], a["regions"]) for a in back["annotations"]]
    assert got == want
