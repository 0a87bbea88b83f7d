"""Label Studio JSON: a list of tasks, and a reader that converts Label Studio tasks back.

One task per item::

    {"id": item_id, "data": {<role>: url_prefix + uri, …, <text role>: text, "external_id": …},
     "meta": {item_id, external_id, duration_ms, provenance, metadata, streams},
     "annotations": [{"completed_by": annotator, "ground_truth": kind == "gold", "result": [...],
                      "tandem": {annotator, kind, status, updated_at}}],
     "predictions": [{"model_version": version, "score": mean region score, "result": [...],
                      "tandem": {annotator, kind, model, model_version, status, updated_at}}]}

Result entries (``from_name`` = track, ``to_name`` = stream role, ``id`` = region id):
segment → ``labels`` {start, end (seconds), labels}; point → ``labels`` with start == end;
transcript → ``textarea`` {start, end, text: [..]}; span → ``labels`` {start, end (characters),
text, labels}; box → ``rectanglelabels`` {x, y, width, height (percent), rotation, time,
rectanglelabels} for one keyframe, ``videorectangle`` {sequence: [{time, x, y, width, height,
enabled}], labels} for several; relation → ``relation`` {from_id, to_id, labels}. Attributes
become per-region entries with the same id and ``from_name`` ``{track}:{attribute}``:
``choices`` for choice/bool, ``number`` for number, ``textarea`` otherwise.

The reader accepts tasks made by Label Studio itself: annotations without the ``tandem`` block
are taken as human work by ``completed_by``; a ``from_name`` that is not a track name falls back
to the track whose kind fits the result type. The array is written one task per line.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, BinaryIO

from datasets.exports.base import JSONDict, dumps, iter_json_array, loads, track_kinds, write_json_array

_PREFIX = b"["


def _sec(ms: int) -> float:
    return int(ms) / 1000


def _ms(sec: float) -> int:
    return round(float(sec) * 1000)


def _pct(fraction: float) -> float:
    return round(float(fraction) * 100, 10)


def _frac(pct: float) -> float:
    return round(float(pct) / 100, 12)


def _attr_types(schema: Mapping[str, Any]) -> dict[tuple[str, str], str]:
    return {(t["name"], a["name"]): a.get("type", "text")
            for t in schema.get("tracks", []) for a in t.get("attributes", [])}


def _stream_roles(schema: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, str]:
    """Track name → the role it is drawn on (schema's `stream`, else a sensible default)."""
    roles = {s.get("role") for s in record.get("streams", [])}
    default = {"box": "video", "span": "transcript"}
    out = {}
    for t in schema.get("tracks", []):
        role = t.get("stream") or default.get(t["kind"]) or ("audio" if "audio" in roles else "video")
        out[t["name"]] = role
    return out


def region_results(region: Mapping[str, Any], kind: str, to_name: str,
                   attr_types: Mapping[tuple[str, str], str]) -> list[JSONDict]:
    """The Label Studio result entries of one region."""
    rid, track = str(region["id"]), region["track"]
    base: JSONDict = {"id": rid, "from_name": track, "to_name": to_name}
    if "score" in region:
        base["score"] = region["score"]
    if "source" in region:
        base["origin"] = "prediction"
        base["source"] = region["source"]
    label = [region["label"]] if "label" in region else []
    span: JSONDict = {}
    out: list[JSONDict] = []
    if kind == "segment":
        span = {"start": _sec(region["start_ms"]), "end": _sec(region["end_ms"])}
        out.append({**base, "type": "labels", "value": {**span, "labels": label}})
    elif kind == "point":
        span = {"start": _sec(region["time_ms"]), "end": _sec(region["time_ms"])}
        out.append({**base, "type": "labels", "value": {**span, "labels": label}})
    elif kind == "transcript":
        span = {"start": _sec(region["start_ms"]), "end": _sec(region["end_ms"])}
        out.append({**base, "type": "textarea", "value": {**span, "text": [region.get("text", "")]}})
    elif kind == "span":
        span = {"start": region["start_char"], "end": region["end_char"]}
        value = {**span, "labels": label}
        if "text" in region:
            value["text"] = region["text"]
        out.append({**base, "type": "labels", "value": value})
    elif kind == "box":
        frames = region.get("keyframes", [])
        if len(frames) == 1:
            f = frames[0]
            out.append({**base, "type": "rectanglelabels", "value": {
                "x": _pct(f["x"]), "y": _pct(f["y"]), "width": _pct(f["w"]), "height": _pct(f["h"]),
                "rotation": 0, "time": _sec(f["time_ms"]), "rectanglelabels": label}})
        else:
            seq = [{"time": _sec(f["time_ms"]), "x": _pct(f["x"]), "y": _pct(f["y"]), "width": _pct(f["w"]),
                    "height": _pct(f["h"]), "rotation": 0, "enabled": True} for f in frames]
            out.append({**base, "type": "videorectangle", "value": {"sequence": seq, "labels": label}})
    elif kind == "relation":
        rel: JSONDict = {"id": rid, "type": "relation", "from_id": region["from_id"], "to_id": region["to_id"],
                         "direction": "right", "labels": label, "from_name": track}
        if "score" in region:
            rel["score"] = region["score"]
        out.append(rel)
    for name, value in sorted((region.get("attributes") or {}).items()):
        atype = attr_types.get((track, name), "text")
        entry: JSONDict = {"id": rid, "from_name": f"{track}:{name}", "to_name": to_name}
        if atype in ("choice", "bool"):
            entry.update(type="choices", value={**span, "choices": [str(value).lower() if atype == "bool" else str(value)]})
        elif atype == "number":
            entry.update(type="number", value={**span, "number": value})
        else:
            raw = value if atype == "text" and isinstance(value, str) else dumps(value).decode()
            entry.update(type="textarea", value={**span, "text": [raw]})
        out.append(entry)
    return out


def task_of(schema: Mapping[str, Any], record: Mapping[str, Any], url_prefix: str = "") -> JSONDict:
    """One record as a Label Studio task."""
    kinds = track_kinds(schema)
    attr_types = _attr_types(schema)
    roles = _stream_roles(schema, record)
    data: JSONDict = {"external_id": record.get("external_id"), "item_id": record.get("item_id")}
    for s in record.get("streams", []):
        if s.get("uri"):
            data[s["role"]] = url_prefix + str(s["uri"])
    data.update(record.get("texts") or {})
    meta = {k: record[k] for k in ("item_id", "external_id", "duration_ms", "provenance", "metadata",
                                   "streams", "texts") if k in record}
    task: JSONDict = {"id": record.get("item_id"), "data": data, "meta": meta, "annotations": [],
                      "predictions": []}
    for ann in record.get("annotations", []):
        result = []
        for region in ann.get("regions", []):
            kind = kinds.get(region.get("track", ""), "segment")
            result += region_results(region, kind, roles.get(region.get("track", ""), "audio"), attr_types)
        keep = {k: ann[k] for k in ("annotator", "kind", "status", "model", "model_version", "updated_at") if k in ann}
        if ann.get("kind") == "prediction":
            scores = [r["score"] for r in ann.get("regions", []) if "score" in r]
            task["predictions"].append({"model_version": ann.get("model_version") or "", "result": result,
                                        "score": sum(scores) / len(scores) if scores else None, "tandem": keep})
        else:
            task["annotations"].append({"completed_by": ann.get("annotator"), "ground_truth": ann.get("kind") == "gold",
                                        "result": result, "updated_at": ann.get("updated_at"), "tandem": keep})
    return task


def write_labelstudio(schema: Mapping[str, Any], records: Iterable[Mapping[str, Any]], out: BinaryIO,
                      *, url_prefix: str = "", **options: Any) -> int:
    """Write a JSON array of tasks, one per line; `url_prefix` is put before every media uri."""
    return write_json_array(out, _PREFIX, (task_of(schema, r, url_prefix) for r in records), b"]\n")


def _track_for(entry: Mapping[str, Any], schema: Mapping[str, Any]) -> str:
    """The track an entry belongs to: its from_name when that is a track, else a best fit.

    Label Studio control names are free text, so for foreign tasks the track is the first one
    whose kind fits the result type and whose labels include the entry's label (a `labels`
    entry with a `text` field is a text span; start == end is a point).
    """
    name = str(entry.get("from_name", ""))
    tracks = schema.get("tracks", [])
    if any(t["name"] == name for t in tracks):
        return name
    etype = entry.get("type", "")
    value = entry.get("value", {})
    fits: tuple[str, ...] = {"textarea": ("transcript",), "relation": ("relation",),
                             "rectanglelabels": ("box",), "videorectangle": ("box",)}.get(etype, ())
    if etype == "labels":
        fits = ("span",) if "text" in value else (("point", "segment") if value.get("start") == value.get("end")
                                                  else ("segment",))
    labels = entry.get("labels") if etype == "relation" else (value.get("labels") or value.get("rectanglelabels"))
    label = labels[0] if labels else None
    candidates = [t for kind in fits for t in tracks if t["kind"] == kind]
    for t in candidates:
        if label is None or any(lab.get("value") == label for lab in t.get("labels", [])):
            return str(t["name"])
    return str(candidates[0]["name"]) if candidates else name


def regions_of(result: Iterable[Mapping[str, Any]], schema: Mapping[str, Any]) -> list[JSONDict]:
    """Label Studio result entries back to regions (entries sharing an id make one region)."""
    kinds = track_kinds(schema)
    attr_types = _attr_types(schema)
    regions: dict[str, JSONDict] = {}
    for entry in result:
        rid = str(entry.get("id", f"ls{len(regions) + 1}"))
        name = str(entry.get("from_name", ""))
        value = entry.get("value", {})
        if ":" in name and name.split(":", 1)[0] in kinds:
            track, attr = name.split(":", 1)
            atype = attr_types.get((track, attr), "text")
            region = regions.setdefault(rid, {"id": rid, "track": track})
            attrs = region.setdefault("attributes", {})
            if entry.get("type") == "choices":
                choice = (value.get("choices") or [""])[0]
                attrs[attr] = (choice == "true") if atype == "bool" else choice
            elif entry.get("type") == "number":
                attrs[attr] = value.get("number")
            else:
                text = (value.get("text") or [""])[0]
                attrs[attr] = text if atype == "text" else loads(text)
            continue
        track = _track_for(entry, schema)
        kind = kinds.get(track, "segment")
        region = regions.setdefault(rid, {"id": rid, "track": track})
        region["track"] = track
        etype = entry.get("type")
        labels = entry.get("labels") if etype == "relation" else (
            value.get("labels") or value.get("rectanglelabels") or value.get("timeserieslabels"))
        if labels:
            region["label"] = labels[0]
        if "score" in entry:
            region["score"] = entry["score"]
        if "source" in entry:
            region["source"] = entry["source"]
        if etype == "relation":
            region.update(from_id=str(entry["from_id"]), to_id=str(entry["to_id"]))
        elif kind == "point":
            region["time_ms"] = _ms(value["start"])
        elif kind == "span":
            region.update(start_char=int(value["start"]), end_char=int(value["end"]))
            if "text" in value:
                region["text"] = value["text"]
        elif etype == "rectanglelabels":
            region["keyframes"] = [{"time_ms": _ms(value.get("time", 0)), "x": _frac(value["x"]), "y": _frac(value["y"]),
                                    "w": _frac(value["width"]), "h": _frac(value["height"])}]
        elif etype == "videorectangle":
            region["keyframes"] = [{"time_ms": _ms(f.get("time", 0)), "x": _frac(f["x"]), "y": _frac(f["y"]),
                                    "w": _frac(f["width"]), "h": _frac(f["height"])} for f in value.get("sequence", [])]
        else:
            region.update(start_ms=_ms(value["start"]), end_ms=_ms(value["end"]))
            if etype == "textarea":
                region["text"] = "\n".join(value.get("text") or [])
    # relations come first in Label Studio's own exports only by accident; keep entry order
    return list(regions.values())


def record_of(task: Mapping[str, Any], schema: Mapping[str, Any]) -> JSONDict:
    """One Label Studio task back to an export record."""
    meta = task.get("meta") or {}
    data = task.get("data") or {}
    record: JSONDict = {"item_id": meta.get("item_id", task.get("id")),
                        "external_id": meta.get("external_id", data.get("external_id"))}
    for key in ("duration_ms", "provenance", "metadata", "streams", "texts"):
        if key in meta:
            record[key] = meta[key]
    record["annotations"] = []
    for ann in task.get("annotations", []):
        keep = dict(ann.get("tandem") or {"annotator": str(ann.get("completed_by", "")),
                                            "kind": "gold" if ann.get("ground_truth") else "human",
                                            "status": "submitted"})
        record["annotations"].append({**keep, "regions": regions_of(ann.get("result", []), schema)})
    for pred in task.get("predictions", []):
        keep = dict(pred.get("tandem") or {"annotator": str(pred.get("model_version", "")), "kind": "prediction",
                                             "model_version": pred.get("model_version")})
        record["annotations"].append({**keep, "regions": regions_of(pred.get("result", []), schema)})
    return record


def read_labelstudio(inp: BinaryIO, schema: Mapping[str, Any]) -> Iterator[JSONDict]:
    """Records from a Label Studio JSON task list (ours streamed line by line, any other parsed whole)."""
    for task in iter_json_array(inp, _PREFIX, None):
        yield record_of(task, schema)
