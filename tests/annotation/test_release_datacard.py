"""Consent filtering in exports and releases, and the audit and data card every release carries."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from django.contrib.auth.models import User
from django.core.files.storage import default_storage

from annotation.models import Job, Project
from annotation.selectors_audit import project_audit
from tests.qa.audit_fixture import audited_project


@pytest.fixture
def export(client_for: Callable[[User], Any], manager: User, django_capture_on_commit_callbacks: Any,
           eager: None) -> Callable[..., Job]:
    def run(project: Project, body: dict[str, Any]) -> Job:
        with django_capture_on_commit_callbacks(execute=True):
            answer = client_for(manager).post(f"/api/projects/{project.pk}/exports/", body, format="json")
        assert answer.status_code == 202, answer.content
        job = Job.objects.get(pk=answer.json()["id"])
        assert job.status == "succeeded", job.error
        return job

    return run


def _front_matter(card: str) -> dict[str, Any]:
    assert card.startswith("---\n")
    head, _, _ = card[4:].partition("\n---\n")
    loaded: dict[str, Any] = yaml.safe_load(head)
    return loaded


def test_an_export_leaves_out_items_without_the_required_consent_and_says_how_many(
        manager: User, annotator_a: User, annotator_b: User, export: Callable[..., Job]) -> None:
    project = audited_project(manager, annotator_a, annotator_b, require_consent="research")
    job = export(project, {"format": "jsonl", "include": "submitted"})
    with default_storage.open(job.file_key, "rb") as fh:
        ids = [json.loads(line)["external_id"] for line in fh.read().splitlines()]
    assert ids == ["i0", "i1"]
    assert (job.result["items"], job.result["consent_excluded"]) == (2, 2)


def test_without_a_consent_requirement_nothing_is_left_out(
        manager: User, annotator_a: User, annotator_b: User, export: Callable[..., Job]) -> None:
    project = audited_project(manager, annotator_a, annotator_b)
    job = export(project, {"format": "jsonl", "include": "submitted"})
    assert (job.result["items"], job.result["consent_excluded"]) == (4, 0)


def test_the_data_card_of_a_release_lists_the_fixtures_distributions(
        manager: User, annotator_a: User, annotator_b: User, export: Callable[..., Job],
        client_for: Callable[[User], Any]) -> None:
    project = audited_project(manager, annotator_a, annotator_b, require_consent="research")
    job = export(project, {"format": "jsonl", "include": "submitted", "release": "v1"})
    answer = client_for(manager).get(f"/api/exports/{job.pk}/audit/", {"format": "md"})
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/markdown")
    card = answer.content.decode()
    header = _front_matter(card)
    tandem = header["tandem"]
    # Only i0 and i1 have consent 'research': 20 s of media; i2 and i3 are left out.
    assert (tandem["items"], tandem["media_ms"], tandem["release"]) == (2, 20_000, "v1")
    assert tandem["release_hash"] == job.result["release_hash"]
    assert tandem["consent"] == {"required": "research", "with_consent": 2, "without": 0, "with_required": 2,
                                 "excluded": 2}
    assert tandem["labels"] == {
        "speech": {"speech": {"segments": 4, "duration_ms": 12_000}, "music": {"segments": 1, "duration_ms": 1000},
                   "noise": {"segments": 0, "duration_ms": 0}},
        "redactions": {"face": {"segments": 0, "duration_ms": 0}, "voice": {"segments": 1, "duration_ms": 1000}}}
    assert tandem["facets"] == {"speaker": {"alice": {"items": 2, "duration_ms": 20_000}},
                                "language": {"en": {"items": 2, "duration_ms": 20_000}}}
    assert tandem["provenance"] == {"captured": 2}
    assert tandem["licences"] == {"CC-BY-4.0": 2}
    assert tandem["redaction"] == {"regions": 1, "items": 1}
    assert tandem["duplicates"] == {"exact": 0, "near": 0}
    assert tandem["agreement"] == {"mean": pytest.approx(0.65), "min": 0.5, "count": 2}
    assert (header["license"], header["language"], header["size_categories"]) == ("CC-BY-4.0", ["en"], ["n<1K"])
    # The tables repeat the same numbers for people.
    assert "| speech | 4 | 80.0% | 12000 | 92.3% |" in card
    assert "| music | 1 | 20.0% | 1000 | 7.7% |" in card
    assert "| noise | 0 | 0.0% | 0 | 0.0% |" in card
    assert "| annotator_a | 2 | 2 | 7000 |" in card
    assert "| annotator_b | 2 | 2 | 3000 |" in card
    assert "left out of this release for lacking the required consent: 2." in card
    assert "Redaction regions: 1 on 1 item(s) (tracks redactions)." in card
    assert "- Label 'noise' on track 'speech' is 0.0% of its segments (0 of 5); the minimum is 20%." in card
    # The JSON audit of the release is the document the card was made from.
    audit = client_for(manager).get(f"/api/exports/{job.pk}/audit/").json()
    assert audit["items"] == 2 and audit["consent"]["excluded"] == 2
    assert default_storage.exists(job.result["datacard_key"])


def test_a_release_of_everything_audits_to_the_same_counts_as_the_project(
        manager: User, annotator_a: User, annotator_b: User, export: Callable[..., Job]) -> None:
    project = audited_project(manager, annotator_a, annotator_b)
    job = export(project, {"format": "jsonl", "include": "submitted", "release": "all"})
    released, now = job.result["audit"], project_audit(project)
    for key in ("items", "media_ms", "labels", "coverage", "annotators", "modalities", "facets", "provenance",
                "consent", "licences", "redaction", "warnings"):
        assert released[key] == now[key], key


def test_a_plain_export_has_no_audit(manager: User, annotator_a: User, annotator_b: User,
                                     export: Callable[..., Job], client_for: Callable[[User], Any]) -> None:
    project = audited_project(manager, annotator_a, annotator_b)
    job = export(project, {"format": "jsonl"})
    assert client_for(manager).get(f"/api/exports/{job.pk}/audit/").status_code == 409
    assert client_for(annotator_a).get(f"/api/exports/{job.pk}/audit/").status_code == 403
