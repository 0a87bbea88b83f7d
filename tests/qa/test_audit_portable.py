"""The audit read without PostgreSQL's JSON and range functions (the embedded default's path).

Both paths run here on the same PostgreSQL data, so the portable one must give the document the
pinned tests of ``test_audit.py`` check, field for field, also on data that is awkward to read.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from annotation.models import Annotation, Project, Task
from annotation.selectors_audit import audit_of_records, project_audit
from annotation.selectors_exports import export_records
from annotation.services.imports import project_import
from datasets.models import Asset, Item
from tests.qa.audit_fixture import audited_project


@pytest.fixture
def audited(manager: User, annotator_a: User, annotator_b: User) -> Project:
    assert connection.vendor == "postgresql"  # else both calls below would take the portable path
    return audited_project(manager, annotator_a, annotator_b, require_consent="research")


def _awkward(project: Project, manager: User, annotator_a: User, annotator_b: User) -> None:
    """Duplicates across splits, fractional and missing times, empty and region-less results,
    a facet value that is not a string, retention, and a float probe duration."""
    def asset(name: str, **extra: Any) -> Asset:
        return Asset.objects.create(dataset=project.dataset, kind="audio", storage_key=f"k/{name}", status="ready",
                                    original_name=name, meta={"duration_ms": 5000.5}, **extra)

    first = asset("a.wav")
    near = asset("a.mp3", duplicate_of=first, duplicate_kind="near", duplicate_distance=3)
    exact = asset("a-copy.wav", duplicate_of=first, duplicate_kind="exact", duplicate_distance=0)
    project_import(project=project, user=manager, uploads={}, records=[
        {"external_id": f"rec-{n}", "duration_ms": 5000, "metadata": {"split": split, "speaker": speaker},
         "streams": [{"role": "audio", "asset": a.pk}]}
        for n, (a, split, speaker) in enumerate([(first, "train", 7), (near, "test", None), (exact, "train", "bob")])])
    r0, r1, r2 = Task.objects.filter(project=project, item__external_id__startswith="rec-").order_by("item_id")
    Annotation.objects.create(task=r0, kind="gold", status="submitted", result={"regions": [
        {"id": "p", "track": "speech", "label": "speech", "start_ms": 100.4, "end_ms": 200.5},
        {"id": "q", "track": "speech", "label": "music", "start_ms": 150, "end_ms": 900},
        {"id": "r", "track": "speech", "start_ms": 50, "end_ms": 60},
        {"id": "s", "track": "speech", "label": "noise", "start_ms": 400}]})
    Annotation.objects.create(task=r0, annotator=annotator_a, kind="human", status="submitted",
                              result={"regions": [{"id": "x", "track": "speech", "label": "speech", "start_ms": 0,
                                                   "end_ms": 4000}]})
    Annotation.objects.create(task=r1, annotator=annotator_a, kind="human", status="submitted", result={"regions": []})
    Annotation.objects.create(task=r1, annotator=annotator_b, kind="human", status="submitted", result={})
    Annotation.objects.create(task=r2, kind="gold", status="submitted", result={"regions": [
        {"id": "y", "track": "redactions", "label": "face", "start_ms": 900, "end_ms": 100}]})
    Item.objects.filter(external_id="rec-1").update(retention_until=dt.date(2027, 1, 1))
    Item.objects.filter(external_id="rec-2").update(retention_until=dt.date(2026, 1, 1), media_deleted_at=timezone.now())


def test_the_portable_reads_give_the_pinned_fixtures_document(audited: Project) -> None:
    portable = project_audit(audited, portable=True)
    assert portable == project_audit(audited, portable=False)
    assert (portable["items"], portable["labels"]["speech"]["segments"], portable["annotators"][0]["duration_ms"],
            portable["coverage"]["tracks"]["speech"]["labeled_ms"], portable["consent"]["with_required"]) == \
        (4, 6, 7000, 11_500, 2)


def test_the_portable_reads_agree_on_awkward_data(audited: Project, manager: User, annotator_a: User,
                                                  annotator_b: User) -> None:
    _awkward(audited, manager, annotator_a, annotator_b)
    portable = project_audit(audited, portable=True)
    assert portable == project_audit(audited, portable=False)
    assert {r["value"]: r["items"] for r in portable["facets"]["speaker"]["values"]} == \
        {"alice": 2, "bob": 2, "7": 1, "(none)": 2}
    # 100.4-200.5 is 100-201 once cast; 150-900 joins it: 100-900, plus 50-60 → 810 on rec-0.
    assert portable["coverage"]["tracks"]["speech"]["labeled_ms"] == 11_500 + 810
    assert portable["annotators"] == [
        {"annotator": "annotator_a", "annotations": 4, "regions": 3, "duration_ms": 11_000},
        {"annotator": "annotator_b", "annotations": 3, "regions": 2, "duration_ms": 3000}]  # {} counts, with no regions
    assert [m for m in portable["modalities"] if m["role"] == "audio"] == \
        [{"role": "audio", "kind": "audio", "streams": 3, "duration_ms": 3 * 5001}]
    assert portable["retention"] == {"scheduled": 1, "media_deleted": 1}
    assert (portable["duplicates"]["exact"], portable["duplicates"]["near"], portable["duplicates"]["cross_split"]) \
        == (1, 1, 1)


def test_a_releases_audit_is_the_same_on_both_paths(audited: Project, manager: User, annotator_a: User,
                                                    annotator_b: User) -> None:
    _awkward(audited, manager, annotator_a, annotator_b)
    Project.objects.filter(pk=audited.pk).update(require_consent=None)
    audited.refresh_from_db()
    records = list(export_records(audited, {"include": "submitted"}))
    released = audit_of_records(audited, records, excluded=0, portable=True)
    assert released == audit_of_records(audited, records, excluded=0, portable=False)
    # A release counts each annotator's work as the project's audit does, `{}` results included.
    assert released["annotators"] == project_audit(audited)["annotators"]
    assert (released["items"], released["licences"], released["duplicates"]["exact"]) == \
        (7, [{"licence": "(none)", "items": 4}, {"licence": "CC-BY-4.0", "items": 2}, {"licence": "CC0-1.0", "items": 1}], 1)
