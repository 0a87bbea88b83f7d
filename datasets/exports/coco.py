"""COCO-style object detection for box tracks: annotated video frames as images, in a zip.

``instances.json`` is the ground truth pycocotools loads with ``COCO(...)``; every other source
of boxes is a results file ``results/{annotation kind}/{annotator}.json`` (components
percent-quoted) in COCO's detection-results layout, for ``coco.loadRes(...)`` and ``COCOeval``.
Ground truth, item by item: the gold annotation; without gold, the annotation of the annotator
named by the ``ground_truth`` option, else the first human annotation; predictions never are.
A human's boxes in a results file carry ``score`` 1 (COCOeval ranks by score); a region's own
score travels as ``region_score``.

One image per (item, keyframe time) that any source marks, ``file_name`` =
``{item}/frame_{time_ms}.jpg`` (extract frames with e.g. ``ffmpeg -ss``), width and height of the
video stream the box track draws on; every results file refers to these images. Categories are
the (track, label) pairs of the schema's box tracks in schema order (``supercategory`` = track).
One annotation per keyframe with ``bbox`` in pixels ``[x, y, width, height]`` = fractions ×
frame size, plus the region id, track, annotator and annotation kind so nothing is lost for the
reader. Keyframes are exported as drawn (no interpolation between them).

Keys are sorted, which puts ``annotations`` before ``images``: ground-truth boxes stream straight
into ``instances.json`` while images and results are spooled to temporary files and copied
after, so memory stays flat.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any, BinaryIO

from datasets.exports.base import DeterministicZip, JSONDict, dumps, item_key, loads, safe_name, tracks_of_kind


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


def _ground_truth(record: Mapping[str, Any], chosen: str | None) -> Mapping[str, Any] | None:
    """The annotation whose boxes are this item's ground truth (see the module docstring)."""
    anns = record.get("annotations", [])
    return (next((a for a in anns if a.get("kind") == "gold"), None)
            or next((a for a in anns if chosen is not None and a.get("kind") != "prediction"
                     and a.get("annotator") == chosen), None)
            or next((a for a in anns if a.get("kind") == "human"), None))


def _results_name(ann: Mapping[str, Any]) -> str:
    return f"results/{safe_name(ann.get('kind') or 'human')}/{safe_name(ann.get('annotator') or '')}.json"


def write_coco(schema: Mapping[str, Any], records: Iterable[Mapping[str, Any]], out: BinaryIO,
               *, compression: str = "deflated", ground_truth: str | None = None, **options: Any) -> int:
    """Write the COCO zip; returns the number of box annotations (ground truth and results)."""
    tracks = {t["name"]: t for t in tracks_of_kind(schema, ["box"])}
    cats = categories(schema)
    cat_id = {(c["supercategory"], c["name"]): c["id"] for c in cats}
    n_images = n_truth = n_boxes = 0
    results: dict[str, IO[bytes]] = {}  # results file name -> spooled entries
    with DeterministicZip(out, compression=compression) as zf, tempfile.TemporaryFile() as images, \
            contextlib.ExitStack() as spooled:
        with zf.open("instances.json") as truth:
            truth.write(b'{"annotations":[')
            for record in records:
                key = item_key(record)
                frames: dict[int, int] = {}  # time_ms -> image id, this item only
                pending: list[JSONDict] = []
                gt = _ground_truth(record, ground_truth)
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
                                pending.append({"id": n_images, "file_name": f"{key}/frame_{t}.jpg",
                                                "width": width, "height": height, "item_id": record.get("item_id"),
                                                "external_id": record.get("external_id"), "time_ms": t})
                            w, h = _px(f["w"] * width), _px(f["h"] * height)
                            box: JSONDict = {
                                "image_id": frames[t], "category_id": cat_id.get((track["name"], r.get("label"))),
                                "bbox": [_px(f["x"] * width), _px(f["y"] * height), w, h],
                                "region_id": r.get("id"), "track": track["name"],
                                "annotator": ann.get("annotator"), "annotation_kind": ann.get("kind")}
                            n_boxes += 1
                            if ann is gt:
                                n_truth += 1
                                box.update(id=n_truth, area=_px(w * h), iscrowd=0)
                                if "score" in r:
                                    box["score"] = r["score"]
                                truth.write((b",\n" if n_truth > 1 else b"\n") + dumps(box))
                                continue
                            box["score"] = r.get("score", 1)
                            if "score" in r:
                                box["region_score"] = r["score"]
                            name = _results_name(ann)
                            spool = results.get(name)
                            if spool is None:
                                spool = results[name] = spooled.enter_context(tempfile.TemporaryFile())
                            spool.write((b",\n" if spool.tell() else b"\n") + dumps(box))
                for image in pending:
                    images.write((b",\n" if image["id"] > 1 else b"\n") + dumps(image))
            truth.write(b'\n],"categories":' + dumps(cats) + b',"images":[')
            images.seek(0)
            shutil.copyfileobj(images, truth)
            truth.write(b'\n],"info":' + dumps({"description": "Tandem export", "version": "1"})
                        + b',"licenses":[]}\n')
        for name in sorted(results):
            with zf.open(name) as dst:
                spool = results[name]
                spool.seek(0)
                dst.write(b"[")
                shutil.copyfileobj(spool, dst)
                dst.write(b"\n]\n")
    return n_boxes


def _boxes(zf: zipfile.ZipFile) -> Iterator[tuple[JSONDict, bool]]:
    """Every box of the zip with whether it is ground truth: instances first, then results files."""
    for box in loads(zf.read("instances.json")).get("annotations", []):
        yield box, True
    for name in zf.namelist():
        if name.startswith("results/") and name.endswith(".json"):
            for box in loads(zf.read(name)):
                yield box, False


def read_coco(inp: BinaryIO, schema: Mapping[str, Any] | None = None) -> Iterator[JSONDict]:
    """Records holding the box regions of a zip written by `write_coco`.

    Annotations come back ground truth first, then in results-file order. Boxes are grouped back
    into regions by (item, annotation, region id); pixel boxes are divided by the image size, so
    fractions come back to within rounding of the pixel values.
    """
    with zipfile.ZipFile(inp) as zf:
        yield from _records(zf, schema)


def _records(zf: zipfile.ZipFile, schema: Mapping[str, Any] | None) -> Iterator[JSONDict]:
    doc = loads(zf.read("instances.json"))
    images = {im["id"]: im for im in doc.get("images", [])}
    labels = {c["id"]: c["name"] for c in doc.get("categories", [])}
    roles = {t["name"]: t.get("stream") or "video" for t in tracks_of_kind(schema or {}, ["box"])}
    records: dict[Any, JSONDict] = {}
    regions: dict[tuple[Any, ...], JSONDict] = {}
    for box, truth in _boxes(zf):
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
            if truth and "score" in box:
                region["score"] = box["score"]
            elif "region_score" in box:
                region["score"] = box["region_score"]
            regions[rkey] = region
            ann["regions"].append(region)
        width, height = image["width"] or 1, image["height"] or 1
        x, y, w, h = box["bbox"]
        region["keyframes"].append({"time_ms": image["time_ms"], "x": round(x / width, 6), "y": round(y / height, 6),
                                    "w": round(w / width, 6), "h": round(h / height, 6)})
    yield from records.values()
