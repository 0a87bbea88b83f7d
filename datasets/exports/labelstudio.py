"""Label Studio: a zip with one task list per data shape, each with its labeling config beside it.

Label Studio checks every task against the project's labeling config (a config with a ``Video``
object refuses a task without ``data.video``), so items are grouped by data shape, the sorted
roles of their media streams and texts (``audio``, ``audio+transcript+video``…): the zip holds
``{shape}/tasks.json`` and ``{shape}/config.xml`` for each shape, in order of first appearance.
Create one Label Studio project per shape with its config, then import its tasks.

One task per item::

    {"id": item_id, "data": {<role>: media url, …, <text role>: text, "fps": …, "external_id": …},
     "meta": {item_id, external_id, duration_ms, provenance, metadata, streams},
     "annotations": [{"completed_by": {"email": e-mail}, "ground_truth": kind == "gold", "result": [...],
                      "tandem": {annotator, kind, status, updated_at}}],
     "predictions": [{"model_version": version, "score": mean region score, "result": [...],
                      "tandem": {annotator, kind, model, model_version, status, updated_at}}]}

``completed_by`` is Label Studio's import form, the e-mail of a member of the organization:
the ``email_of`` option maps an annotator's user name to it (the export job passes the Tandem
users' e-mails), else ``{user name}@tandem.local``. Media urls: ``media_url(uri)`` when given
(the export job passes absolute signed urls when the storage has them), else ``url_prefix`` +
uri when given, else ``/data/local-files/?d=media/{uri}``, which Label Studio serves from the
unpacked zip with media included (local files serving on, document root = the unpacked folder,
and a Local Storage on its ``media`` folder).

Result entries (``from_name`` = track, ``to_name`` = the object of the stream the track is drawn
on, ``id`` = region id): segment → ``labels`` {start, end (seconds), labels}; point → ``labels``
with start == end; transcript → per-region ``textarea`` {start, end, text: [..]}; span →
``labels`` {start, end (characters), text, labels}; box on a video → ``videorectangle``
{sequence: [{frame, time, x, y, width, height (percent), rotation, enabled}], labels} with its
labels in a ``{track}_labels`` Labels control; box on an image → ``rectanglelabels``; relation →
``relation`` {from_id, to_id, labels}. A time track whose stream the item lacks is drawn on the
item's audio (else video). Attributes become per-region entries with the same id and
``from_name`` ``{track}:{attribute}``: ``choices`` for choice/bool, ``number`` for number,
``textarea`` otherwise. Regions whose track has no object in the item are left out and named in
``notes``.

The reader accepts our zip, and task lists made by Label Studio itself: annotations without the
``tandem`` block are taken as human work by ``completed_by``; a ``from_name`` that is not a track
name falls back to the track whose kind fits the result type.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, Any, BinaryIO

from datasets.exports.base import DeterministicZip, JSONDict, dumps, iter_json_array, loads, safe_name, track_kinds
from datasets.exports.labelstudio_config import label_config, objects_of, stream_roles

_PREFIX = b"["
#: Label Studio's default video frame rate, used when the probe gave none.
DEFAULT_FPS = 24.0
LOCAL_FILES_PREFIX = "/data/local-files/?d=media/"
_NOT_EMAIL = re.compile(r"[^A-Za-z0-9._+-]+")


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


def email(annotator: str | None) -> str:
    """The e-mail an annotator goes by in Label Studio when Tandem has none for them."""
    name = _NOT_EMAIL.sub("-", annotator or "").strip("-.") or "gold"
    return annotator if annotator and "@" in annotator else f"{name}@tandem.local"


def region_results(region: Mapping[str, Any], kind: str, to_name: str,
                   attr_types: Mapping[tuple[str, str], str], fps: float | None = None) -> list[JSONDict]:
    """The Label Studio result entries of one region (`fps`: the video's, for box frames; None on an image)."""
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
        if fps is None:  # a still image: one box
            f = frames[0]
            out.append({**base, "type": "rectanglelabels", "value": {
                "x": _pct(f["x"]), "y": _pct(f["y"]), "width": _pct(f["w"]), "height": _pct(f["h"]),
                "rotation": 0, "rectanglelabels": label}})
        else:
            # Label Studio places a keyframe by its 1-based frame number; time is kept for readers
            seq = [{"frame": round(int(f["time_ms"]) * fps / 1000) + 1, "time": _sec(f["time_ms"]),
                    "x": _pct(f["x"]), "y": _pct(f["y"]), "width": _pct(f["w"]), "height": _pct(f["h"]),
                    "rotation": 0, "enabled": True} for f in frames]
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


def _media_url(options: Mapping[str, Any]) -> Callable[[str], str]:
    given = options.get("media_url")
    if given is not None:
        return given  # type: ignore[no-any-return]
    prefix = options.get("url_prefix")
    return (lambda uri: prefix + uri) if prefix is not None else (lambda uri: LOCAL_FILES_PREFIX + uri)


def _fps(record: Mapping[str, Any]) -> float:
    video: Mapping[str, Any] = next((s for s in record.get("streams", []) if s.get("kind") == "video"), {})
    return float(video.get("fps") or DEFAULT_FPS)


def task_of(schema: Mapping[str, Any], record: Mapping[str, Any], url_prefix: str | None = None,
            **options: Any) -> JSONDict:
    """One record as a Label Studio task (options as for `write_labelstudio`)."""
    if url_prefix is not None:
        options = {**options, "url_prefix": url_prefix}
    media_url = _media_url(options)
    email_of: Callable[[str | None], str] = options.get("email_of") or email
    notes: list[str] | None = options.get("notes")
    kinds = track_kinds(schema)
    attr_types = _attr_types(schema)
    objects = objects_of(record)
    roles = stream_roles(schema, objects)
    data: JSONDict = {"external_id": record.get("external_id"), "item_id": record.get("item_id")}
    for s in record.get("streams", []):
        if s.get("uri") and s.get("kind") in ("audio", "video", "image"):
            data[s["role"]] = media_url(str(s["uri"]))
    if "video" in objects.values():
        data["fps"] = _fps(record)
    data.update(record.get("texts") or {})
    meta = {k: record[k] for k in ("item_id", "external_id", "duration_ms", "provenance", "metadata",
                                   "streams", "texts") if k in record}
    task: JSONDict = {"id": record.get("item_id"), "data": data, "meta": meta, "annotations": [],
                      "predictions": []}
    for ann in record.get("annotations", []):
        result = []
        for region in ann.get("regions", []):
            track = region.get("track", "")
            role = roles.get(track)
            if role is None:
                if notes is not None:
                    notes.append(f"item {record.get('item_id')}: region {region.get('id')} of track {track!r} "
                                 "left out, the item has no stream it is drawn on")
                continue
            fps = _fps(record) if objects.get(role) == "video" else None
            result += region_results(region, kinds.get(track, "segment"), role, attr_types, fps)
        keep = {k: ann[k] for k in ("annotator", "kind", "status", "model", "model_version", "updated_at") if k in ann}
        if ann.get("kind") == "prediction":
            scores = [r["score"] for r in ann.get("regions", []) if "score" in r]
            task["predictions"].append({"model_version": ann.get("model_version") or "", "result": result,
                                        "score": sum(scores) / len(scores) if scores else None, "tandem": keep})
        else:
            task["annotations"].append({"completed_by": {"email": email_of(ann.get("annotator"))},
                                        "ground_truth": ann.get("kind") == "gold",
                                        "result": result, "updated_at": ann.get("updated_at"), "tandem": keep})
    return task


def write_labelstudio(schema: Mapping[str, Any], records: Iterable[Mapping[str, Any]], out: BinaryIO,
                      *, compression: str = "deflated", **options: Any) -> int:
    """Write the zip of task lists and configs (see the module docstring); returns the number of tasks.

    The first shape's tasks stream straight into the zip; the others are spooled to temporary
    files (one task per line) and copied after, so memory holds one task at a time.
    """
    count = 0
    spools: dict[str, tuple[IO[bytes], str]] = {}  # shape -> (task lines, config)
    first: str | None = None
    first_count = 0
    with DeterministicZip(out, compression=compression) as zf, contextlib.ExitStack() as spooled:
        stream: IO[bytes] | None = None
        for record in records:
            objects = objects_of(record)
            shape = safe_name("+".join(objects) or "none")
            line = dumps(task_of(schema, record, **options))
            count += 1
            if first is None:
                first, first_config = shape, label_config(schema, objects)
                stream = zf.open(f"{shape}/tasks.json")
                stream.write(_PREFIX + b"\n")
            if shape == first and stream is not None:
                stream.write((b",\n" if first_count else b"") + line)
                first_count += 1
                continue
            if shape not in spools:
                spools[shape] = (spooled.enter_context(tempfile.TemporaryFile()), label_config(schema, objects))
            spool = spools[shape][0]
            spool.write((b",\n" if spool.tell() else b"") + line)
        if stream is not None:
            stream.write(b"\n]\n")
            stream.close()
            zf.writestr(f"{first}/config.xml", first_config.encode())
        for shape, (spool, config) in spools.items():
            spool.seek(0)
            with zf.open(f"{shape}/tasks.json") as dst:
                dst.write(_PREFIX + b"\n")
                shutil.copyfileobj(spool, dst)
                dst.write(b"\n]\n")
            zf.writestr(f"{shape}/config.xml", config.encode())
    return count


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
        by = ann.get("completed_by", "")
        keep = dict(ann.get("tandem") or {"annotator": str(by.get("email", "") if isinstance(by, dict) else by),
                                            "kind": "gold" if ann.get("ground_truth") else "human",
                                            "status": "submitted"})
        record["annotations"].append({**keep, "regions": regions_of(ann.get("result", []), schema)})
    for pred in task.get("predictions", []):
        keep = dict(pred.get("tandem") or {"annotator": str(pred.get("model_version", "")), "kind": "prediction",
                                             "model_version": pred.get("model_version")})
        record["annotations"].append({**keep, "regions": regions_of(pred.get("result", []), schema)})
    return record


def read_labelstudio(inp: BinaryIO, schema: Mapping[str, Any]) -> Iterator[JSONDict]:
    """Records from our zip (every ``*/tasks.json`` in it), or from one Label Studio JSON task list."""
    head = inp.read(2)
    inp.seek(0)
    if head == b"PK":
        with zipfile.ZipFile(inp) as zf:
            for name in zf.namelist():
                if name.endswith("/tasks.json"):
                    with zf.open(name) as member:
                        for task in iter_json_array(member, _PREFIX, None):  # type: ignore[arg-type]
                            yield record_of(task, schema)
        return
    for task in iter_json_array(inp, _PREFIX, None):
        yield record_of(task, schema)
