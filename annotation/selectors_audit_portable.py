"""The audit's reads on any database: the same rows ``annotation.selectors_audit`` asks PostgreSQL for.

The embedded default runs on SQLite, which has none of the JSON and range functions the grouped
queries use. Each function here returns the rows its PostgreSQL query returns (same columns,
same values), computed from plain ORM reads streamed one row at a time and counted in Python, so
the document built from them is the same. The cost grows with the rows read, which suits the
scale SQLite serves.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from annotation.models import Annotation, AnnotationKind, AnnotationStatus
from datasets.exports.audit import union_ms
from datasets.models import Item, Stream

Row = tuple[Any, ...]


def _text(value: Any) -> str | None:
    """A JSON value as PostgreSQL's ``->>`` gives it: strings as they are, null as NULL, others as JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)


def _key(document: Any, key: str) -> str | None:
    return _text(document.get(key)) if isinstance(document, Mapping) else None


def _bigint(value: Any) -> int | None:
    """A JSON number cast to bigint as PostgreSQL casts numeric (halves away from zero); others NULL."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(Decimal(str(value)).to_integral_value(ROUND_HALF_UP))


def _add(table: dict[Any, list[int]], key: Any, *values: int) -> None:
    row = table.setdefault(key, [0] * len(values))
    for i, v in enumerate(values):
        row[i] += v


def provenance_rows(dataset_id: int) -> list[Row]:
    """(provenance kind, items, media ms, items without a duration)."""
    return list(Item.objects.filter(dataset_id=dataset_id).order_by().values("provenance_kind").annotate(
        n=Count("id"), ms=Coalesce(Sum("duration_ms"), 0), undated=Count("id", filter=Q(duration_ms__isnull=True)))
        .values_list("provenance_kind", "n", "ms", "undated"))


def facet_rows(dataset_id: int, facets: Sequence[str]) -> list[Row]:
    """(facet key, metadata value or None, items, media ms)."""
    table: dict[tuple[str, str | None], list[int]] = {}
    for metadata, duration in Item.objects.filter(dataset_id=dataset_id).values_list(
            "metadata", "duration_ms").iterator():
        for key in facets:
            _add(table, (key, _key(metadata, key)), 1, duration or 0)
    return [(key, value, n, ms) for (key, value), (n, ms) in table.items()]


def stream_rows(dataset_id: int) -> list[Row]:
    """(stream role, asset kind, streams, ms of the assets' probed durations)."""
    table: dict[tuple[str, str], list[int]] = {}
    for role, kind, meta in Stream.objects.filter(item__dataset_id=dataset_id).values_list(
            "role", "asset__kind", "asset__meta").iterator():
        duration = _bigint(meta.get("duration_ms")) if isinstance(meta, Mapping) else None
        _add(table, (role, kind), 1, duration or 0)
    return [(role, kind, n, ms) for (role, kind), (n, ms) in table.items()]


def _spans(regions: list[Any]) -> Iterable[tuple[str | None, str | None, int | None, int | None]]:
    for region in regions:
        r = region if isinstance(region, Mapping) else {}
        yield _text(r.get("track")), _text(r.get("label")), _bigint(r.get("start_ms")), _bigint(r.get("end_ms"))


def _length(start: int | None, end: int | None) -> int:
    return end - start if start is not None and end is not None and end > start else 0


def region_rows(project_id: int) -> list[Row]:
    """('label', track, label, segments, ms, 0), ('track', track, None, items, covered ms, 0) and
    ('annotator', id, None, annotations, ms, regions), read as in ``selectors_audit._REGIONS``."""
    labels: dict[tuple[str | None, str | None], list[int]] = {}
    per_item: dict[tuple[int, str | None], list[tuple[int | None, int | None]]] = {}
    annotators: dict[str | None, list[int]] = {}
    read = (Annotation.objects.filter(task__project_id=project_id)
            .filter(Q(kind=AnnotationKind.GOLD) | Q(kind=AnnotationKind.HUMAN, status=AnnotationStatus.SUBMITTED))
            .order_by("task_id", "id").values_list("task_id", "task__item_id", "annotator_id", "kind", "result"))
    for _task, rows in itertools.groupby(read.iterator(), key=lambda row: row[0]):
        annotations = list(rows)
        has_gold = any(kind == AnnotationKind.GOLD for _, _, _, kind, _ in annotations)
        for _, item_id, annotator_id, kind, result in annotations:
            regions = result.get("regions", []) if isinstance(result, Mapping) else None
            if not isinstance(regions, list):
                continue
            spans = list(_spans(regions))
            if kind == AnnotationKind.GOLD or not has_gold:
                for track, label, start, end in spans:
                    _add(labels, (track, label), 1, _length(start, end))
                    per_item.setdefault((item_id, track), []).append((start, end))
            if kind == AnnotationKind.HUMAN:
                _add(annotators, None if annotator_id is None else str(annotator_id),
                     1, sum(_length(s, e) for _, _, s, e in spans), len(spans))
    tracks: dict[str | None, list[int]] = {}
    for (_, track), item_spans in per_item.items():
        _add(tracks, track, 1, _covered(item_spans))
    return ([("label", track, label, n, ms, 0) for (track, label), (n, ms) in labels.items()]
            + [("track", track, None, n, ms, 0) for track, (n, ms) in tracks.items()]
            + [("annotator", key, None, n, ms, regions) for key, (n, ms, regions) in annotators.items()])


def _covered(spans: list[tuple[int | None, int | None]]) -> int:
    """An item's labelled time on one track: one span as it is, several as their union."""
    if len(spans) == 1:
        return _length(*spans[0])
    return union_ms((s, e) for s, e in spans if s is not None and e is not None and e > s)


def item_rows(dataset_id: int, item_ids: Collection[int] | None, scope: str | None) -> list[Row]:
    """(licence, items, with consent, without, retention scheduled, media deleted, with consent ``scope``)."""
    wanted = None if item_ids is None else set(item_ids)
    table: dict[str, list[int]] = {}
    for pk, licence, consent, until, deleted in Item.objects.filter(dataset_id=dataset_id).values_list(
            "id", "licence", "consent", "retention_until", "media_deleted_at").iterator():
        if wanted is not None and pk not in wanted:
            continue
        entries = consent if isinstance(consent, list) else None
        _add(table, licence, 1, int(bool(entries)), int(entries == []),
             int(until is not None and deleted is None), int(deleted is not None),
             int(any(isinstance(e, Mapping) and e.get("scope") == (scope or "") for e in entries or [])))
    return [(licence, *values) for licence, values in table.items()]


def duplicate_rows(dataset_id: int, item_ids: Collection[int] | None) -> list[Row]:
    """(asset, duplicate of, kind, distance, then the least external id, item id and split of the
    items on this side and on the other), one row per duplicate asset, in asset order."""
    wanted = None if item_ids is None else set(item_ids)
    dups = Stream.objects.filter(item__dataset_id=dataset_id, asset__duplicate_of__isnull=False)
    assets: dict[int, tuple[Any, ...]] = {}
    sides: dict[int, list[list[Any]]] = {}
    for asset, other, kind, distance, item, ext, metadata in dups.values_list(
            "asset_id", "asset__duplicate_of_id", "asset__duplicate_kind", "asset__duplicate_distance",
            "item_id", "item__external_id", "item__metadata").iterator():
        if wanted is None or item in wanted:
            assets[asset] = (other, kind, distance)
            sides.setdefault(asset, [[], [], []])
            for values, value in zip(sides[asset], (ext, item, _key(metadata, "split")), strict=True):
                values.append(value)
    others: dict[int, list[list[Any]]] = {}
    for asset, item, ext, metadata in Stream.objects.filter(asset_id__in=dups.values("asset__duplicate_of_id")) \
            .values_list("asset_id", "item_id", "item__external_id", "item__metadata").iterator():
        others.setdefault(asset, [[], [], []])
        for values, value in zip(others[asset], (ext, item, _key(metadata, "split")), strict=True):
            values.append(value)
    out = []
    for asset in sorted(assets):
        other, kind, distance = assets[asset]
        ext, item, split = (_least(v) for v in sides[asset])
        o_ext, o_item, o_split = (_least(v) for v in others.get(other, [[], [], []]))
        out.append((asset, other, kind, distance, ext, item, o_ext, o_item, split, o_split))
    return out


def _least(values: list[Any]) -> Any:
    """SQL's min(): the least value that is not NULL, or NULL."""
    return min((v for v in values if v is not None), default=None)
