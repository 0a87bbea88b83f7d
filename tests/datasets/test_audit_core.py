"""The pure audit core and data card renderer, on plain data."""

from __future__ import annotations

import pytest
import yaml

from datasets.exports.audit import (
    AuditCounts,
    AuditSettingsError,
    audit_document,
    check_thresholds,
    facet_value,
    fold_record,
    union_ms,
)
from datasets.exports.datacard import datacard_markdown

SCHEMA = {"tracks": [{"name": "speech", "kind": "segment", "labels": [{"value": "speech"}, {"value": "music"}]}]}


def test_union_counts_overlaps_once_and_gaps_not_at_all() -> None:
    assert union_ms([(0, 1000), (500, 1500), (3000, 3500), (1500, 2000)]) == 2500
    assert union_ms([]) == 0


@pytest.mark.parametrize(("raw", "field"), [
    ({"min_label_share": -0.1}, "audit_thresholds.min_label_share"),
    ({"min_label_share": True}, "audit_thresholds.min_label_share"),
    ({"max_facet_share": {"speaker": 2}}, "audit_thresholds.max_facet_share.speaker"),
    ({"balance": 0.5}, "audit_thresholds.balance"),
])
def test_bad_thresholds_name_their_field(raw: dict[str, object], field: str) -> None:
    with pytest.raises(AuditSettingsError) as caught:
        check_thresholds(raw)
    assert caught.value.field == field


def test_facet_values_keep_strings_and_write_anything_else_as_json() -> None:
    assert [facet_value(v) for v in ("en", 3, True, None, ["a", "b"])] == ["en", "3", "true", "(none)", '["a","b"]']


def test_a_record_without_gold_counts_every_submitted_annotation_and_never_drafts_or_predictions() -> None:
    counts = AuditCounts()
    record = {"item_id": 1, "duration_ms": 4000, "metadata": {}, "provenance": {"kind": "captured"}, "streams": [],
              "annotations": [
                  {"annotator": "a", "kind": "human", "status": "submitted",
                   "regions": [{"track": "speech", "label": "speech", "start_ms": 0, "end_ms": 1000}]},
                  {"annotator": "b", "kind": "human", "status": "draft",
                   "regions": [{"track": "speech", "label": "music", "start_ms": 0, "end_ms": 1000}]},
                  {"annotator": "asr", "kind": "prediction", "status": None,
                   "regions": [{"track": "speech", "label": "music", "start_ms": 0, "end_ms": 4000}]}]}
    fold_record(counts, record, [])
    doc = audit_document(counts, SCHEMA, [], {})
    assert [(r["label"], r["segments"]) for r in doc["labels"]["speech"]["labels"]] == [("speech", 1), ("music", 0)]
    assert doc["annotators"] == [{"annotator": "a", "annotations": 1, "regions": 1, "duration_ms": 1000}]
    assert doc["coverage"]["tracks"]["speech"] == {"labeled_ms": 1000, "coverage": 0.25}


def test_the_card_lists_duplicate_pairs_and_parses_as_yaml() -> None:
    counts = AuditCounts(items=2, media_ms=10_000, duplicates={"exact": 0, "near": 1, "cross_split": 1, "pairs": [
        {"item": "rec-1", "of_item": "rec-0", "kind": "near", "distance": 4, "cross_split": True}]})
    card = datacard_markdown(audit_document(counts, SCHEMA, [], {}), {"project_name": "P", "name": "v2"})
    head = yaml.safe_load(card.split("---\n")[1])
    assert head["tandem"]["duplicates"] == {"exact": 0, "near": 1}
    assert "| rec-1 | rec-0 | near | 4 |" in card
