"""revision_write: a full copy or a delta on the last one, by the size rule, called directly."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from annotation.models import Annotation, AnnotationKind, AnnotationStatus, Project, Task
from annotation.revisions import result_delta
from annotation.selectors_revisions import revision_result
from annotation.services.revisions import json_size, revision_write

pytestmark = pytest.mark.django_db


def _result(*labels: str) -> dict[str, Any]:
    return {"regions": [{"id": f"r{i}", "track": "speech", "label": label, "start_ms": i * 1000, "end_ms": i * 1000 + 500}
                        for i, label in enumerate(labels)]}


def _annotation(task: Task, user: User, result: dict[str, Any]) -> Annotation:
    return Annotation.objects.create(task=task, annotator=user, kind=AnnotationKind.HUMAN,
                                     status=AnnotationStatus.DRAFT, result=result)


def _next_version(annotation: Annotation, result: dict[str, Any]) -> dict[str, Any]:
    """Give the annotation a new result at the next version; the result it had before."""
    before = annotation.result
    annotation.result = result
    annotation.version += 1
    annotation.save(update_fields=["result", "version"])
    return before


def test_the_first_revision_is_a_full_copy(
    project: Project, make_items: Callable[..., list[Task]], annotator_a: User
) -> None:
    annotation = _annotation(make_items(project)[0], annotator_a, _result("speech"))
    revision = revision_write(annotation, annotator_a)
    assert (revision.version, revision.result, revision.delta, revision.base_version, revision.chain_bytes) == (
        1, _result("speech"), None, None, 0)
    assert (revision.status, revision.author) == (AnnotationStatus.DRAFT, annotator_a)


def test_a_small_change_is_a_delta_on_the_last_full_copy_that_rebuilds_the_result(
    project: Project, make_items: Callable[..., list[Task]], annotator_a: User
) -> None:
    ten = ["speech"] * 10
    annotation = _annotation(make_items(project)[0], annotator_a, _result(*ten))
    revision_write(annotation, annotator_a)
    before = _next_version(annotation, _result(*ten[:9], "music"))
    revision = revision_write(annotation, annotator_a, before)
    delta = result_delta(_result(*ten), _result(*ten[:9], "music"))
    assert (revision.version, revision.result, revision.delta) == (2, None, delta)
    assert (revision.base_version, revision.chain_bytes) == (1, json_size(delta))
    assert revision_result(revision) == _result(*ten[:9], "music")


def test_without_the_result_before_the_revision_is_a_full_copy(
    project: Project, make_items: Callable[..., list[Task]], annotator_a: User
) -> None:
    annotation = _annotation(make_items(project)[0], annotator_a, _result("speech", "speech"))
    revision_write(annotation, annotator_a)
    _next_version(annotation, _result("speech", "music"))
    revision = revision_write(annotation, annotator_a)
    assert (revision.version, revision.result, revision.delta) == (2, _result("speech", "music"), None)


def test_a_change_as_large_as_the_result_starts_a_new_full_copy(
    project: Project, make_items: Callable[..., list[Task]], annotator_a: User
) -> None:
    annotation = _annotation(make_items(project)[0], annotator_a, _result("speech", "speech"))
    revision_write(annotation, annotator_a)
    # every region replaced by a new one: the delta puts them all and deletes the old ids
    replaced = {"regions": [{**r, "id": f"s{i}"} for i, r in enumerate(_result("music", "music")["regions"])]}
    before = _next_version(annotation, replaced)
    assert json_size(result_delta(before, replaced)) > json_size(replaced)
    revision = revision_write(annotation, annotator_a, before)
    assert (revision.version, revision.result, revision.delta, revision.base_version) == (2, replaced, None, None)
