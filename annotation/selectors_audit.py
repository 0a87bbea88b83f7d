"""The audit's reads: aggregate rows grouped in the database, turned into a document by ``datasets.exports.audit``.

The queries are PostgreSQL's (JSON functions, ranges); on any other database (the embedded
default's SQLite) ``annotation.selectors_audit_portable`` gives the same rows. A project's audit
reads each table once with GROUP BY (regions are expanded from the annotation JSON inside
PostgreSQL), so its cost grows with the rows the database scans, not with Python work per item. A release's audit folds the records it was written from (``audit_of_records``)
and asks the database only about consent, licences, retention and duplicates of its items.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction

from annotation import selectors_audit_portable as portable_rows
from annotation.models import Annotation, Project, Task
from datasets.exports.audit import NO_LABEL, NO_VALUE, AuditCounts, add, audit_document, fold_record
from datasets.models import Asset, Item, Stream

MAX_PAIRS = 200

_T = {"item": Item._meta.db_table, "task": Task._meta.db_table, "annotation": Annotation._meta.db_table,
      "stream": Stream._meta.db_table, "asset": Asset._meta.db_table}


def _rows(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(**_T), params)
        return list(cursor.fetchall())


# Every annotation the audit reads, expanded into its regions in one pass: the label source of each
# task (its gold, else its submitted human work) and all submitted human work (per annotator). An
# annotation without regions (an empty list, or no `regions` key: `{}`) still gives one row (n IS
# NULL), so it is counted, as a release's audit counts it.
_REGIONS = """
WITH reg AS MATERIALIZED (
    SELECT t.item_id, a.annotator_id, a.kind = 'human' AS human, e.n, e.track, e.label,
           e.start_ms::bigint AS s, e.end_ms::bigint AS e,
           (a.kind = 'gold' OR NOT EXISTS (SELECT 1 FROM {annotation} g
                                           WHERE g.task_id = a.task_id AND g.kind = 'gold')) AS src
    FROM {annotation} a JOIN {task} t ON t.id = a.task_id
         LEFT JOIN LATERAL ROWS FROM (jsonb_to_recordset(a.result->'regions')
             AS (track text, label text, start_ms numeric, end_ms numeric)) WITH ORDINALITY
             AS e(track, label, start_ms, end_ms, n) ON true
    WHERE t.project_id = %s AND (a.kind = 'gold' OR (a.kind = 'human' AND a.status = 'submitted'))
          AND (NOT a.result ? 'regions' OR jsonb_typeof(a.result->'regions') = 'array')
)
SELECT 'label', track, label, count(*), coalesce(sum(CASE WHEN e > s THEN e - s END), 0), 0
FROM reg WHERE src AND n IS NOT NULL GROUP BY track, label
UNION ALL
SELECT 'track', track, NULL, count(*), coalesce(sum(c.covered), 0), 0 FROM (
    SELECT item_id, track, count(*) AS k, min(s) AS s, max(e) AS e,
           CASE WHEN count(*) > 1 THEN range_agg(int8range(s, e)) FILTER (WHERE e > s) END AS m
    FROM reg WHERE src AND n IS NOT NULL GROUP BY item_id, track) g
    LEFT JOIN LATERAL (SELECT CASE WHEN g.k = 1 THEN greatest(g.e - g.s, 0)
                                   ELSE (SELECT sum(upper(x) - lower(x)) FROM unnest(g.m) x) END AS covered) c ON true
GROUP BY track
UNION ALL
SELECT 'annotator', annotator_id::text, NULL, count(*) FILTER (WHERE n IS NULL OR n = 1),
       coalesce(sum(CASE WHEN e > s THEN e - s END), 0), count(n)
FROM reg WHERE human GROUP BY annotator_id
"""


def _items_where(dataset_id: int, item_ids: Sequence[int] | None) -> tuple[str, list[Any]]:
    if item_ids is None:
        return "i.dataset_id = %s", [dataset_id]
    return "i.dataset_id = %s AND i.id = ANY(%s)", [dataset_id, list(item_ids)]


def _item_facts(counts: AuditCounts, project: Project, item_ids: Sequence[int] | None, excluded: int,
                portable: bool) -> None:
    """Consent, licences, retention and duplicates of the project's items (or of ``item_ids``)."""
    scope = project.require_consent
    if portable:
        rows = portable_rows.item_rows(project.dataset_id, item_ids, scope)
        duplicates = portable_rows.duplicate_rows(project.dataset_id, item_ids)
    else:
        where, params = _items_where(project.dataset_id, item_ids)
        rows = _rows(
            f"""SELECT i.licence, count(*), count(*) FILTER (WHERE jsonb_array_length(i.consent) > 0),
                       count(*) FILTER (WHERE jsonb_array_length(i.consent) = 0),
                       count(*) FILTER (WHERE i.retention_until IS NOT NULL AND i.media_deleted_at IS NULL),
                       count(*) FILTER (WHERE i.media_deleted_at IS NOT NULL),
                       count(*) FILTER (WHERE i.consent @> %s::jsonb)
                FROM {{item}} i WHERE {where} GROUP BY i.licence""",
            [f'[{{"scope": {_json_str(scope or "")}}}]', *params])
        duplicates = _duplicate_rows(where, params)
    for licence, n, with_consent, without, scheduled, deleted, consented in rows:
        counts.licences[licence] = n
        for key, value in (("with_consent", with_consent), ("without", without), ("with_required", consented)):
            counts.consent[key] = counts.consent.get(key, 0) + value
        counts.retention["scheduled"] = counts.retention.get("scheduled", 0) + scheduled
        counts.retention["media_deleted"] = counts.retention.get("media_deleted", 0) + deleted
    counts.consent = {"required": scope, "with_consent": counts.consent.get("with_consent", 0),
                      "without": counts.consent.get("without", 0),
                      "with_required": counts.consent.get("with_required", 0) if scope else None,
                      "excluded": excluded}
    counts.retention = {"scheduled": counts.retention.get("scheduled", 0),
                        "media_deleted": counts.retention.get("media_deleted", 0)}
    counts.duplicates = _duplicates(duplicates)


def _json_str(value: str) -> str:
    return json.dumps(value)


def _duplicate_rows(where: str, params: list[Any]) -> list[tuple[Any, ...]]:
    return _rows(
        f"""SELECT a.id, a.duplicate_of_id, a.duplicate_kind, a.duplicate_distance,
                   min(i.external_id), min(i.id), min(oi.external_id), min(oi.id),
                   min(i.metadata->>'split'), min(oi.metadata->>'split')
            FROM {{asset}} a JOIN {{stream}} s ON s.asset_id = a.id JOIN {{item}} i ON i.id = s.item_id
                 LEFT JOIN {{stream}} os ON os.asset_id = a.duplicate_of_id LEFT JOIN {{item}} oi ON oi.id = os.item_id
            WHERE {where} AND a.duplicate_of_id IS NOT NULL
            GROUP BY a.id ORDER BY a.id""", params)


def _duplicates(rows: Iterable[tuple[Any, ...]]) -> dict[str, Any]:
    """Assets of the items that repeat another asset of the dataset, with the items on both sides."""
    pairs: dict[tuple[int, int], dict[str, Any]] = {}
    for asset, other, kind, distance, ext, item, o_ext, o_item, split, o_split in rows:
        key = (min(asset, other), max(asset, other))
        if key in pairs:
            continue
        pairs[key] = {"asset": asset, "of_asset": other, "kind": kind, "distance": distance,
                      "item": ext or f"item {item}", "of_item": (o_ext or f"item {o_item}") if o_item else "–",
                      "cross_split": bool(split and o_split and split != o_split)}
    listed = list(pairs.values())
    return {"exact": sum(1 for p in listed if p["kind"] == "exact"), "near": sum(1 for p in listed if p["kind"] == "near"),
            "cross_split": sum(1 for p in listed if p["cross_split"]), "pairs": listed[:MAX_PAIRS]}


_PROVENANCE = ("SELECT provenance_kind, count(*), coalesce(sum(duration_ms), 0), "
               "count(*) FILTER (WHERE duration_ms IS NULL) FROM {item} WHERE dataset_id = %s GROUP BY provenance_kind")
_FACETS = ("SELECT k, i.metadata->>k, count(*), coalesce(sum(i.duration_ms), 0) "
           "FROM {item} i, unnest(%s::text[]) k WHERE i.dataset_id = %s GROUP BY 1, 2")
_STREAMS = ("SELECT s.role, a.kind, count(*), coalesce(sum(CASE WHEN jsonb_typeof(a.meta->'duration_ms') = 'number' "
            "THEN (a.meta->>'duration_ms')::numeric::bigint END), 0) "
            "FROM {stream} s JOIN {asset} a ON a.id = s.asset_id JOIN {item} i ON i.id = s.item_id "
            "WHERE i.dataset_id = %s GROUP BY 1, 2")


def _project_counts(project: Project, facets: Sequence[str], portable: bool) -> AuditCounts:
    counts = AuditCounts()
    dataset = project.dataset_id
    if portable:
        provenance, streams = portable_rows.provenance_rows(dataset), portable_rows.stream_rows(dataset)
        by_facet = portable_rows.facet_rows(dataset, facets) if facets else []
        region_rows = portable_rows.region_rows(project.pk)
    else:
        provenance, streams = _rows(_PROVENANCE, [dataset]), _rows(_STREAMS, [dataset])
        by_facet = _rows(_FACETS, [list(facets), dataset]) if facets else []
        region_rows = _rows(_REGIONS, [project.pk])
    for kind, n, ms, undated in provenance:
        add(counts.provenance, kind, n, ms)
        counts.items += int(n)
        counts.media_ms += int(ms)
        counts.undated_items += int(undated)
    for key, value, n, ms in by_facet:
        add(counts.facets.setdefault(key, {}), NO_VALUE if value is None else value, n, ms)
    for role, kind, n, ms in streams:
        add(counts.streams, (role, kind), n, ms)
    per_annotator: dict[str, list[int]] = {}
    for what, key, label, n, ms, n_regions in region_rows:
        if what == "label":
            add(counts.labels, (key, NO_LABEL if label is None else label), n, ms)
        elif what == "track":
            counts.track_items[key] = int(n)
            counts.covered_ms[key] = int(ms)
        else:
            add(per_annotator, key, n, n_regions, ms)
    names = dict(User.objects.filter(pk__in=[int(k) for k in per_annotator if k is not None])
                 .values_list("pk", "username"))
    for key, (n_annotations, regions, ms) in per_annotator.items():
        add(counts.annotators, str(names.get(int(key)) if key is not None else None), n_annotations, regions, ms)
    return counts


def _settings(project: Project) -> tuple[list[str], dict[str, Any]]:
    return list(project.audit_facets or []), dict(project.audit_thresholds or {})


def _portable(portable: bool | None) -> bool:
    """Whether to read through ``selectors_audit_portable`` (by default: on any database but PostgreSQL)."""
    return connection.vendor != "postgresql" if portable is None else portable


def project_audit(project: Project, *, portable: bool | None = None) -> dict[str, Any]:
    """The audit of everything the project holds now."""
    facets, thresholds = _settings(project)
    portable = _portable(portable)
    with transaction.atomic():
        if not portable:
            with connection.cursor() as cursor:
                # One pass over every region: compiling it (JIT) costs more than it saves, and the
                # per-item unions fit in memory rather than spilling to disk.
                cursor.execute("SET LOCAL jit = off")
                cursor.execute("SET LOCAL work_mem = '64MB'")
        counts = _project_counts(project, facets, portable)
        _item_facts(counts, project, None, excluded=0, portable=portable)
    return audit_document(counts, project.schema or {}, facets, thresholds)


def audit_of_records(project: Project, records: Iterable[Mapping[str, Any]], *, excluded: int,
                     portable: bool | None = None) -> dict[str, Any]:
    """The audit of the records a release was written from (``excluded``: items left out for consent)."""
    facets, thresholds = _settings(project)
    counts = AuditCounts()
    item_ids: list[int] = []
    for record in records:
        fold_record(counts, record, facets)
        item_ids.append(int(record["item_id"]))
    _item_facts(counts, project, item_ids, excluded=excluded, portable=_portable(portable))
    return audit_document(counts, project.schema or {}, facets, thresholds)
