"""The agreement job of a completed task survives a busy database: retried, then routed as usual."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError

from annotation.models import Task
from qa.models import ReviewItem, TaskAgreement
from qa.services import agreement
from tests.qa.conftest import DURATION_MS, REFERENCE, SHIFTED, SWAPPED, result_of

pytestmark = pytest.mark.django_db


def test_a_locked_database_during_the_agreement_job_is_retried_and_the_task_still_reaches_review(
        trio: Any, make_items: Any, annotate: Any, eager: None, annotator_a: Any, annotator_b: Any, annotator_c: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    real = agreement.agreement_compute
    calls: list[int] = []

    def locked_once(task: Task) -> Any:
        calls.append(task.pk)
        if len(calls) == 1:
            raise OperationalError("database is locked")
        return real(task)

    monkeypatch.setattr(agreement, "agreement_compute", locked_once)
    (task,) = make_items(trio, 1, duration_ms=DURATION_MS)
    annotate(trio, [(annotator_a, task, result_of(REFERENCE)), (annotator_b, task, result_of(SHIFTED)),
                    (annotator_c, task, result_of(SWAPPED))])
    assert calls == [task.pk, task.pk]
    assert Task.objects.get(pk=task.pk).status == "review"  # not left "complete" with no gold and no review item
    assert TaskAgreement.objects.filter(task=task).count() == 1
    assert ReviewItem.objects.get(task=task).state == "queued"
