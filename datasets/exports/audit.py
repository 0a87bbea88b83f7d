"""The dataset audit: what a project or a release holds, and where it is out of balance.

Two sources fill the same ``AuditCounts``: aggregate rows the database grouped (a project: see
``annotation.selectors_audit``) or export records folded one at a time (a release: ``fold_record``).
``audit_document`` turns the counts into the document the API, the dashboard and the data card
show, with the warnings the manager's thresholds raise.

The labels of an item are its gold annotation when it has one, else every submitted annotation
("the label source"); per-annotator figures count submitted human work only. Durations are in
milliseconds; a region without ``start_ms``/``end_ms`` (a point, a box, a text span) counts as a
segment of no duration. Coverage is the union of an item's labelled time per track over the
items' media time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

JSONDict = dict[str, Any]

NO_VALUE = "(none)"
NO_LABEL = "(no label)"
REDACT_KIND = "redact"
MAX_FACET_VALUES = 200
THRESHOLD_KEYS = ("min_label_share", "max_facet_share", "max_synthetic_share", "min_coverage")
MAX_FACETS = 20


class AuditSettingsError(ValueError):
    """A bad facet list or threshold; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def _share(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= float(value) <= 1.0:
        raise AuditSettingsError(field, "must be a fraction between 0 and 1 (0.05 is 5 %)")
    return float(value)


def check_facets(value: Any) -> list[str]:
    """Item metadata keys the audit breaks down by: a list of distinct non-empty names."""
    if not isinstance(value, list) or len(value) > MAX_FACETS:
        raise AuditSettingsError("audit_facets", f"must be a list of at most {MAX_FACETS} metadata keys")
    for i, key in enumerate(value):
        if not isinstance(key, str) or not 0 < len(key) <= 64:
            raise AuditSettingsError(f"audit_facets[{i}]", "must be a metadata key of 1-64 characters")
    if len(set(value)) != len(value):
        raise AuditSettingsError("audit_facets", "lists a key twice")
    return list(value)


def check_thresholds(value: Any) -> JSONDict:
    """Imbalance thresholds, e.g. ``{"min_label_share": 0.05, "max_facet_share": {"speaker": 0.3}}``.

    ``max_facet_share`` is one fraction for every facet or one per facet key.
    """
    if not isinstance(value, Mapping):
        raise AuditSettingsError("audit_thresholds", "must be an object")
    unknown = sorted(set(value) - set(THRESHOLD_KEYS))
    if unknown:
        raise AuditSettingsError(f"audit_thresholds.{unknown[0]}", f"unknown threshold; use {', '.join(THRESHOLD_KEYS)}")
    out: JSONDict = {}
    for key in ("min_label_share", "max_synthetic_share", "min_coverage"):
        if value.get(key) is not None:
            out[key] = _share(value[key], f"audit_thresholds.{key}")
    facet = value.get("max_facet_share")
    if isinstance(facet, Mapping):
        out["max_facet_share"] = {str(k): _share(v, f"audit_thresholds.max_facet_share.{k}") for k, v in facet.items()}
    elif facet is not None:
        out["max_facet_share"] = _share(facet, "audit_thresholds.max_facet_share")
    return out


@dataclass
class AuditCounts:
    """Aggregates of one project or release; every map is keyed as the document lists it."""

    items: int = 0
    media_ms: int = 0
    labels: dict[tuple[str, str], list[int]] = field(default_factory=dict)  # (track, label) -> [segments, ms]
    track_items: dict[str, int] = field(default_factory=dict)  # track -> items with a label on it
    covered_ms: dict[str, int] = field(default_factory=dict)  # track -> union of labelled time
    annotators: dict[str, list[int]] = field(default_factory=dict)  # name -> [annotations, regions, ms]
    streams: dict[tuple[str, str], list[int]] = field(default_factory=dict)  # (role, kind) -> [streams, ms]
    facets: dict[str, dict[str, list[int]]] = field(default_factory=dict)  # key -> value -> [items, ms]
    provenance: dict[str, list[int]] = field(default_factory=dict)  # kind -> [items, ms]
    consent: JSONDict = field(default_factory=dict)
    licences: dict[str, int] = field(default_factory=dict)
    retention: JSONDict = field(default_factory=dict)
    duplicates: JSONDict = field(default_factory=dict)
    undated_items: int = 0  # items without a media duration


def add(table: dict[Any, list[int]], key: Any, *values: int) -> None:
    row = table.setdefault(key, [0] * len(values))
    for i, v in enumerate(values):
        row[i] += int(v or 0)


def facet_value(value: Any) -> str:
    """A metadata value as the facet shows it (strings as they are, anything else as JSON)."""
    if value is None:
        return NO_VALUE
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), sort_keys=True)


def _interval(region: Mapping[str, Any]) -> tuple[int, int] | None:
    start, end = region.get("start_ms"), region.get("end_ms")
    if isinstance(start, int | float) and isinstance(end, int | float) and not isinstance(start, bool) \
            and not isinstance(end, bool) and end > start:
        return int(start), int(end)
    return None


def union_ms(intervals: Iterable[tuple[int, int]]) -> int:
    """Total length of the union of half-open intervals."""
    total, cur_start, cur_end = 0, None, None
    for start, end in sorted(intervals):
        if cur_end is None or start > cur_end:
            if cur_end is not None and cur_start is not None:
                total += cur_end - cur_start
            cur_start, cur_end = start, end
        else:
            cur_end = max(cur_end, end)
    if cur_end is not None and cur_start is not None:
        total += cur_end - cur_start
    return total


def label_source(annotations: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The annotations an item's labels are read from: its gold, else its submitted human work."""
    gold = [a for a in annotations if a.get("kind") == "gold"]
    return gold or [a for a in annotations if a.get("kind") == "human" and a.get("status") == "submitted"]


def fold_record(counts: AuditCounts, record: Mapping[str, Any], facets: Iterable[str]) -> None:
    """Add one export record (docs/architecture.md, the export record contract) to the counts."""
    duration = record.get("duration_ms") or 0
    counts.items += 1
    counts.media_ms += duration
    if not record.get("duration_ms"):
        counts.undated_items += 1
    add(counts.provenance, (record.get("provenance") or {}).get("kind", "captured"), 1, duration)
    metadata = record.get("metadata") or {}
    for key in facets:
        add(counts.facets.setdefault(key, {}), facet_value(metadata.get(key)), 1, duration)
    for s in record.get("streams", []):
        add(counts.streams, (str(s.get("role")), str(s.get("kind"))), 1, s.get("duration_ms") or 0)
    annotations = list(record.get("annotations", []))
    spans: dict[str, list[tuple[int, int]]] = {}
    for a in label_source(annotations):
        for r in a.get("regions", []):
            track = str(r.get("track"))
            interval = _interval(r)
            label = r.get("label")
            add(counts.labels, (track, label if isinstance(label, str) else NO_LABEL), 1,
                interval[1] - interval[0] if interval else 0)
            spans.setdefault(track, [])
            if interval:
                spans[track].append(interval)
    for track, intervals in spans.items():
        counts.track_items[track] = counts.track_items.get(track, 0) + 1
        counts.covered_ms[track] = counts.covered_ms.get(track, 0) + union_ms(intervals)
    for a in annotations:
        if a.get("kind") == "human" and a.get("status") == "submitted":
            regions = a.get("regions", [])
            ms = sum(iv[1] - iv[0] for iv in map(_interval, regions) if iv)
            add(counts.annotators, str(a.get("annotator")), 1, len(regions), ms)


# --- the document --------------------------------------------------------------------------------


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 6) if whole else None


def _track_kinds(schema: Mapping[str, Any]) -> dict[str, str]:
    return {str(t.get("name")): str(t.get("kind")) for t in schema.get("tracks", []) if isinstance(t, Mapping)}


def _labels(counts: AuditCounts, schema: Mapping[str, Any]) -> JSONDict:
    """Per track: every schema label (those never used with 0) and any other label found."""
    out: JSONDict = {}
    declared: dict[str, list[str]] = {}
    for t in schema.get("tracks", []):
        declared[str(t.get("name"))] = [str(lab.get("value")) for lab in t.get("labels", []) if isinstance(lab, Mapping)]
    kinds = _track_kinds(schema)
    tracks = list(declared) + sorted({t for t, _ in counts.labels} - set(declared))
    for track in tracks:
        found = {label: row for (t, label), row in counts.labels.items() if t == track}
        names = declared.get(track, []) + sorted(set(found) - set(declared.get(track, [])))
        segments = sum(r[0] for r in found.values())
        duration = sum(r[1] for r in found.values())
        rows = []
        for name in names:
            n, ms = found.get(name, [0, 0])
            rows.append({"label": name, "segments": n, "share": _ratio(n, segments), "duration_ms": ms,
                         "duration_share": _ratio(ms, duration)})
        out[track] = {"kind": kinds.get(track, "unknown"), "segments": segments, "duration_ms": duration,
                      "items": counts.track_items.get(track, 0), "labels": rows}
    return out


def _facets(counts: AuditCounts, facets: Iterable[str]) -> JSONDict:
    out: JSONDict = {}
    for key in facets:
        values = counts.facets.get(key, {})
        items = sum(v[0] for v in values.values())
        ms = sum(v[1] for v in values.values())
        ranked = sorted(values.items(), key=lambda kv: (-kv[1][1], -kv[1][0], kv[0]))
        rows = [{"value": v, "items": n, "share": _ratio(n, items), "duration_ms": d, "duration_share": _ratio(d, ms)}
                for v, (n, d) in ranked[:MAX_FACET_VALUES]]
        out[key] = {"values": rows, "distinct": len(values), "items": items, "duration_ms": ms,
                    "more": max(0, len(values) - MAX_FACET_VALUES)}
    return out


def _warnings(doc: JSONDict, thresholds: Mapping[str, Any]) -> list[JSONDict]:
    out: list[JSONDict] = []

    def warn(rule: str, subject: str, value: float, limit: float, message: str) -> None:
        out.append({"rule": rule, "subject": subject, "value": round(value, 6), "threshold": limit, "message": message})

    low = thresholds.get("min_label_share")
    if low is not None:
        for track, t in doc["labels"].items():
            for row in t["labels"]:
                if t["segments"] and row["share"] is not None and row["share"] < low:
                    warn("min_label_share", f"{track}/{row['label']}", row["share"], low,
                         f"Label '{row['label']}' on track '{track}' is {row['share']:.1%} of its segments "
                         f"({row['segments']} of {t['segments']}); the minimum is {low:.0%}.")
    high = thresholds.get("max_facet_share")
    for key, facet in doc["facets"].items():
        limit = high.get(key) if isinstance(high, Mapping) else high
        if limit is None:
            continue
        by_time = facet["duration_ms"] > 0
        for row in facet["values"]:
            share = row["duration_share"] if by_time else row["share"]
            if share is not None and share > limit:
                what = "of media time" if by_time else "of items"
                warn("max_facet_share", f"{key}={row['value']}", share, limit,
                     f"{key} '{row['value']}' has {share:.1%} {what}; the maximum is {limit:.0%}.")
    synthetic = thresholds.get("max_synthetic_share")
    share = doc["provenance"].get("synthetic", {}).get("share")
    if synthetic is not None and share is not None and share > synthetic:
        warn("max_synthetic_share", "synthetic", share, synthetic,
             f"Synthetic items are {share:.1%} of the items; the maximum is {synthetic:.0%}.")
    cover = thresholds.get("min_coverage")
    if cover is not None:
        for track, c in doc["coverage"]["tracks"].items():
            if c["coverage"] is not None and c["coverage"] < cover:
                warn("min_coverage", track, c["coverage"], cover,
                     f"Track '{track}' labels {c['coverage']:.1%} of the media time; the minimum is {cover:.0%}.")
    return out


def known_gaps(doc: Mapping[str, Any]) -> list[str]:
    """Plain sentences about what the data lacks, for the data card and the dashboard."""
    gaps = []
    for track, t in doc["labels"].items():
        if not t["segments"]:
            gaps.append(f"Track '{track}' has no labels.")
        unused = [r["label"] for r in t["labels"] if not r["segments"]]
        if t["segments"] and unused:
            gaps.append(f"Track '{track}': label{'s' if len(unused) > 1 else ''} {', '.join(repr(u) for u in unused)} never used.")
    if doc["undated_items"]:
        gaps.append(f"{doc['undated_items']} item(s) have no known media duration (coverage leaves them out).")
    consent = doc.get("consent") or {}
    if consent.get("without"):
        gaps.append(f"{consent['without']} item(s) carry no consent record.")
    if consent.get("excluded"):
        gaps.append(f"{consent['excluded']} item(s) were left out for lacking consent '{consent.get('required')}'.")
    retention = doc.get("retention") or {}
    if retention.get("media_deleted"):
        gaps.append(f"{retention['media_deleted']} item(s) had their media deleted at the end of retention; "
                    "their labels remain.")
    for key, facet in doc["facets"].items():
        missing = next((r["items"] for r in facet["values"] if r["value"] == NO_VALUE), 0)
        if missing:
            gaps.append(f"{missing} item(s) have no '{key}' in their metadata.")
    dup = doc.get("duplicates") or {}
    if dup.get("exact") or dup.get("near"):
        gaps.append(f"{dup.get('exact', 0)} exact and {dup.get('near', 0)} near duplicate media file(s); "
                    "keep each pair in one split.")
    return gaps


def audit_document(counts: AuditCounts, schema: Mapping[str, Any], facets: Iterable[str],
                   thresholds: Mapping[str, Any]) -> JSONDict:
    """The audit of ``counts``: distributions, coverage, consent, duplicates, warnings and gaps."""
    facets = list(facets)
    kinds = _track_kinds(schema)
    labels = _labels(counts, schema)
    prov_items = sum(v[0] for v in counts.provenance.values())
    redact = [t for t, k in kinds.items() if k == REDACT_KIND]
    doc: JSONDict = {
        "items": counts.items,
        "media_ms": counts.media_ms,
        "undated_items": counts.undated_items,
        "labels": labels,
        "annotators": [{"annotator": name, "annotations": a, "regions": r, "duration_ms": ms}
                       for name, (a, r, ms) in sorted(counts.annotators.items())],
        "modalities": [{"role": role, "kind": kind, "streams": n, "duration_ms": ms}
                       for (role, kind), (n, ms) in sorted(counts.streams.items())],
        "coverage": {"media_ms": counts.media_ms, "tracks": {
            track: {"labeled_ms": counts.covered_ms.get(track, 0),
                    "coverage": _ratio(counts.covered_ms.get(track, 0), counts.media_ms)}
            for track in labels if kinds.get(track, "segment") in ("segment", "transcript", REDACT_KIND)}},
        "facets": _facets(counts, facets),
        "provenance": {kind: {"items": n, "duration_ms": ms, "share": _ratio(n, prov_items)}
                       for kind, (n, ms) in sorted(counts.provenance.items())},
        "consent": dict(counts.consent),
        "licences": [{"licence": name or "(none)", "items": n} for name, n in sorted(counts.licences.items())],
        "retention": dict(counts.retention),
        "redaction": {"tracks": redact, "regions": sum(labels[t]["segments"] for t in redact if t in labels),
                      "items": sum(labels[t]["items"] for t in redact if t in labels)},
        "duplicates": dict(counts.duplicates) or {"exact": 0, "near": 0, "pairs": []},
        "settings": {"facets": facets, "thresholds": dict(thresholds)},
    }
    doc["warnings"] = _warnings(doc, thresholds)
    doc["gaps"] = known_gaps(doc)
    return doc
