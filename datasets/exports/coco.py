"""COCO-style object detection JSON for box tracks: annotated video frames as images.

One image per (item, keyframe time) that some box region marks, ``file_name`` =
``{item}/frame_{time_ms}.jpg`` (extract frames with e.g. ``ffmpeg -ss``), width and height of the
video stream the box track draws on. Categories are the (track, label) pairs of the schema's box
tracks in schema order (``supercategory`` = track). One annotation per keyframe with ``bbox`` in
pixels ``[x, y, width, height]`` = fractions × frame size, plus the region id, track, annotator,
annotation kind and (predictions) score so nothing is lost for the reader. Keyframes are
exported as drawn (no interpolation between them).

Keys are sorted, which puts ``annotations`` before ``images``: annotations stream straight to
the output while images are spooled to a temporary file and copied after, so memory stays flat.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, BinaryIO

from datasets.exports.base import JSONDict, dumps, item_key, loads, tracks_of_kind


def categories(schema: Mapping[str, Any]) -> list[JSONDict]:
    """COCO categories for every label of every box track, ids from 1 in schema order."""
    out: list[JSONDict] = []
    for track in tracks_of_kind(schema, ["box"]):
        for label in track.get("labels", []):
            out.append({"id": len(out) + 1, "name": label["value"], "supercategory": track["name"]})
    return out


def _frame_size(record: Mapping[str, Any], role: str | None) -> tuple[int, int]:
    videos = [s for s in record.get("streams", []) if s.get("kind") == "video"]
    chosen = next((s for s in videos if s.get("role") == role), videos[0] if videos else {})
    return int(chosen.get("width") or 0), int(chosen.get("height") or 0)


def _px(value: float) -> float:
    return round(float(value), 6)


def write_coco(schema: Mapping[str, Any], records: Iterable[Mapping[str, Any]], out: BinaryIO,
               **options: Any) -> int:
    """Write the COCO document; returns the number of box annotations."""
    tracks = {t["name"]: t for t in tracks_of_kind(schema, ["box"])}
    cats = categories(schema)
    cat_id = {(c["supercategory"], c["name"]): c["id"] for c in cats}
    n_images = n_boxes = 0
    with tempfile.TemporaryFile() as images:
        out.write(b'{"annotations":[')
        for record in records:
            key = item_key(record)
            frames: dict[int, int] = {}  # time_ms -> image id, this item only
            pending: list[tuple[int, JSONDict]] = []
            for ann in record.get("annotations", []):
                for r in ann.get("regions", []):
                    track = tracks.get(r.get("track", ""))
                    if track is None:
                        continue
                    width, height = _frame_size(record, track.get("stream"))
                    for f in r.get("keyframes", []):
                        t = int(f["time_ms"])
                        if t not in frames:
                            n_images += 1
                            frames[t] = n_images
                            pending.append((t, {"id": n_images, "file_name": f"{key}/frame_{t}.jpg",
                                                "width": width, "height": height, "item_id": record.get("item_id"),
                                                "external_id": record.get("external_id"), "time_ms": t}))
                        w, h = _px(f["w"] * width), _px(f["h"] * height)
                        box: JSONDict = {
                            "id": n_boxes + 1, "image_id": frames[t], "category_id": cat_id.get((track["name"], r.get("label"))),
                            "bbox": [_px(f["x"] * width), _px(f["y"] * height), w, h], "area": _px(w * h),
                            "iscrowd": 0, "region_id": r.get("id"), "track": track["name"],
                            "annotator": ann.get("annotator"), "annotation_kind": ann.get("kind")}
                        if "score" in r:
                            box["score"] = r["score"]
                        out.write((b",\n" if n_boxes else b"\n") + dumps(box))
                        n_boxes += 1
            for _, image in pending:
                images.write((b",\n" if image["id"] > 1 else b"\n") + dumps(image))
        out.write(b'\n],"categories":' + dumps(cats) + b',"images":[')
        images.seek(0)
        shutil.copyfileobj(images, out)
    out.write(b'\n],"info":' + dumps({"description": "Tandem export", "version": "1"}) + b',"licenses":[]}\n')
    return n_boxes


def read_coco(inp: BinaryIO, schema: Mapping[str, Any] | None = None) -> Iterator[JSONDict]:
    """Records holding the box regions of a document written by `write_coco`.

    Boxes are grouped back into regions by (item, annotation, region id); pixel boxes are
    divided by the image size, so fractions come back to within rounding of the pixel values.
    """
    doc = loads(inp.read())
    images = {im["id"]: im for im in doc.get("images", [])}
    labels = {c["id"]: c["name"] for c in doc.get("categories", [])}
    roles = {t["name"]: t.get("stream") or "video" for t in tracks_of_kind(schema or {}, ["box"])}
    records: dict[Any, JSONDict] = {}
    regions: dict[tuple[Any, ...], JSONDict] = {}
    for box in doc.get("annotations", []):
        image = images[box["image_id"]]
        item = (image.get("item_id"), image.get("external_id"))
        record = records.get(item)
        if record is None:
            # the frame size is all COCO keeps of the video stream, and all the boxes need
            record = {"item_id": item[0], "external_id": item[1], "annotations": [],
                      "streams": [{"role": roles.get(str(box.get("track")), "video"), "kind": "video",
                                   "width": image["width"], "height": image["height"]}]}
            records[item] = record
        akey = (item, box.get("annotator"), box.get("annotation_kind"))
        ann = next((a for a in record["annotations"]
                    if (a["annotator"], a["kind"]) == (box.get("annotator"), box.get("annotation_kind"))), None)
        if ann is None:
            ann = {"annotator": box.get("annotator"), "kind": box.get("annotation_kind"), "regions": []}
            record["annotations"].append(ann)
        rkey = (*akey, box.get("region_id"))
        region = regions.get(rkey)
        if region is None:
            region = {"id": box.get("region_id"), "track": box.get("track"),
                      "label": labels.get(box["category_id"]), "keyframes": []}
            if "score" in box:
                region["score"] = box["score"]
            regions[rkey] = region
            ann["regions"].append(region)
        width, height = image["width"] or 1, image["height"] or 1
        x, y, w, h = box["bbox"]
        region["keyframes"].append({"time_ms": image["time_ms"], "x": round(x / width, 6), "y": round(y / height, 6),
                                    "w": round(w / width, 6), "h": round(h / height, 6)})
    yield from records.values()
