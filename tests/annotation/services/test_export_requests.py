"""Export requests: the params a request normalises to, the first bad field it names, the file it names.

The functions under test read only their arguments (unsaved rows), so no database is needed.
"""

from __future__ import annotations

from typing import Any

import pytest

from annotation.models import Job, Project
from annotation.services.exports import (
    export_file_name,
    export_key,
    export_mime_type,
    output_is_zip,
    validate_filters,
    validate_request,
)
from common.errors import InvalidInput
from datasets.exports import FORMATS

SCHEMA: dict[str, Any] = {"tracks": [{"name": "speaker", "labels": [{"value": "A"}, {"value": "B"}]}]}


def _invalid(call: Any, *args: Any) -> tuple[str, Any]:
    with pytest.raises(InvalidInput) as info:
        call(*args)
    return info.value.detail, info.value.extra.get("field")


def test_filters_are_sorted_deduplicated_and_typed() -> None:
    raw = {"status": ["complete", "open", "complete"], "labels": ["B", "A"], "agreement_gte": 1,
           "created_after": "2026-01-01", "created_before": "2026-02-01T00:00:00+00:00", "provenance": "synthetic"}
    assert validate_filters(raw, SCHEMA) == {
        "status": ["complete", "open"], "labels": ["A", "B"], "agreement_gte": 1.0,
        "created_after": "2026-01-01", "created_before": "2026-02-01T00:00:00+00:00", "provenance": "synthetic",
    }


def test_no_filters_is_an_empty_filter() -> None:
    assert validate_filters(None, SCHEMA) == {}


@pytest.mark.parametrize(("raw", "detail", "field"), [
    ([], "'filters' must be an object.", "filters"),
    ({"colour": "red"}, "Unknown filter 'colour'; use status, labels, created_after, created_before, agreement_gte, "
     "provenance.", "filters.colour"),
    ({"labels": ["C"]}, "Label 'C' is not in the project's schema.", "filters.labels"),
    ({"labels": [""]}, "'filters.labels' must be a list of non-empty strings.", "filters.labels"),
    ({"created_after": "yesterday"}, "'filters.created_after' is not an ISO 8601 date: 'yesterday'.",
     "filters.created_after"),
    ({"created_after": "2026-02-01", "created_before": "2026-01-01"},
     "'filters.created_before' must be later than 'filters.created_after'.", "filters.created_before"),
    ({"agreement_gte": True}, "'filters.agreement_gte' must be a number from -1 to 1.", "filters.agreement_gte"),
    ({"agreement_gte": 1.5}, "'filters.agreement_gte' must be a number from -1 to 1.", "filters.agreement_gte"),
    ({"provenance": "found"}, "'filters.provenance' must be 'captured' or 'synthetic'.", "filters.provenance"),
])
def test_a_bad_filter_is_named(raw: Any, detail: str, field: str) -> None:
    assert _invalid(validate_filters, raw, SCHEMA) == (detail, field)


def test_a_naive_and_an_aware_date_compare_as_utc() -> None:
    raw = {"created_after": "2026-01-01T12:00:00", "created_before": "2026-01-01T11:00:00+00:00"}
    assert _invalid(validate_filters, raw, SCHEMA) == (
        "'filters.created_before' must be later than 'filters.created_after'.", "filters.created_before")


def test_a_request_gets_its_defaults() -> None:
    project = Project(name="p", schema=SCHEMA)
    assert validate_request(project, {"format": "csv"}) == {
        "format": "csv", "include": "gold", "media": "references", "filters": {}}


def test_a_release_and_a_ground_truth_are_kept_and_empty_ones_dropped() -> None:
    project = Project(name="p", schema=SCHEMA)
    params = validate_request(project, {"format": "coco", "release": "v1.0_rc-2", "ground_truth": "ann_a"})
    assert params == {"format": "coco", "include": "gold", "media": "references", "filters": {},
                      "release": "v1.0_rc-2", "ground_truth": "ann_a"}
    assert validate_request(project, {"format": "csv", "release": "", "ground_truth": None}) == {
        "format": "csv", "include": "gold", "media": "references", "filters": {}}


@pytest.mark.parametrize(("data", "detail", "field"), [
    ({"format": "csv", "zip": True}, "Unknown field 'zip'.", "zip"),
    ({"format": "CSV"}, f"Unknown format 'CSV'; use one of {', '.join(sorted(FORMATS))}.", "format"),
    ({"format": "csv", "include": "mine"}, "'include' must be one of gold, submitted, all.", "include"),
    ({"format": "csv", "media": "copy"}, "'media' must be one of references, include.", "media"),
    ({"format": "csv", "release": "-v1"}, "'release' must be a name of letters, digits, '.', '_' and '-' (at most 200).",
     "release"),
])
def test_a_bad_request_field_is_named(data: dict[str, Any], detail: str, field: str) -> None:
    assert _invalid(validate_request, Project(name="p", schema=SCHEMA), data) == (detail, field)


def test_a_request_that_is_not_an_object_is_refused() -> None:
    assert _invalid(validate_request, Project(name="p", schema=SCHEMA), ["csv"]) == ("Send a JSON object.", None)


def test_zip_formats_and_included_media_make_a_zip_file() -> None:
    assert output_is_zip({"format": "csv", "media": "references"}) is False
    assert output_is_zip({"format": "csv", "media": "include"}) is True
    assert output_is_zip({"format": "eaf"}) is True
    assert export_mime_type({"format": "csv"}) == "text/csv"
    assert export_mime_type({"format": "jsonl", "media": "include"}) == "application/zip"


def test_file_names_are_slugs_and_releases_name_their_format() -> None:
    project = Project(name="Interviews: día 1 / take 2", schema=SCHEMA)
    assert export_file_name(project, Job(pk=7, params={"format": "csv"})) == "Interviews-d-a-1-take-2-export-7.csv"
    assert export_file_name(project, Job(pk=7, params={"format": "csv", "media": "include"})) == (
        "Interviews-d-a-1-take-2-export-7.zip")
    assert export_file_name(project, Job(pk=8, params={"format": "srt"}, release_name="v2 final")) == (
        "v2-final-srt.zip")
    assert export_file_name(Project(name="...", schema=SCHEMA), Job(pk=9, params={"format": "json"})) == (
        "export-9.json")
    # a release name of symbols only falls back to the job's number
    assert export_file_name(project, Job(pk=9, params={"format": "json"}, release_name="...")) == "export-9-json.json"


def test_each_job_has_its_own_storage_folder() -> None:
    assert export_key(Job(pk=12, project_id=3), "out.csv") == "exports/3/12/out.csv"
