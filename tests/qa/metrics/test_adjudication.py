"""Conflict finding and majority merge for the adjudication loop."""

from qa.metrics import find_conflicts, merge_majority


def test_conflicts_report_label_clashes_and_missing_regions_with_times() -> None:
    versions = {
        "ann": [(0, 1000, "speech"), (2000, 3000, "music")],
        "bob": [(0, 1000, "speech"), (2000, 3000, "noise")],
        "cat": [(0, 1200, "speech")],
    }
    assert find_conflicts(versions) == [
        {"start_ms": 1000, "end_ms": 1200, "kind": "missing",
         "labels": {"ann": None, "bob": None, "cat": "speech"}},
        {"start_ms": 2000, "end_ms": 3000, "kind": "label",
         "labels": {"ann": "music", "bob": "noise", "cat": None}},
    ]


def test_identical_versions_have_no_conflicts() -> None:
    segs = [(0, 500, "a"), (700, 900, "b")]
    assert find_conflicts([segs, segs]) == []


def test_majority_merge_votes_labels_and_takes_median_boundaries() -> None:
    versions = {
        "ann": [(0, 1000, "speech"), (2000, 3000, "music"), (5000, 5500, "laugh")],
        "bob": [(100, 1100, "speech"), (2100, 3000, "music")],
        "cat": [(40, 1300, "noise"), (1900, 3100, "music")],
    }
    assert merge_majority(versions) == [
        {"start_ms": 40, "end_ms": 1100, "label": "speech", "supporters": ["ann", "bob"],
         "members": ["ann", "bob", "cat"], "votes": {"noise": 1, "speech": 2}},
        {"start_ms": 2000, "end_ms": 3000, "label": "music", "supporters": ["ann", "bob", "cat"],
         "members": ["ann", "bob", "cat"], "votes": {"music": 3}},
    ]


def test_majority_merge_keeps_minority_regions_when_asked() -> None:
    merged = merge_majority([[(0, 10, "a")], [(50, 60, "b")]], min_support=1)
    assert [(m["start_ms"], m["end_ms"], m["label"], m["supporters"]) for m in merged] == [
        (0, 10, "a", [0]), (50, 60, "b", [1])
    ]
