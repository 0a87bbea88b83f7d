"""Label Studio JSON exports: a list of tasks, each with ``annotations[].result[]`` and ``predictions``.

One layer per (task, annotation or prediction, ``from_name``). Time results are read:
``labels`` with ``start``/``end`` in seconds (a point when they are equal or ``end`` is missing),
and ``textarea`` with ``start``/``end`` (the text joined by newlines). Results of other types
(boxes, choices of the whole task, relations…) are refused by name rather than dropped.

The item is ``data.external_id`` or ``meta.external_id`` when the task has one (Tandem's own
export writes both), else the name of its media file: ``file_upload``, or the last path part of
the first URL in ``data``, without the eight-character prefix Label Studio puts on uploads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlparse

from datasets.imports.base import ImportFormatError, SourceLayer, SourceRegion, seconds_ms

_UPLOAD_PREFIX = re.compile(r"^[0-9a-f]{8}-(.+)$")
TIME_TYPES = frozenset({"labels", "textarea"})


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


def _region(file: str, layer: str, where: str, result: Mapping[str, Any]) -> SourceRegion:
    value = result.get("value")
    if not isinstance(value, Mapping):
        raise ImportFormatError(file, "has no 'value' object", layer=layer, annotation=where)
    kind = result.get("type")
    start = seconds_ms(value.get("start"), file, layer, where)
    end = seconds_ms(value["end"], file, layer, where) if value.get("end") is not None else start
    if end < start:
        raise ImportFormatError(file, f"ends ({end} ms) before it starts ({start} ms)", layer=layer, annotation=where)
    if kind == "textarea":
        text = value.get("text", [])
        texts = [text] if isinstance(text, str) else text
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise ImportFormatError(file, "'text' must be a list of strings", layer=layer, annotation=where)
        return SourceRegion(start, end, "\n".join(texts), where)
    labels = value.get("labels", [])
    if not isinstance(labels, list) or len(labels) != 1 or not isinstance(labels[0], str):
        raise ImportFormatError(file, f"needs exactly one label, has {labels!r}", layer=layer, annotation=where)
    return SourceRegion(start, end, labels[0], where, point=value.get("end") is None or start == end)


def _entry_layers(file: str, item: str, aliases: tuple[str, ...], entry: Mapping[str, Any], origin: str,
                  who: str | None, label: str) -> list[SourceLayer]:
    results = entry.get("result", [])
    if not isinstance(results, list):
        raise ImportFormatError(file, f"{label}: 'result' must be a list")
    layers: dict[str, SourceLayer] = {}
    for n, result in enumerate(results):
        if not isinstance(result, Mapping):
            raise ImportFormatError(file, f"{label}: result[{n}] must be an object")
        layer = str(result.get("from_name") or "")
        where = f"'{result.get('id', n)}' ({label}, result[{n}])"
        if result.get("type") not in TIME_TYPES:
            raise ImportFormatError(file, f"a '{result.get('type')}' result is not a time region; only "
                                    "'labels' and 'textarea' with start/end are imported", layer=layer, annotation=where)
        region = _region(file, layer, where, result)
        if layer not in layers:
            layers[layer] = SourceLayer(file=file, item_key=item, layer=layer, regions=[], annotator=who,
                                        origin=origin, item_aliases=aliases)
        layers[layer].regions.append(region)
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
                                 f"annotation {a}")
        for p, pred in enumerate(task.get("predictions") or []):
            if isinstance(pred, Mapping):
                model = pred.get("model_version")
                out += _entry_layers(name, item, aliases, pred, "prediction", str(model) if model else None,
                                     f"task {task.get('id', t)} prediction {p}")
    return out
