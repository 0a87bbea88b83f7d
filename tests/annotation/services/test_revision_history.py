"""An annotation's history stays small: revisions are deltas, and every version rebuilds exactly.

The contract: 1,000 saves of a 5,000-region annotation stay under ten times the annotation's size.
Each save validates 5,000 regions and rewrites the annotation row, so 1,000 of them take minutes on
a shared test machine; the test makes 200 saves with the small edits an annotator makes (move a
boundary, relabel, add, delete, reorder) and holds them to the proportional bound, 200/1,000 of
ten times the size. Every revision must rebuild to exactly what was saved at it.
"""

from __future__ import annotations

import random
import time
from typing import Any

import orjson
import pytest
from django.db import connection

from annotation.models import Annotation, AnnotationRevision
from annotation.selectors_revisions import revision_history, revision_result
from annotation.services.annotations import annotation_create, annotation_save, annotation_submit
from annotation.services.assignments import task_next

pytestmark = pytest.mark.django_db

REGIONS = 5_000
SAVES = 200
BOUND = 10 * SAVES / 1_000  # ten times the annotation's size for 1,000 saves, in proportion


def _region(n: int, rng: random.Random) -> dict[str, Any]:
    start = n * 10
    region: dict[str, Any] = {"id": f"r{n}", "track": "speech", "label": rng.choice(["speech", "music"]),
                              "start_ms": start, "end_ms": start + 5 + rng.randrange(4)}
    if n % 3 == 0:
        region["attributes"] = {"speaker": rng.choice(["A", "B"])}
    return region


def _edit(regions: list[dict[str, Any]], rng: random.Random, fresh: int) -> list[dict[str, Any]]:
    """One small edit, as a new list that shares every region it does not change."""
    out = list(regions)
    i = rng.randrange(len(out))
    move = rng.random()
    if move < 0.6:
        out[i] = {**out[i], "end_ms": out[i]["start_ms"] + 1 + rng.randrange(8)}
    elif move < 0.8:
        out[i] = {**out[i], "label": "music" if out[i]["label"] == "speech" else "speech"}
    elif move < 0.9:
        out.append({"id": f"new{fresh}", "track": "speech", "label": "speech", "start_ms": 55_000 + fresh,
                    "end_ms": 55_001 + fresh})
    elif move < 0.95:
        del out[i]
    else:
        out.insert(0, out.pop(i))  # the editor re-sorted a region it moved
    return out


def _stored_bytes(annotation: Annotation) -> int:
    rows = AnnotationRevision.objects.filter(annotation=annotation).values_list("result", "delta")
    return sum(len(orjson.dumps(full if full is not None else delta)) for full, delta in rows)


def test_small_saves_of_a_5000_region_annotation_stay_within_the_proportional_bound(
        project, make_items, annotator_a) -> None:
    rng = random.Random(11)
    [task] = make_items(project, 1)
    assert task_next(project=project, user=annotator_a) == task
    saved = [{"regions": [_region(n, rng) for n in range(REGIONS)]}]
    annotation, _ = annotation_create(task=task, user=annotator_a, result=saved[0])
    began = time.perf_counter()
    for n in range(SAVES):
        saved.append({"regions": _edit(saved[-1]["regions"], rng, n)})
        annotation = annotation_save(annotation=annotation, result=saved[-1], version=n + 1, user=annotator_a)
    took = time.perf_counter() - began
    annotation.refresh_from_db()
    assert (annotation.version, annotation.result) == (SAVES + 1, saved[-1])

    size = len(orjson.dumps(annotation.result))
    history = _stored_bytes(annotation)
    assert history < BOUND * size, f"history {history} B for a {size} B annotation"
    with connection.cursor() as cursor:
        cursor.execute("SELECT sum(coalesce(pg_column_size(result), 0) + coalesce(pg_column_size(delta), 0)) "
                       "FROM annotation_annotationrevision WHERE annotation_id = %s", [annotation.pk])
        on_disk = cursor.fetchone()[0]
        cursor.execute("SELECT pg_column_size(result) FROM annotation_annotation WHERE id = %s", [annotation.pk])
        annotation_on_disk = cursor.fetchone()[0]
    assert on_disk < BOUND * annotation_on_disk, f"{on_disk} B stored for a {annotation_on_disk} B annotation"

    rebuilt = {version: result for _, version, result, _ in revision_history([annotation.pk])}
    assert sorted(rebuilt) == list(range(1, SAVES + 2))
    for version, result in rebuilt.items():
        assert result == saved[version - 1], f"revision {version}"
    for version in (1, 2, SAVES // 2, SAVES + 1):
        revision = AnnotationRevision.objects.get(annotation=annotation, version=version)
        assert revision_result(revision) == saved[version - 1]
    print(f"\n{SAVES} saves of {REGIONS} regions: {took:.1f} s; history {history} B = {history / size:.2f}x "
          f"the {size} B annotation ({on_disk / annotation_on_disk:.2f}x on disk)")


def test_create_save_and_submit_store_one_full_copy_then_deltas(project, make_items, annotator_a) -> None:
    [task] = make_items(project, 1)
    task_next(project=project, user=annotator_a)
    first = {"regions": [{"id": f"r{n}", "track": "events", "label": "clap", "time_ms": n * 100} for n in range(50)]}
    second = {"regions": [{**first["regions"][0], "time_ms": 5}, *first["regions"][1:]]}
    annotation, _ = annotation_create(task=task, user=annotator_a, result=first)
    annotation = annotation_save(annotation=annotation, result=second, version=1, user=annotator_a)
    annotation_submit(annotation=annotation, user=annotator_a)
    rows = list(AnnotationRevision.objects.filter(annotation=annotation)
                .values_list("version", "status", "result", "delta", "base_version"))
    assert rows == [(1, "draft", first, None, None),
                    (2, "draft", None, {"put": [second["regions"][0]]}, 1),
                    (3, "submitted", None, {}, 1)]
    assert [(v, r, s) for _, v, r, s in revision_history([annotation.pk])] == [
        (1, first, "draft"), (2, second, "draft"), (3, second, "submitted")]


def test_a_save_from_a_row_loaded_at_another_version_is_stored_whole(project, make_items, annotator_a) -> None:
    # The row in hand was loaded at version 1; the save names version 2 (saved meanwhile elsewhere),
    # so the row's result is not the one before this save: no delta can be made from it.
    [task] = make_items(project, 1)
    task_next(project=project, user=annotator_a)
    one = {"regions": [{"id": "p", "track": "events", "label": "clap", "time_ms": 1}]}
    two = {"regions": [{"id": "p", "track": "events", "label": "clap", "time_ms": 2}]}
    three = {"regions": [{"id": "p", "track": "events", "label": "clap", "time_ms": 3}]}
    stale, _ = annotation_create(task=task, user=annotator_a, result=one)
    annotation_save(annotation=Annotation.objects.get(pk=stale.pk), result=two, version=1, user=annotator_a)
    annotation_save(annotation=stale, result=three, version=2, user=annotator_a)
    assert list(AnnotationRevision.objects.filter(annotation=stale).values_list("version", "result")) == [
        (1, one), (2, None), (3, three)]
    assert [r for _, _, r, _ in revision_history([stale.pk])] == [one, two, three]


def test_a_full_copy_is_written_when_the_chain_reaches_its_length_or_the_result_size(
        project, make_items, annotator_a, monkeypatch: pytest.MonkeyPatch) -> None:
    from annotation.services import revisions

    monkeypatch.setattr(revisions, "MAX_CHAIN", 3)
    [task] = make_items(project, 1)
    task_next(project=project, user=annotator_a)
    results = [{"regions": [{"id": f"r{n}", "track": "events", "label": "clap", "time_ms": n} for n in range(40)]}]
    annotation, _ = annotation_create(task=task, user=annotator_a, result=results[0])
    for n in range(6):
        results.append({"regions": [{**results[-1]["regions"][0], "time_ms": 1000 + n}, *results[-1]["regions"][1:]]})
        annotation = annotation_save(annotation=annotation, result=results[-1], version=n + 1, user=annotator_a)
    # A result replaced whole: its delta is as large as the result, so it is stored whole.
    results.append({"regions": [{"id": f"x{n}", "track": "events", "label": "clap", "time_ms": n} for n in range(40)]})
    annotation_save(annotation=annotation, result=results[-1], version=7, user=annotator_a)
    rows = AnnotationRevision.objects.filter(annotation=annotation).values_list("version", "base_version")
    assert [(v, base) for v, base in rows] == [(1, None), (2, 1), (3, 1), (4, 1), (5, None), (6, 5), (7, 5), (8, None)]
    assert [r for _, _, r, _ in revision_history([annotation.pk])] == results
