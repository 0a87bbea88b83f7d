"""COCO detection JSON from box tracks."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def test_categories_come_from_the_box_tracks_labels(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes]) -> None:
    doc = json.loads(export("coco", schema, records))
    assert doc["categories"] == [{"id": 1, "name": "face", "supercategory": "faces"},
                                 {"id": 2, "name": "hand", "supercategory": "faces"}]
    assert list(doc) == ["annotations", "categories", "images", "info", "licenses"]


def test_each_annotated_frame_is_one_image_and_each_keyframe_one_pixel_box(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes]) -> None:
    doc = json.loads(export("coco", schema, records))
    assert [(i["id"], i["file_name"], i["width"], i["height"]) for i in doc["images"]] == [
        (1, "clip 007/frame_0.jpg", 1280, 720), (2, "clip 007/frame_1000.jpg", 1280, 720),
        (3, "clip 007/frame_40.jpg", 1280, 720)]
    boxes = doc["annotations"]
    # 4 human/gold annotations x 3 keyframes + 1 predicted keyframe
    assert len(boxes) == 13
    assert [b["id"] for b in boxes] == list(range(1, 14))
    first, moved, hand = boxes[0], boxes[1], boxes[2]
    assert (first["image_id"], first["category_id"], first["bbox"], first["area"]) == (1, 1, [128.0, 144.0, 320.0, 216.0], 69120.0)
    assert (moved["image_id"], moved["bbox"]) == (2, [204.8, 144.0, 320.0, 216.0])
    assert (hand["image_id"], hand["category_id"], hand["bbox"]) == (2, 2, [640.0, 360.0, 160.0, 45.0])
    pred = boxes[-1]
    assert (pred["image_id"], pred["score"], pred["annotation_kind"], pred["bbox"]) == \
           (3, 0.75, "prediction", [160.0, 180.0, 320.0, 180.0])


def test_reader_groups_boxes_back_into_keyframed_regions(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes],
        read_back: Callable[..., list[dict[str, Any]]]) -> None:
    (back,) = read_back("coco", export("coco", schema, records), schema)
    assert back["streams"] == [{"role": "video", "kind": "video", "width": 1280, "height": 720}]
    want = [(a["annotator"], a["kind"], [r for r in a["regions"] if r["track"] == "faces"])
            for a in records[0]["annotations"]]
    got = [(a["annotator"], a["kind"], a["regions"]) for a in back["annotations"]]
    assert got == want
