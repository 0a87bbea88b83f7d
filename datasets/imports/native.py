"""Tandem's own JSON and JSON Lines exports (``datasets/exports/native.py`` writes them).

One layer per (item, annotation, track). Regions keep every field a Tandem region has: what no
other format carries (attributes, character spans, keyframes, relations, scores) travels in
``SourceRegion.extra`` so an export imports back into a project with the same schema whole.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from datasets.exports.native import read_json, read_jsonl
from datasets.imports.base import ImportFormatError, SourceLayer, SourceRegion

_TIME_KEYS = ("start_ms", "end_ms", "time_ms")
_DROP = frozenset({"id", "track", "kind", "label", *_TIME_KEYS})


def _ms(region: Mapping[str, Any], key: str, file: str, layer: str, where: str) -> int | None:
    value = region.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ImportFormatError(file, f"'{key}' must be a non-negative integer", layer=layer, annotation=where)
    return value


def _region(region: Any, file: str, layer: str, where: str) -> SourceRegion:
    if not isinstance(region, Mapping):
        raise ImportFormatError(file, "a region must be an object", layer=layer, annotation=where)
    at = _ms(region, "time_ms", file, layer, where)
    start = at if at is not None else _ms(region, "start_ms", file, layer, where)
    end = at if at is not None else _ms(region, "end_ms", file, layer, where)
    label = region.get("label")
    value = label if isinstance(label, str) else region.get("text", "")
    extra = {k: v for k, v in region.items() if k not in _DROP and not (k == "text" and label is None)}
    rid = region.get("id")
    return SourceRegion(start, end, value if isinstance(value, str) else "", where, point=at is not None, extra=extra,
                        ref=str(rid) if rid not in (None, "") else None)


def _list(obj: Mapping[str, Any], key: str) -> list[Any]:
    value = obj.get(key)
    return value if isinstance(value, list) else []


def layers_of(file: str, records: list[Any]) -> list[SourceLayer]:
    out: list[SourceLayer] = []
    for n, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise ImportFormatError(file, f"item {n} must be an object")
        ext = record.get("external_id")
        item = str(ext) if ext not in (None, "") else str(record.get("item_id", n))
        aliases = tuple(dict.fromkeys(str(s.get("uri", "")).rsplit("/", 1)[-1] for s in _list(record, "streams")
                                      if isinstance(s, Mapping) and s.get("uri")))
        for a, ann in enumerate(_list(record, "annotations")):
            if not isinstance(ann, Mapping):
                raise ImportFormatError(file, f"item '{item}' annotation {a} must be an object")
            who = ann.get("annotator")
            layers: dict[str, SourceLayer] = {}
            for r, region in enumerate(_list(ann, "regions")):
                track = str(region.get("track", "")) if isinstance(region, Mapping) else ""
                where = f"'{region.get('id', r) if isinstance(region, Mapping) else r}' (item '{item}', annotation {a})"
                if track not in layers:
                    layers[track] = SourceLayer(file=file, item_key=item, layer=track, regions=[],
                                                annotator=str(who) if who else None,
                                                origin=str(ann.get("kind") or "human"), item_aliases=aliases,
                                                scope=f"annotation {a}")
                layers[track].regions.append(_region(region, file, track, where))
            out += layers.values()
    return out


def read_native(name: str, data: bytes, *, lines: bool) -> list[SourceLayer]:
    try:
        records = list(read_jsonl(io.BytesIO(data)) if lines else read_json(io.BytesIO(data)))
    except Exception as exc:  # orjson and the array reader raise on malformed input
        raise ImportFormatError(name, f"not a readable Tandem {'JSON Lines' if lines else 'JSON'} export ({exc})") from None
    return layers_of(name, records)
