"""The project audit: distributions, coverage, consent, warnings, from a fixture with known counts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from annotation.models import Project
from annotation.selectors_audit import project_audit
from tests.qa.audit_fixture import audited_project


@pytest.fixture
def audited(manager: User, annotator_a: User, annotator_b: User) -> Project:
    return audited_project(manager, annotator_a, annotator_b, require_consent="research")


def _labels(doc: dict[str, Any], track: str) -> dict[str, tuple[int, int]]:
    return {r["label"]: (r["segments"], r["duration_ms"]) for r in doc["labels"][track]["labels"]}


def test_label_distribution_reads_gold_where_there_is_one_and_submitted_work_elsewhere(audited: Project) -> None:
    doc = project_audit(audited)
    assert (doc["items"], doc["media_ms"]) == (4, 60_000)
    assert _labels(doc, "speech") == {"speech": (4, 12_000), "music": (1, 1000), "noise": (1, 500)}
    assert (doc["labels"]["speech"]["segments"], doc["labels"]["speech"]["items"]) == (6, 3)
    assert _labels(doc, "redactions") == {"face": (0, 0), "voice": (1, 1000)}
    assert doc["redaction"] == {"tracks": ["redactions"], "regions": 1, "items": 1}


def test_coverage_is_the_union_of_labelled_time_over_media_time(audited: Project) -> None:
    coverage = project_audit(audited)["coverage"]["tracks"]
    # i0: 0-7000 and 7000-8000 → 8000; i1: 0-3000; i3: 0-500
    assert coverage["speech"] == {"labeled_ms": 11_500, "coverage": round(11_500 / 60_000, 6)}
    assert coverage["redactions"] == {"labeled_ms": 1000, "coverage": round(1000 / 60_000, 6)}


def test_annotators_modalities_facets_and_provenance(audited: Project) -> None:
    doc = project_audit(audited)
    assert doc["annotators"] == [
        {"annotator": "annotator_a", "annotations": 2, "regions": 2, "duration_ms": 7000},
        {"annotator": "annotator_b", "annotations": 2, "regions": 2, "duration_ms": 3000}]
    assert doc["modalities"] == [{"role": "transcript", "kind": "text", "streams": 4, "duration_ms": 0}]
    speakers = {r["value"]: (r["items"], r["duration_ms"]) for r in doc["facets"]["speaker"]["values"]}
    assert speakers == {"bob": (1, 30_000), "alice": (2, 20_000), "(none)": (1, 10_000)}
    languages = {r["value"]: (r["items"], r["duration_ms"]) for r in doc["facets"]["language"]["values"]}
    assert languages == {"en": (3, 30_000), "fr": (1, 30_000)}
    assert doc["provenance"] == {"captured": {"items": 3, "duration_ms": 30_000, "share": 0.75},
                                 "synthetic": {"items": 1, "duration_ms": 30_000, "share": 0.25}}


def test_consent_licences_and_retention_counts(audited: Project) -> None:
    doc = project_audit(audited)
    assert doc["consent"] == {"required": "research", "with_consent": 3, "without": 1, "with_required": 2,
                              "excluded": 0}
    assert doc["licences"] == [{"licence": "(none)", "items": 1}, {"licence": "CC-BY-4.0", "items": 2},
                               {"licence": "CC0-1.0", "items": 1}]
    assert doc["retention"] == {"scheduled": 0, "media_deleted": 0}


def test_imbalance_warnings_follow_the_managers_thresholds(audited: Project) -> None:
    warnings = {(w["rule"], w["subject"]): w["value"] for w in project_audit(audited)["warnings"]}
    assert warnings == {
        ("min_label_share", "speech/music"): round(1 / 6, 6),
        ("min_label_share", "speech/noise"): round(1 / 6, 6),
        ("min_label_share", "redactions/face"): 0.0,
        ("max_facet_share", "speaker=bob"): 0.5,
    }


def test_without_thresholds_there_are_no_warnings(audited: Project) -> None:
    Project.objects.filter(pk=audited.pk).update(audit_thresholds={})
    audited.refresh_from_db()
    assert project_audit(audited)["warnings"] == []


def test_the_audit_api_is_for_managers(audited: Project, manager: User, annotator_a: User,
                                       client_for: Callable[[User], Any]) -> None:
    answer = client_for(manager).get(f"/api/projects/{audited.pk}/audit/")
    assert answer.status_code == 200
    assert answer.json()["labels"]["speech"]["segments"] == 6
    assert client_for(annotator_a).get(f"/api/projects/{audited.pk}/audit/").status_code == 403


def test_managers_set_facets_and_thresholds_and_bad_ones_name_the_field(
        audited: Project, manager: User, annotator_a: User, client_for: Callable[[User], Any]) -> None:
    client = client_for(manager)
    url = f"/api/projects/{audited.pk}/"
    answer = client.patch(url, {"audit_thresholds": {"min_label_share": 1.5}}, format="json")
    assert answer.status_code == 400
    assert "audit_thresholds.min_label_share" in str(answer.json())
    answer = client.patch(url, {"audit_thresholds": {"most": 0.1}}, format="json")
    assert answer.status_code == 400 and "audit_thresholds.most" in str(answer.json())
    answer = client.patch(url, {"audit_facets": ["speaker", "speaker"]}, format="json")
    assert answer.status_code == 400 and "audit_facets" in str(answer.json())
    answer = client.patch(url, {"audit_facets": ["accent"], "audit_thresholds": {"max_synthetic_share": 0.1},
                                "require_consent": ""}, format="json")
    assert answer.status_code == 200
    assert (answer.json()["audit_facets"], answer.json()["audit_thresholds"], answer.json()["require_consent"]) == \
        (["accent"], {"max_synthetic_share": 0.1}, None)
    assert client_for(annotator_a).patch(url, {"audit_facets": []}, format="json").status_code == 403
    warnings = project_audit(Project.objects.get(pk=audited.pk))["warnings"]
    assert [(w["rule"], w["value"]) for w in warnings] == [("max_synthetic_share", 0.25)]


def test_the_audit_page_shows_plots_tables_and_warnings(audited: Project, manager: User, annotator_a: User,
                                                        client: Any) -> None:
    client.force_login(manager)
    page = client.get(f"/projects/{audited.pk}/audit/")
    assert page.status_code == 200
    html = page.content.decode()
    for testid in ("labels-speech", "labels-redactions", "coverage", "provenance", "facet-speaker", "audit-duplicates"):
        assert f'data-testid="{testid}"' in html
    assert "speaker &#x27;bob&#x27; has 50.0% of media time" in html
    client.force_login(annotator_a)
    assert client.get(f"/projects/{audited.pk}/audit/").status_code == 404


def test_duplicate_media_is_listed_with_the_items_on_both_sides(audited: Project, manager: User) -> None:
    from annotation.services.imports import project_import
    from datasets.models import Asset

    def asset(name: str, **dup: Any) -> Asset:
        return Asset.objects.create(dataset=audited.dataset, kind="audio", storage_key=f"k/{name}", status="ready",
                                    original_name=name, meta={"duration_ms": 5000}, **dup)

    first = asset("a.wav")
    near = asset("a.mp3", duplicate_of=first, duplicate_kind="near", duplicate_distance=3)
    exact = asset("a-copy.wav", duplicate_of=first, duplicate_kind="exact", duplicate_distance=0)
    other = asset("b.wav")
    project_import(project=audited, user=manager, uploads={}, records=[
        {"external_id": f"rec-{n}", "metadata": {"split": split}, "streams": [{"role": "audio", "asset": a.pk}]}
        for n, (a, split) in enumerate([(first, "train"), (near, "test"), (exact, "train"), (other, "test")])])
    duplicates = project_audit(audited)["duplicates"]
    assert (duplicates["exact"], duplicates["near"], duplicates["cross_split"]) == (1, 1, 1)
    assert [(p["item"], p["of_item"], p["kind"], p["distance"], p["cross_split"]) for p in duplicates["pairs"]] == [
        ("rec-1", "rec-0", "near", 3, True), ("rec-2", "rec-0", "exact", 0, False)]


def test_the_settings_form_on_the_audit_page_takes_percentages(audited: Project, manager: User, client: Any) -> None:
    client.force_login(manager)
    url = f"/projects/{audited.pk}/audit/settings/"
    answer = client.post(url, {"require_consent": "commercial", "audit_facets": "speaker, accent",
                               "min_label_share": "5", "max_facet_share": "speaker=30, accent=25 %",
                               "max_synthetic_share": "", "min_coverage": "10"})
    assert (answer.status_code, answer["Location"]) == (302, f"/projects/{audited.pk}/audit/")
    audited.refresh_from_db()
    assert audited.require_consent == "commercial"
    assert audited.audit_facets == ["speaker", "accent"]
    assert audited.audit_thresholds == {"min_label_share": 0.05, "min_coverage": 0.1,
                                        "max_facet_share": {"speaker": 0.3, "accent": 0.25}}
    page = client.get(f"/projects/{audited.pk}/audit/").content.decode()
    assert 'value="accent=25, speaker=30"' in page and "Audit settings saved." in page

    client.post(url, {"audit_facets": "speaker", "min_label_share": "250"})
    audited.refresh_from_db()
    assert audited.audit_thresholds["min_label_share"] == 0.05  # refused: nothing changed
    assert "audit_thresholds.min_label_share: must be a fraction" in client.get(f"/projects/{audited.pk}/audit/").content.decode()
