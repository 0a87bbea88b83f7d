"""Release manifests: canonical bytes, content hashes, counts."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

from datasets.exports.manifest import (
    annotation_hash,
    build_manifest,
    canonical_bytes,
    manifest_bytes,
    release_hash,
    schema_hash,
)


def test_canonical_bytes_ignore_key_order_and_hash_with_sha256() -> None:
    a = canonical_bytes({"b": 1, "a": {"d": [1, 2], "c": "é"}})
    assert a == canonical_bytes({"a": {"c": "é", "d": [1, 2]}, "b": 1})
    assert a == '{"a":{"c":"é","d":[1,2]},"b":1}'.encode()
    assert schema_hash({"tracks": []}) == hashlib.sha256(b'{"tracks":[]}').hexdigest()


def test_manifest_hashes_every_annotation_and_media_file_and_counts(
        schema: dict[str, Any], records: list[dict[str, Any]]) -> None:
    m = build_manifest(schema, records, schema_version=3, agreement={"alpha": {"speech": 0.8125}})
    assert m["schema"] == {"sha256": schema_hash(schema), "version": 3}
    assert len(m["annotations"]) == 6
    assert m["annotations"][0] == {"item_id": 7, "external_id": "clip 007", "annotator": "rev_r", "kind": "gold",
                                   "regions": 12, "sha256": annotation_hash(records[0]["annotations"][3])}
    assert [x["sha256"] for x in m["media"]] == ["d" * 64, "a" * 64, "b" * 64, "c" * 64]
    counts = m["counts"]
    assert (counts["items"], counts["annotations"], counts["regions"]) == (2, 6, 54)
    assert counts["per_track"] == {"speech": 14, "events": 9, "words": 10, "entities": 8, "faces": 9, "links": 4}
    assert counts["per_label"]["speech/speech"] == 10 and counts["per_label"]["faces/face"] == 5
    assert counts["per_annotator"] == {"ann_a": 15, "ann_b": 12, "ann_c": 12, "rev_r": 12, "whisper-vad": 3}
    assert m["agreement"] == {"alpha": {"speech": 0.8125}}
    assert json.loads(manifest_bytes(m)) == m


def test_release_hash_ignores_record_order_and_changes_with_one_region(
        schema: dict[str, Any], records: list[dict[str, Any]]) -> None:
    base = release_hash(build_manifest(schema, records))
    assert release_hash(build_manifest(schema, list(reversed(records)))) == base
    edited = copy.deepcopy(records)
    edited[0]["annotations"][1]["regions"][0]["end_ms"] += 1
    changed = build_manifest(schema, edited)
    assert release_hash(changed) != base
    before = build_manifest(schema, records)["annotations"]
    assert [a["sha256"] != b["sha256"] for a, b in zip(changed["annotations"], before, strict=True)] == \
           [False, False, True, False, False, False]  # sorted: gold, ann_a, ann_b, …
