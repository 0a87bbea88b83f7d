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
from django.db.models import Avg, CharField, Count, F, Func, Lookup, Min, Q, QuerySet, TextField
from django.db.models.functions import Cast

from annotation.models import Annotation, AnnotationKind, AnnotationStatus, Prediction, Project, Task
from datasets.models import Asset, AssetKind, Item, Stream
from datasets.services.consent import has_consent

#: Tasks per chunk: each chunk costs four queries whatever its size (a few ms of planning and
#: round trip each), and memory holds one chunk's rows. At 1,000,000 tasks with two regions
#: each, 5,000 spends about a third less time in queries than 2,000, for about 10 MB more.
CHUNK_SIZE = 5000

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


def asset_facts(kind: str, storage_key: str, sha256: str, meta: Mapping[str, Any] | None) -> tuple[JSONDict, JSONDict]:
    """What an export record says of an asset, whatever stream shows it: storage key as uri and
    probe facts from asset.meta (the container names the file's real type, whatever its key says),
    as the facts that come before a stream's offset and those after it (`stream_record`).

    fps, width and height come from the first video stream the probe found in the file; facts the
    probe did not give are left out rather than written as null. Worked out once per asset and
    chunk: an asset often backs many items (a shared text, a long recording).
    """
    meta = meta or {}
    video: dict[str, Any] = next((s for s in meta.get("streams", []) if s.get("type") == "video"), {})
    fps = video.get("fps")
    head = {"kind": kind, "uri": storage_key, "container": meta.get("container")}
    tail = {"duration_ms": meta.get("duration_ms"), "sha256": sha256 or None,
            "fps": float(fps) if fps is not None else None,
            "width": video.get("width") or meta.get("width"), "height": video.get("height") or meta.get("height")}
    return ({k: v for k, v in head.items() if v is not None}, {k: v for k, v in tail.items() if v is not None})


def stream_record(role: str, offset_ms: int, asset: tuple[JSONDict, JSONDict]) -> JSONDict:
    """One stream as the export record describes it: role, the asset's facts (`asset_facts`) and
    offset, keys in the contract's order (role and offset are never null)."""
    head, tail = asset
    return {"role": role, **head, "offset_ms": offset_ms, **tail}


def read_text(key: str) -> str:
    """The content of a text stream, read from storage."""
    with default_storage.open(key, "rb") as fh:
        data: bytes = fh.read()
    return data.decode("utf-8")


def _regions(result: str | None) -> list[Any]:
    """The regions of a result column read as JSON text (parsed with orjson: much faster at scale)."""
    parsed = orjson.loads(result) if result is not None else None
    return list((parsed or {}).get("regions", []))


def annotation_record(username: str | None, kind: str, status: str, updated_at: str | None,
                      result: str | None) -> JSONDict:
    """One human or gold annotation (gold keeps its reviewer's name when it has one)."""
    return {"annotator": username, "kind": kind, "status": status, "model": None, "model_version": None,
            "updated_at": updated_at, "regions": _regions(result)}


def prediction_record(model: str, model_version: str, updated_at: str | None, result: str | None) -> JSONDict:
    """One model suggestion; the model's name stands in as its annotator."""
    return {"annotator": model, "kind": "prediction", "status": None, "model": model,
            "model_version": model_version, "updated_at": updated_at, "regions": _regions(result)}


def has_label(record: Mapping[str, Any], labels: frozenset[str]) -> bool:
    """Whether any exported region of the record carries one of `labels`."""
    return any(r.get("label") in labels for a in record.get("annotations", []) for r in a.get("regions", []))


class _AnyOf(Lookup):
    """``field = ANY('{1,2,…}'::bigint[])``: a chunk's ids as one array literal.

    Unlike ``IN (SELECT unnest(…))`` the planner knows how many ids there are (the sub-select was
    estimated at 200 rows and hash-joined against a full scan of the table, once per chunk), and
    one text parameter binds in microseconds where thousands of separate ones take milliseconds.
    ``indexed=False`` writes ``(field + 0)``, which no index matches: a filter on rows that a
    range condition on the same column has already found.
    """

    lookup_name = "any_of"
    prepare_rhs = False

    def __init__(self, lhs: Any, rhs: Any, *, indexed: bool = True) -> None:
        super().__init__(lhs, rhs)
        self.indexed = indexed

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, params = self.process_lhs(compiler, connection)
        column = lhs if self.indexed else f"({lhs} + 0)"
        return f"{column} = ANY(%s::bigint[])", (*params, self.rhs)


def _among(field: str, ids: list[int]) -> Any:
    """A filter on ``field`` being one of a chunk's ids.

    On PostgreSQL, ids that are dense (a chunk of items imported together, the usual case) are
    read as one range of the index rather than looked up one by one (one index descent per query
    rather than one per id). A range with no gaps is the ids themselves; a range with gaps is filtered by
    the ids, and is used only while it spans at most twice as many ids as the chunk holds, so
    sparse ids (a filtered export) are looked up rather than reading other rows.
    """
    if connection.vendor != "postgresql":
        return Q(**{f"{field}__in": ids})
    low, high = min(ids), max(ids)
    within = Q(**{f"{field}__gte": low, f"{field}__lte": high})
    if high - low + 1 == len(set(ids)):
        return within
    literal = "{" + ",".join(map(str, ids)) + "}"
    if high - low < 2 * len(ids):
        return within & Q(_AnyOf(F(field), literal, indexed=False))
    return _AnyOf(F(field), literal)


class _IsoMillis(Func):
    """A timestamp as ISO 8601 UTC text with milliseconds, in SQL (PostgreSQL): the same text as
    `_iso` (``to_char``'s ``MS`` truncates, as ``isoformat(timespec="milliseconds")`` does),
    without a datetime object per row."""

    template = "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
    output_field = CharField()


def _row_values(qs: QuerySet[Any], *fields: str | tuple[str, str]) -> Iterator[tuple[Any, ...]]:
    """Rows of ``qs`` as plain tuples, in the order of ``fields``.

    A field given as ``("json", name)`` is read as JSON text (parsed by the caller, with orjson);
    ``("iso", name)`` is a timestamp read as `_iso` text. The rows of a chunk are few, so they are
    read with an ordinary cursor rather than a server-side one (no DECLARE and FETCH round trips).
    """
    pg = connection.vendor == "postgresql"
    names: list[str] = []
    exprs: dict[str, Any] = {}
    isos: list[int] = []
    for n, field in enumerate(fields):
        if isinstance(field, str):
            names.append(field)
            continue
        how, name = field
        alias = f"_{how}_{n}"
        if how == "json":
            exprs[alias] = Cast(name, TextField())
        elif pg:
            exprs[alias] = _IsoMillis(name)
        else:
            exprs[alias] = F(name)
            isos.append(n)
        names.append(alias)
    rows = qs.annotate(**exprs).values_list(*names) if exprs else qs.values_list(*names)
    if not isos:
        yield from rows
        return
    for row in rows:
        values = list(row)
        for n in isos:
            values[n] = _iso(values[n])
        yield tuple(values)


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
    items = {row[0]: row for row in _row_values(Item.objects.filter(_among("id", item_ids)),
                                                "id", "external_id", "duration_ms",
                                                ("json", "provenance"), ("json", "metadata"))}
    # Ordered by owner first, then id: each owner's rows come out in id order, as the record
    # lists them, and the owner's index gives that order without a sort of the whole chunk.
    streams: dict[int, list[tuple[Any, ...]]] = {}
    for row in _row_values(Stream.objects.filter(_among("item_id", item_ids)).order_by("item_id", "id"),
                           "item_id", "role", "offset_ms", "asset_id"):
        streams.setdefault(row[0], []).append(row)
    asset_ids = sorted({row[3] for rows in streams.values() for row in rows})
    assets: dict[int, tuple[JSONDict, JSONDict]] = {}
    text_keys: dict[int, str] = {}  # storage key of each text asset
    if asset_ids:
        for asset_id, kind, storage_key, sha256, meta in _row_values(
                Asset.objects.filter(_among("id", asset_ids)), "id", "kind", "storage_key", "sha256", ("json", "meta")):
            assets[asset_id] = asset_facts(kind, storage_key, sha256, orjson.loads(meta) if meta is not None else None)
            if kind == AssetKind.TEXT:
                text_keys[asset_id] = storage_key
    annotations: dict[int, list[JSONDict]] = {}
    for task_id, username, kind, status, updated_at, result in _row_values(
            Annotation.objects.filter(_annotation_filter(include), _among("task_id", task_ids)).order_by("task_id", "id"),
            "task_id", "annotator__username", "kind", "status", ("iso", "updated_at"), ("json", "result")):
        annotations.setdefault(task_id, []).append(annotation_record(username, kind, status, updated_at, result))
    if include == "all":
        for task_id, model, model_version, updated_at, result in _row_values(
                Prediction.objects.filter(_among("task_id", task_ids), error="").order_by("task_id", "id"),
                "task_id", "model", "model_version", ("iso", "updated_at"), ("json", "result")):
            annotations.setdefault(task_id, []).append(prediction_record(model, model_version, updated_at, result))
    texts: dict[int, str] = {}
    for task_id, item_id in chunk:
        if on_task is not None:
            on_task()
        _, external_id, duration_ms, provenance, metadata = items[item_id]
        item_streams = streams.get(item_id, ())
        item_texts: JSONDict = {}
        for _, role, _, asset_id in item_streams:
            if asset_id in text_keys:
                if asset_id not in texts:
                    texts[asset_id] = read_text(text_keys[asset_id])
                item_texts[role] = texts[asset_id]
        record: JSONDict = {
            "item_id": item_id, "external_id": external_id,
            "provenance": orjson.loads(provenance) if provenance is not None else None,
            "metadata": orjson.loads(metadata) if metadata is not None else None, "duration_ms": duration_ms,
            "streams": [stream_record(role, offset_ms, assets[asset_id]) for _, role, offset_ms, asset_id in item_streams],
            "texts": item_texts,
            "annotations": annotations.get(task_id, []),
        }
        if labels and not has_label(record, labels):
            continue
        yield record
