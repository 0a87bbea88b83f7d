"""Reads for exports: which tasks an export covers and the export records built from them.

Records follow the export record contract in docs/architecture.md. The project is never loaded
whole: tasks are read in chunks with `.iterator(chunk_size=…)`, and each chunk's items, streams,
assets, annotations and predictions are prefetched together, so memory holds one chunk at a time.
Order is fixed (item id, then annotation id, then prediction id) so the same data always gives
the same records, which is what lets a release be re-made byte for byte.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from django.core.files.storage import default_storage
from django.db.models import Avg, Count, Min, Prefetch, Q, QuerySet

from annotation.models import Annotation, AnnotationKind, AnnotationStatus, Prediction, Project, Task
from datasets.models import Asset, Stream

CHUNK_SIZE = 200

JSONDict = dict[str, Any]


def export_tasks(project: Project, filters: Mapping[str, Any]) -> QuerySet[Task]:
    """The project's tasks that pass the (already validated) filters, in item order.

    `labels` is applied per record by `export_records` (it looks inside annotation results,
    which differs per database), everything else here in SQL.
    """
    qs = Task.objects.filter(project=project)
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


def stream_record(stream: Stream) -> JSONDict:
    """One stream as the export record describes it: storage key as uri, probe facts from asset.meta.

    fps, width and height come from the first video stream the probe found in the file; fields
    the probe did not give are left out rather than written as null.
    """
    asset: Asset = stream.asset
    meta = asset.meta or {}
    video: dict[str, Any] = next((s for s in meta.get("streams", []) if s.get("type") == "video"), {})
    out: JSONDict = {"role": stream.role, "kind": asset.kind, "uri": asset.storage_key, "offset_ms": stream.offset_ms,
                     "duration_ms": meta.get("duration_ms"), "sha256": asset.sha256 or None,
                     "fps": video.get("fps"), "width": video.get("width") or meta.get("width"),
                     "height": video.get("height") or meta.get("height")}
    if out["fps"] is not None:
        out["fps"] = float(out["fps"])
    return {k: v for k, v in out.items() if v is not None}


def read_text(key: str) -> str:
    """The content of a text stream, read from storage."""
    with default_storage.open(key, "rb") as fh:
        data: bytes = fh.read()
    return data.decode("utf-8")


def annotation_record(annotation: Annotation) -> JSONDict:
    """One human or gold annotation (gold keeps its reviewer's name when it has one)."""
    return {"annotator": annotation.annotator.username if annotation.annotator is not None else None,
            "kind": annotation.kind, "status": annotation.status, "model": None, "model_version": None,
            "updated_at": _iso(annotation.updated_at), "regions": list((annotation.result or {}).get("regions", []))}


def prediction_record(prediction: Prediction) -> JSONDict:
    """One model suggestion; the model's name stands in as its annotator."""
    return {"annotator": prediction.model, "kind": "prediction", "status": None, "model": prediction.model,
            "model_version": prediction.model_version, "updated_at": _iso(prediction.updated_at),
            "regions": list((prediction.result or {}).get("regions", []))}


def has_label(record: Mapping[str, Any], labels: frozenset[str]) -> bool:
    """Whether any exported region of the record carries one of `labels`."""
    return any(r.get("label") in labels for a in record.get("annotations", []) for r in a.get("regions", []))


def export_records(project: Project, params: Mapping[str, Any], *, chunk_size: int = CHUNK_SIZE,
                   on_task: Any = None) -> Iterator[JSONDict]:
    """Export records for the tasks an export's params select, streamed chunk by chunk.

    `on_task` (optional) is called once per task read, before the label filter, so a caller
    can report progress against `export_tasks(...).count()`.
    """
    filters = params.get("filters") or {}
    include = params.get("include", "gold")
    labels = frozenset(filters.get("labels") or ())
    annotations = Annotation.objects.filter(_annotation_filter(include)).select_related("annotator").order_by("id")
    prefetch: list[Any] = [
        Prefetch("item__streams", queryset=Stream.objects.select_related("asset").order_by("id")),
        Prefetch("annotations", queryset=annotations, to_attr="export_annotations"),
    ]
    if include == "all":
        prefetch.append(Prefetch("predictions", queryset=Prediction.objects.filter(error="").order_by("id"),
                                 to_attr="export_predictions"))
    tasks = export_tasks(project, filters).select_related("item").prefetch_related(*prefetch)
    for task in tasks.iterator(chunk_size=chunk_size):
        if on_task is not None:
            on_task()
        item = task.item
        streams = list(item.streams.all())
        record: JSONDict = {
            "item_id": item.pk, "external_id": item.external_id, "provenance": item.provenance,
            "metadata": item.metadata, "duration_ms": item.duration_ms,
            "streams": [stream_record(s) for s in streams],
            "texts": {s.role: read_text(s.asset.storage_key) for s in streams if s.asset.kind == "text"},
            "annotations": [annotation_record(a) for a in getattr(task, "export_annotations", [])]
            + [prediction_record(p) for p in getattr(task, "export_predictions", [])],
        }
        if labels and not has_label(record, labels):
            continue
        yield record
