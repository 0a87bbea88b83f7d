"""Imported layers as regions of the project's tracks, checked against the schema before anything is written.

A layer goes to the track its mapping names (``{"track": name, "labels": {value: label}}``); a
layer mapped to no track, and a value mapped to ``null``, are left out on purpose. Each region
becomes a region of the track's kind; regions are numbered ``imp1``, ``imp2``… per result, and a
relation's ``from_id``/``to_id`` (the file's own ids) are resolved to those numbers among the
regions of the same source annotation. A label of the whole item (a Label Studio choice of the
task) becomes a segment over the item's whole duration, or a point at 0 ms on a point track.
The first bad region raises a 400 naming the file, the tier and the annotation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from annotation.models import Project, Task
from annotation.schema import ResultContext, ResultError, validate_result
from annotation.services.annotation_import_items import ItemPlan
from annotation.services.annotations import result_check, result_context
from common.errors import InvalidInput
from datasets.imports import SourceLayer, SourceRegion

# Region keys some formats carry as they are (the schema checks them).
_CARRIED = ("attributes", "score", "method", "start_char", "end_char", "keyframes")

Target = int | str  # a task id, or the external id of an item the import makes
Key = tuple[Target, str | None]  # (target, the file's annotator when each keeps their own annotation)


def fail(layer: SourceLayer, region: SourceRegion | None, message: str) -> InvalidInput:
    where = f"{layer.file}, tier '{layer.layer}'" + (f", annotation {region.where}" if region is not None else "")
    return InvalidInput(f"{where}: {message}", file=layer.file, tier=layer.layer,
                        annotation=region.where if region is not None else None)


def tracks_of(project: Project) -> dict[str, Mapping[str, Any]]:
    return {t["name"]: t for t in (project.schema or {}).get("tracks", [])}


def _attributes(layer: SourceLayer, region: SourceRegion, track: Mapping[str, Any]) -> dict[str, Any]:
    """The region's attributes, a bool given as text (as Label Studio's choices give it) made a bool."""
    given = region.extra["attributes"]
    if not isinstance(given, Mapping):
        raise fail(layer, region, "'attributes' must be an object")
    types = {a["name"]: a.get("type") for a in track.get("attributes", [])}
    return {k: (v == "true") if types.get(k) == "bool" and v in ("true", "false") else v for k, v in given.items()}


def _same_label(value: str, known: set[str]) -> str | None:
    """The label an unmapped value stands for, as the suggested mapping has it: the same label in any
    case, or a track's only label for a value that is empty (a relation without a label)."""
    if value == "" and len(known) == 1:
        return next(iter(known))
    return {k.lower(): k for k in known}.get(value.lower())


def _times(layer: SourceLayer, region: SourceRegion, kind: str, duration_ms: int | None) -> dict[str, Any]:
    if region.whole_item:
        if kind == "point":
            return {"time_ms": 0}
        if kind != "segment":
            raise fail(layer, region, f"a label of the whole item goes on a segment or point track, not a {kind} track")
        if not duration_ms:
            raise fail(layer, region, "a label of the whole item becomes a segment over the item's duration, which "
                       "is not known yet (its media is still being processed); import it once the item is ready")
        return {"start_ms": 0, "end_ms": duration_ms}
    if kind in ("segment", "transcript"):
        if region.start_ms is None or region.end_ms is None:
            raise fail(layer, region, f"has no start and end, which a {kind} region needs")
        return {"start_ms": region.start_ms, "end_ms": region.end_ms}
    if kind == "point":
        if region.start_ms is None:
            raise fail(layer, region, "has no time, which a point needs")
        return {"time_ms": region.start_ms}
    return {}


def convert(layer: SourceLayer, region: SourceRegion, track: Mapping[str, Any], labels: Mapping[str, Any],
            duration_ms: int | None) -> dict[str, Any] | None:
    """One source region as a region of ``track``; None when its value is mapped to nothing."""
    kind, name = track["kind"], track["name"]
    out: dict[str, Any] = {"track": name}
    if kind == "relation" and not {"from_id", "to_id"} <= region.extra.keys():
        raise fail(layer, region, f"track '{name}' is a relation track, and this is not a relation")
    if kind != "relation" and "from_id" in region.extra:
        raise fail(layer, region, f"a relation goes on a relation track, and '{name}' is a {kind} track")
    if kind != "transcript":
        if region.value in labels and not labels[region.value]:
            return None
        label = labels.get(region.value) or region.value
        known = {lab["value"] for lab in track.get("labels", [])}
        if label not in known and region.value not in labels:
            label = _same_label(region.value, known) or label
        if label not in known:
            if region.value in labels:
                raise fail(layer, region, f"value '{region.value}' is mapped to '{label}', which is not a label of "
                           f"track '{name}'")
            raise fail(layer, region, f"value '{region.value}' is not mapped to a label of track '{name}'")
        out["label"] = label
    out.update(_times(layer, region, kind, duration_ms))
    if kind == "transcript":
        out["text"] = region.value
    elif "text" in region.extra:
        out["text"] = region.extra["text"]
    out.update({k: region.extra[k] for k in _CARRIED if k in region.extra})
    if "attributes" in out:
        out["attributes"] = _attributes(layer, region, track)
    return out


@dataclass
class Built:
    """The checked results by key, and the items of the file that were left out (``skip`` unmatched)."""

    results: dict[Key, list[dict[str, Any]]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


@dataclass
class _Pending:
    """One result being built: its regions, where each came from, and the file's ids of its regions."""

    regions: list[dict[str, Any]] = field(default_factory=list)
    origins: list[tuple[SourceLayer, SourceRegion]] = field(default_factory=list)
    ids: dict[tuple[str, str, str, str], str] = field(default_factory=dict)  # (file, item, scope, id) -> ours


def _context(target: Target, tasks: dict[int, Task], contexts: dict[Target, ResultContext]) -> ResultContext:
    if target not in contexts:
        if isinstance(target, int):
            tasks[target] = Task.objects.select_related("item").get(pk=target)
            contexts[target] = result_context(tasks[target])
        else:
            contexts[target] = ResultContext()  # a new item: its duration is known once its media is probed
    return contexts[target]


def _link(pending: _Pending) -> None:
    """Relations' ends named by the file's ids, as the imported ids of those regions."""
    for region, (layer, source) in zip(pending.regions, pending.origins, strict=True):
        if "from_id" not in source.extra:
            continue
        for key in ("from_id", "to_id"):
            theirs = str(source.extra[key])
            ours = pending.ids.get((layer.file, layer.item_key, layer.scope, theirs))
            if ours is None:
                raise fail(layer, source, f"its '{key}' '{theirs}' names no imported region of the same item (map "
                           "that region's tier to a track, or leave the relations out)")
            region[key] = ours


def _check_whole(schema: Mapping[str, Any], pending: _Pending, ctx: ResultContext) -> None:
    whole = ResultContext(duration_ms=ctx.duration_ms, text_lengths=ctx.text_lengths,
                          max_regions=settings.TANDEM_MAX_REGIONS)
    try:
        validate_result(schema, {"regions": pending.regions}, whole)
    except ResultError as exc:
        index = next((n for n, r in enumerate(pending.regions) if f"(id {r['id']!r})" in exc.where), None)
        if index is None:
            layer, _source = pending.origins[0]
            raise fail(layer, None, exc.message) from None
        layer, source = pending.origins[index]
        raise fail(layer, source, exc.message) from None


def build_results(project: Project, layers: Sequence[SourceLayer], mapping: Mapping[str, Any], items: ItemPlan,
                  source: Mapping[str, str] | None = None, by_annotator: bool = False, skip_unmatched: bool = False
                  ) -> Built:
    """Every mapped region converted and checked, grouped by target (and by the file's annotator when
    ``by_annotator``); the first bad one raises. A layer whose item is nowhere is an error, or with
    ``skip_unmatched`` left out and named in ``Built.skipped``."""
    tracks = tracks_of(project)
    pending: dict[Key, _Pending] = defaultdict(_Pending)
    contexts: dict[Target, ResultContext] = {}
    tasks: dict[int, Task] = {}
    out = Built()
    for layer in layers:
        entry = mapping.get(layer.layer)
        if not isinstance(entry, Mapping) or not entry.get("track"):
            continue
        track = tracks.get(str(entry["track"]))
        if track is None:
            raise fail(layer, None, f"is mapped to track '{entry['track']}', which the project does not have")
        labels = entry.get("labels") or {}
        if not isinstance(labels, Mapping):
            raise fail(layer, None, "its 'labels' mapping must be an object {value: label}")
        target = items.target(layer)
        if target is None:
            if skip_unmatched:
                if layer.item_key not in out.skipped:
                    out.skipped.append(layer.item_key)
                continue
            raise fail(layer, None, f"item '{layer.item_key}' matches no item of the project by external id or media "
                       "file name, and the upload holds no media file of that name ('unmatched': 'skip' leaves "
                       "such items out)")
        ctx = _context(target, tasks, contexts)
        result = pending[(target, layer.annotator if by_annotator else None)]
        for region in layer.regions:
            converted = convert(layer, region, track, labels, ctx.duration_ms)
            if converted is None:
                continue
            converted = {"id": f"imp{len(result.regions) + 1}", **converted}
            if source is not None:
                converted["source"] = dict(source)
            if track["kind"] != "relation":  # a relation is checked with the regions it links
                try:
                    validate_result(project.schema, {"regions": [converted]}, ctx)
                except ResultError as exc:
                    raise fail(layer, region, exc.message) from None
            if region.ref is not None:
                result.ids.setdefault((layer.file, layer.item_key, layer.scope, region.ref), converted["id"])
            result.regions.append(converted)
            result.origins.append((layer, region))
    for key, result in pending.items():
        _link(result)
        _check_whole(project.schema, result, contexts[key[0]])
        if isinstance(key[0], int):
            result_check(project, tasks[key[0]], {"regions": result.regions})
        out.results[key] = result.regions
    if not out.results:
        raise InvalidInput("Nothing to import: no region of the file is mapped to a track of the project.")
    return out
