"""Release manifests: canonical bytes and content hashes of everything a release holds.

A release is identified by the sha256 of its manifest's canonical bytes. The manifest lists the
hash of every annotation (over its canonical JSON), every media file (the `sha256` the record
carries for each stream), the schema hash and version, counts per track, label and annotator, and
an agreement summary computed elsewhere and passed in. Lists are sorted, so the manifest does not
depend on the order records arrive in; the same content always gives the same release hash.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from datasets.exports.base import JSONDict, dumps

MANIFEST_VERSION = 1


def canonical_bytes(obj: Any) -> bytes:
    """Canonical JSON: UTF-8, sorted keys, no whitespace. Equal data → equal bytes."""
    return dumps(obj)


def sha256_hex(data: bytes) -> str:
    """Hex sha256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def content_hash(obj: Any) -> str:
    """sha256 of an object's canonical JSON."""
    return sha256_hex(canonical_bytes(obj))


def annotation_hash(annotation: Mapping[str, Any]) -> str:
    """Hash of one annotation (annotator, kind, status, model, regions…), as exported."""
    return content_hash(annotation)


def schema_hash(schema: Mapping[str, Any]) -> str:
    """Hash of a label schema."""
    return content_hash(schema)


def _sort_key(value: Any) -> tuple[int, str]:
    """Sort None first, then numbers by value, then strings (mixed ids sort stably)."""
    if value is None:
        return (0, "")
    if isinstance(value, int):
        return (1, f"{value:020d}")
    return (2, str(value))


def build_manifest(schema: Mapping[str, Any], records: Iterable[Mapping[str, Any]], *,
                   schema_version: int | str | None = None, agreement: Mapping[str, Any] | None = None,
                   files: Mapping[str, str] | None = None, extra: Mapping[str, Any] | None = None) -> JSONDict:
    """Build a release manifest in one pass over the records.

    Holds one hash line per annotation and stream (not the regions), so it scales with the
    number of annotations, not their size. `files` maps export file names to their sha256;
    `extra` is copied in as is (e.g. filters, project id).
    """
    annotations: list[JSONDict] = []
    media: dict[tuple[str, str], JSONDict] = {}
    items = 0
    per_track: Counter[str] = Counter()
    per_label: Counter[str] = Counter()
    per_annotator: Counter[str] = Counter()
    per_kind: Counter[str] = Counter()
    regions = 0
    for record in records:
        items += 1
        for ann in record.get("annotations", []):
            annotations.append({"item_id": record.get("item_id"), "external_id": record.get("external_id"),
                                "annotator": ann.get("annotator"), "kind": ann.get("kind"),
                                "regions": len(ann.get("regions", [])), "sha256": annotation_hash(ann)})
            per_annotator[str(ann.get("annotator"))] += len(ann.get("regions", []))
            per_kind[str(ann.get("kind"))] += 1
            for r in ann.get("regions", []):
                regions += 1
                per_track[str(r.get("track"))] += 1
                if "label" in r:
                    per_label[f"{r.get('track')}/{r['label']}"] += 1
        for s in record.get("streams", []):
            if s.get("uri"):
                media[(str(s["uri"]), str(s.get("sha256")))] = {"uri": s["uri"], "sha256": s.get("sha256"),
                                                                "kind": s.get("kind")}
    annotations.sort(key=lambda a: (_sort_key(a["item_id"]), _sort_key(a["external_id"]),
                                    str(a["kind"]), str(a["annotator"]), a["sha256"]))
    manifest: JSONDict = {
        "manifest_version": MANIFEST_VERSION,
        "schema": {"sha256": schema_hash(schema), "version": schema_version},
        "counts": {"items": items, "annotations": len(annotations), "regions": regions,
                   "per_track": dict(per_track), "per_label": dict(per_label),
                   "per_annotator": dict(per_annotator), "per_annotation_kind": dict(per_kind)},
        "annotations": annotations,
        "media": [media[k] for k in sorted(media)],
        "agreement": dict(agreement) if agreement is not None else None,
        "files": dict(files or {}),
    }
    if extra:
        manifest["extra"] = dict(extra)
    return manifest


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    """The manifest as it is stored: canonical JSON plus a trailing newline."""
    return canonical_bytes(manifest) + b"\n"


def release_hash(manifest: Mapping[str, Any]) -> str:
    """The release's identity: sha256 of its manifest bytes."""
    return sha256_hex(manifest_bytes(manifest))
