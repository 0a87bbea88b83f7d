"""``PreparedQuery``: the same instances ``queryset.first()`` gives, from SQL compiled once."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from annotation.models import Annotation, Assignment, Project, Task
from annotation.policy import annotation_for, project_for, task_for
from annotation.services.annotations import annotation_create
from annotation.services.assignments import task_next
from common.prepared import PreparedQuery

pytestmark = pytest.mark.django_db


def _fields(obj: Model) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _annotation(project: Project, user: User, make_items: Any) -> Annotation:
    make_items(project, 1)
    task = task_next(project=project, user=user)
    assert task is not None
    annotation, _ = annotation_create(task=task, user=user, result={"regions": []})
    return annotation


def test_rows_and_related_rows_equal_the_orms(project: Project, annotator_a: User, make_items: Any) -> None:
    annotation = _annotation(project, annotator_a, make_items)
    query = PreparedQuery(
        lambda pk: Annotation.objects.select_related("task__project", "task__item", "annotator").filter(pk=pk), pk=int)
    expected = Annotation.objects.select_related("task__project", "task__item", "annotator").get(pk=annotation.pk)

    got = query.first(pk=annotation.pk)

    assert got is not None
    assert _fields(got) == _fields(expected)
    assert _fields(got.task) == _fields(expected.task)
    assert _fields(got.task.project) == _fields(expected.task.project)  # JSON, dates, booleans converted
    assert _fields(got.task.item) == _fields(expected.task.item)
    assert got.annotator is not None and got.annotator.username == annotator_a.username
    with CaptureQueriesContext(connection) as queries:  # related rows came with the row
        assert got.task.project.schema == project.schema
    assert len(queries) == 0
    assert got._state.adding is False and got._state.db == "default"


def test_each_call_takes_its_own_values_and_a_missing_row_is_none(project: Project, annotator_a: User,
                                                                  make_items: Any) -> None:
    make_items(project, 3)
    query = PreparedQuery(lambda pk, project: Task.objects.filter(pk=pk, project_id=project), pk=int, project=int)
    ids = list(Task.objects.filter(project=project).order_by("id").values_list("id", flat=True))

    assert [t.pk for t in (query.first(pk=i, project=project.pk) for i in ids) if t is not None] == ids
    assert query.first(pk=ids[0], project=project.pk + 1000) is None
    assert query.first(pk=max(ids) + 1000, project=project.pk) is None


def test_a_string_value_and_a_select_for_update(annotator_a: User, project: Project, make_items: Any) -> None:
    token = Token.objects.create(user=annotator_a)
    by_key = PreparedQuery(lambda key: Token.objects.select_related("user").filter(key=key), key=str)
    found = by_key.first(key=token.key)
    assert found is not None and found.user.pk == annotator_a.pk and found.created == token.created
    assert by_key.first(key="x" * 40) is None

    make_items(project, 1)
    task = task_next(project=project, user=annotator_a)
    assert task is not None
    locked = PreparedQuery(
        lambda task, user: Assignment.objects.select_for_update().filter(task_id=task, annotator_id=user),
        task=int, user=int)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        held = locked.first(task=task.pk, user=annotator_a.pk)
    assert held is not None and held.annotator_id == annotator_a.pk
    if connection.features.has_select_for_update:
        assert [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]


def test_a_value_a_lookup_transforms_is_refused_when_compiled() -> None:
    query = PreparedQuery(lambda name: User.objects.filter(username__contains=name), name=str)
    with pytest.raises(ValueError, match="transformed"):
        query.first(name="ann")
    with pytest.raises(TypeError):
        PreparedQuery(lambda when: User.objects.filter(date_joined=when), when=float)


def test_the_policy_reads_answer_as_before(project: Project, annotator_a: User, annotator_b: User, outsider: User,
                                           reviewer: User, make_items: Any) -> None:
    """The row with the caller's role in one query; 404 outside the project or on another's work."""
    from django.http import Http404

    annotation = _annotation(project, annotator_a, make_items)
    with CaptureQueriesContext(connection) as queries:
        assert annotation_for(annotator_a, annotation.pk).pk == annotation.pk
        assert task_for(annotator_a, annotation.task_id).pk == annotation.task_id
        assert project_for(annotator_a, project.pk).pk == project.pk
    assert len(queries) == 4  # the three rows, each with the role, and whether the annotator holds the task
    assert annotation_for(reviewer, annotation.pk).pk == annotation.pk
    for user, pk in ((annotator_b, annotation.pk), (outsider, annotation.pk), (annotator_a, annotation.pk + 1000),
                     (annotator_a, "not-a-number"), (annotator_a, 2**70)):
        with pytest.raises(Http404):
            annotation_for(user, pk)  # type: ignore[arg-type]
    with pytest.raises(Http404):
        project_for(outsider, project.pk)
