"""Label Studio JSON exports: a list of tasks, each with ``annotations[].result[]`` and ``predictions``.

One layer per (task, annotation or prediction, ``from_name``; relations without one go to the
layer ``relations``). What each result type becomes is in ``labelstudio_results.py``: time
regions, character spans, boxes (still and video), relations, whole-item choices, and per-region
controls as attributes of their region. Results of other types are refused by name rather than
dropped.

The item is ``data.external_id`` or ``meta.external_id`` when the task has one (Tandem's own
export writes both), else the name of its media file: ``file_upload``, or the last path part of
the first URL in ``data``, without the eight-character prefix Label Studio puts on uploads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlparse

from datasets.imports.base import ImportFormatError, SourceLayer, SourceRegion
from datasets.imports.labelstudio_results import Where, attribute_of, is_attribute, region_ids, region_of

_UPLOAD_PREFIX = re.compile(r"^[0-9a-f]{8}-(.+)$")


def _name_of(url: str) -> str:
    path = unquote(urlparse(url).path or url)
    if "?d=" in url:  # local-files serving: /data/local-files/?d=folder/name.wav
        path = unquote(url.split("?d=", 1)[1])
    return path.rsplit("/", 1)[-1]


def _item_names(task: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
    data: Mapping[str, Any] = task["data"] if isinstance(task.get("data"), Mapping) else {}
    meta: Mapping[str, Any] = task["meta"] if isinstance(task.get("meta"), Mapping) else {}
    names: list[str] = []
    for ext in (data.get("external_id"), meta.get("external_id")):
        if isinstance(ext, str) and ext:
            names.append(ext)
    upload = task.get("file_upload")
    candidates = [upload] if isinstance(upload, str) and upload else []
    candidates += [v for v in data.values() if isinstance(v, str) and ("/" in v or "." in v) and "\n" not in v]
    for value in candidates:
        name = _name_of(value)
        if name:
            names.append(name)
            stripped = _UPLOAD_PREFIX.match(name)
            if stripped:
                names.append(stripped.group(1))
    if not names:
        names.append(str(task.get("id", "")))
    unique = list(dict.fromkeys(names))
    return unique[0], tuple(unique[1:])


def _annotator(entry: Mapping[str, Any]) -> str | None:
    who = entry.get("completed_by")
    if isinstance(who, Mapping):
        who = who.get("email") or who.get("username") or who.get("id")
    tandem = entry.get("tandem")
    if isinstance(tandem, Mapping) and isinstance(tandem.get("annotator"), str):
        return str(tandem["annotator"])
    return None if who in (None, "") else str(who)


def _fps(task: Mapping[str, Any]) -> float | None:
    data = task.get("data")
    fps = data.get("fps") if isinstance(data, Mapping) else None
    return float(fps) if isinstance(fps, (int, float)) and not isinstance(fps, bool) and fps > 0 else None


def _entry_layers(file: str, item: str, aliases: tuple[str, ...], entry: Mapping[str, Any], origin: str,
                  who: str | None, label: str, fps: float | None) -> list[SourceLayer]:
    results = entry.get("result", [])
    if not isinstance(results, list):
        raise ImportFormatError(file, f"{label}: 'result' must be a list")
    ids = region_ids(results)
    layers: dict[str, SourceLayer] = {}
    regions_by_id: dict[str, list[tuple[str, SourceRegion]]] = {}
    attributes: list[tuple[Mapping[str, Any], Where]] = []
    for n, result in enumerate(results):
        if not isinstance(result, Mapping):
            raise ImportFormatError(file, f"{label}: result[{n}] must be an object")
        kind = result.get("type")
        layer = str(result.get("from_name") or ("relations" if kind == "relation" else ""))
        rid = result.get("id")
        name = f"{result.get('from_id')}->{result.get('to_id')}" if kind == "relation" and rid is None else rid
        at = Where(file, layer, f"'{name if name is not None else n}' ({label}, result[{n}])")
        if is_attribute(result, ids):
            attributes.append((result, at))
            continue
        ref = str(rid) if rid is not None else None
        for region in region_of(result, ref, fps, at):
            if layer not in layers:
                layers[layer] = SourceLayer(file=file, item_key=item, layer=layer, regions=[], annotator=who,
                                            origin=origin, item_aliases=aliases, scope=label)
            layers[layer].regions.append(region)
            if ref is not None:
                regions_by_id.setdefault(ref, []).append((layer, region))
    for result, at in attributes:
        attr, value = attribute_of(result, at)
        owners = regions_by_id[str(result["id"])]
        # Tandem's own export names the track before the colon; Label Studio's per-region controls
        # describe the region their id is, which is its first entry
        prefix = str(result.get("from_name") or "").split(":", 1)[0] if ":" in str(result.get("from_name")) else None
        layer, region = next(((la, r) for la, r in owners if la == prefix), owners[0])
        held = region.extra.setdefault("attributes", {})
        if attr in held:
            raise at.fail(f"attribute '{attr}' is given twice for region '{result['id']}'")
        held[attr] = value
    return list(layers.values())


def read_labelstudio(name: str, tasks: Any) -> list[SourceLayer]:
    if not isinstance(tasks, list):
        raise ImportFormatError(name, "a Label Studio export is a JSON list of tasks")
    out: list[SourceLayer] = []
    for t, task in enumerate(tasks):
        if not isinstance(task, Mapping):
            raise ImportFormatError(name, f"task[{t}] must be an object")
        item, aliases = _item_names(task)
        for a, ann in enumerate(task.get("annotations") or []):
            if not isinstance(ann, Mapping) or ann.get("was_cancelled"):
                continue
            tandem: Mapping[str, Any] = ann["tandem"] if isinstance(ann.get("tandem"), Mapping) else {}
            origin = "gold" if ann.get("ground_truth") or tandem.get("kind") == "gold" else "human"
            out += _entry_layers(name, item, aliases, ann, origin, _annotator(ann), f"task {task.get('id', t)} "
                                 f"annotation {a}", _fps(task))
        for p, pred in enumerate(task.get("predictions") or []):
            if isinstance(pred, Mapping):
                model = pred.get("model_version")
                out += _entry_layers(name, item, aliases, pred, "prediction", str(model) if model else None,
                                     f"task {task.get('id', t)} prediction {p}", _fps(task))
    return out
