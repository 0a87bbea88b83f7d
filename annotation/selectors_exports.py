"""Reads for exports: which tasks an export covers and the export records built from them.

Records follow the export record contract in docs/architecture.md. The project is never loaded
whole: task ids are read in chunks, and each chunk's items, streams, assets, annotations and
predictions are read as plain rows with one query per table, so memory holds one chunk at a time.
Order is fixed (item id, then annotation id, then prediction id) so the same data always gives
the same records, which is what lets a release be re-made byte for byte.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

import orjson
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Avg, Count, Min, Q, QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast

from annotation.models import Annotation, AnnotationKind, AnnotationStatus, Prediction, Project, Task
from datasets.models import AssetKind, Item, Stream
from datasets.services.consent import has_consent

CHUNK_SIZE = 2000

JSONDict = dict[str, Any]


def export_tasks(project: Project, filters: Mapping[str, Any], *, consent: bool = True) -> QuerySet[Task]:
    """The project's tasks that pass the (already validated) filters, in item order.

    `labels` is applied per record by `export_records` (it looks inside annotation results,
    which differs per database), everything else here in SQL. A project that requires consent
    exports only items with that consent (``consent=False`` counts the ones left out).
    """
    qs = Task.objects.filter(project=project)
    if consent and project.require_consent:
        qs = qs.filter(has_consent(project.require_consent, "item__"))
    if filters.get("status"):
        qs = qs.filter(status__in=list(filters["status"]))
    if filters.get("created_after"):
        qs = qs.filter(created_at__gte=_start_of(filters["created_after"]))
    if filters.get("created_before"):
        qs = qs.filter(created_at__lt=_start_of(filters["created_before"]))
    if filters.get("agreement_gte") is not None:
        qs = qs.filter(agreement__gte=float(filters["agreement_gte"]))
    if filters.get("provenance"):
        qs = qs.filter(item__provenance_kind=filters["provenance"])
    return qs.order_by("item_id", "id")


def _start_of(value: str) -> dt.datetime:
    """An ISO date or datetime (validated before) as an aware datetime (dates: midnight UTC)."""
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def agreement_summary(tasks: QuerySet[Task]) -> JSONDict:
    """Mean, minimum and count of the tasks' agreement values (tasks without one are not counted)."""
    row = tasks.order_by().aggregate(mean=Avg("agreement"), min=Min("agreement"),
                                     count=Count("id", filter=Q(agreement__isnull=False)))
    return {"mean": row["mean"], "min": row["min"], "count": row["count"]}


def _annotation_filter(include: str) -> Q:
    """Which annotation rows an `include` mode exports.

    Gold counts whatever its status: there is one per task and it is the adjudicated version.
    Humans count only once submitted; drafts are never exported.
    """
    gold = Q(kind=AnnotationKind.GOLD)
    if include == "gold":
        return gold
    return gold | Q(kind=AnnotationKind.HUMAN, status=AnnotationStatus.SUBMITTED)


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def stream_record(stream: Mapping[str, Any]) -> JSONDict:
    """One stream (a row of `_STREAM_FIELDS`) as the export record describes it: storage key as uri,
    probe facts from asset.meta (the container names the file's real type, whatever its key says).

    fps, width and height come from the first video stream the probe found in the file; fields
    the probe did not give are left out rather than written as null.
    """
    meta = stream["asset__meta"] or {}
    video: dict[str, Any] = next((s for s in meta.get("streams", []) if s.get("type") == "video"), {})
    out: JSONDict = {"role": stream["role"], "kind": stream["asset__kind"], "uri": stream["asset__storage_key"],
                     "container": meta.get("container"), "offset_ms": stream["offset_ms"], "duration_ms": meta.get("duration_ms"),
                     "sha256": stream["asset__sha256"] or None, "fps": video.get("fps"),
                     "width": video.get("width") or meta.get("width"),
                     "height": video.get("height") or meta.get("height")}
    if out["fps"] is not None:
        out["fps"] = float(out["fps"])
    return {k: v for k, v in out.items() if v is not None}


def read_text(key: str) -> str:
    """The content of a text stream, read from storage."""
    with default_storage.open(key, "rb") as fh:
        data: bytes = fh.read()
    return data.decode("utf-8")


def annotation_record(row: Mapping[str, Any]) -> JSONDict:
    """One human or gold annotation (gold keeps its reviewer's name when it has one)."""
    return {"annotator": row["annotator__username"], "kind": row["kind"], "status": row["status"], "model": None,
            "model_version": None, "updated_at": _iso(row["updated_at"]),
            "regions": list((row["result"] or {}).get("regions", []))}


def prediction_record(row: Mapping[str, Any]) -> JSONDict:
    """One model suggestion; the model's name stands in as its annotator."""
    return {"annotator": row["model"], "kind": "prediction", "status": None, "model": row["model"],
            "model_version": row["model_version"], "updated_at": _iso(row["updated_at"]),
            "regions": list((row["result"] or {}).get("regions", []))}


def has_label(record: Mapping[str, Any], labels: frozenset[str]) -> bool:
    """Whether any exported region of the record carries one of `labels`."""
    return any(r.get("label") in labels for a in record.get("annotations", []) for r in a.get("regions", []))


_STREAM_FIELDS = ("item_id", "role", "offset_ms", "asset_id", "asset__kind", "asset__storage_key", "asset__sha256")
_ANNOTATION_FIELDS = ("task_id", "annotator__username", "kind", "status", "updated_at")
_PREDICTION_FIELDS = ("task_id", "model", "model_version", "updated_at")


def _in(ids: list[int]) -> Any:
    """``field__in`` of a chunk's ids: one array parameter on PostgreSQL, not thousands of them."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return ids


def _json_rows(qs: QuerySet[Any], fields: tuple[str, ...], **json_fields: str) -> Iterator[dict[str, Any]]:
    """Rows of ``fields`` plus JSON columns read as text and parsed with orjson (much faster at scale)."""
    aliases = {f"json_{n}": name for n, name in enumerate(json_fields)}
    casts = {alias: Cast(json_fields[name], TextField()) for alias, name in aliases.items()}
    for row in qs.annotate(**casts).values(*fields, *casts).iterator():
        for alias, name in aliases.items():
            text = row.pop(alias)
            row[name] = orjson.loads(text) if text is not None else None
        yield row


def _grouped(rows: Iterator[dict[str, Any]], key: str) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(row[key], []).append(row)
    return out


def export_records(project: Project, params: Mapping[str, Any], *, chunk_size: int = CHUNK_SIZE,
                   on_task: Any = None) -> Iterator[JSONDict]:
    """Export records for the tasks an export's params select, streamed chunk by chunk.

    Each chunk of tasks is read with one query per table as plain rows (no model instances: at
    100,000 tasks building them is most of the cost). Texts are read once per asset of a chunk.
    `on_task` (optional) is called once per task read, before the label filter, so a caller
    can report progress against `export_tasks(...).count()`.
    """
    filters = params.get("filters") or {}
    include = params.get("include", "gold")
    labels = frozenset(filters.get("labels") or ())
    chunk: list[tuple[int, int]] = []
    for pair in export_tasks(project, filters).values_list("id", "item_id").iterator(chunk_size=chunk_size):
        chunk.append(pair)
        if len(chunk) == chunk_size:
            yield from _chunk_records(chunk, include, labels, on_task)
            chunk = []
    if chunk:
        yield from _chunk_records(chunk, include, labels, on_task)


def _chunk_records(chunk: list[tuple[int, int]], include: str, labels: frozenset[str],
                   on_task: Any) -> Iterator[JSONDict]:
    task_ids = [t for t, _ in chunk]
    item_ids = [i for _, i in chunk]
    items = {row["id"]: row for row in _json_rows(Item.objects.filter(pk__in=_in(item_ids)),
                                                  ("id", "external_id", "duration_ms"),
                                                  provenance="provenance", metadata="metadata")}
    streams = _grouped(_json_rows(Stream.objects.filter(item_id__in=_in(item_ids)).order_by("id"), _STREAM_FIELDS,
                                  asset__meta="asset__meta"), "item_id")
    annotations = _grouped(_json_rows(Annotation.objects.filter(_annotation_filter(include), task_id__in=_in(task_ids))
                                      .order_by("id"), _ANNOTATION_FIELDS, result="result"), "task_id")
    predictions: dict[int, list[dict[str, Any]]] = {}
    if include == "all":
        predictions = _grouped(_json_rows(Prediction.objects.filter(task_id__in=_in(task_ids), error="")
                                          .order_by("id"), _PREDICTION_FIELDS, result="result"), "task_id")
    texts: dict[int, str] = {}
    for task_id, item_id in chunk:
        if on_task is not None:
            on_task()
        item = items[item_id]
        item_streams = streams.get(item_id, [])
        for s in item_streams:
            if s["asset__kind"] == AssetKind.TEXT and s["asset_id"] not in texts:
                texts[s["asset_id"]] = read_text(s["asset__storage_key"])
        record: JSONDict = {
            "item_id": item_id, "external_id": item["external_id"], "provenance": item["provenance"],
            "metadata": item["metadata"], "duration_ms": item["duration_ms"],
            "streams": [stream_record(s) for s in item_streams],
            "texts": {s["role"]: texts[s["asset_id"]] for s in item_streams if s["asset__kind"] == AssetKind.TEXT},
            "annotations": [annotation_record(a) for a in annotations.get(task_id, [])]
            + [prediction_record(p) for p in predictions.get(task_id, [])],
        }
        if labels and not has_label(record, labels):
            continue
        yield record
