"""The project page's task list in Chromium: a reviewer narrows it with the filter form and pages on."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from annotation.models import Assignment, Project, Task
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_reviewer_filters_the_task_list_and_pages_through_it(page: Any, project: Project, make_items: Any,
                                                               reviewer: User, annotator_a: User) -> None:
    tasks = make_items(project, 130)
    for i, task in enumerate(tasks):
        Task.objects.filter(pk=task.pk).update(status="review" if i % 2 else "complete", agreement=(i % 10) / 10)
        if i % 3 == 0:
            Assignment.objects.create(task=task, annotator=annotator_a, lease_expires_at=timezone.now() + timedelta(hours=1))
    # review (odd i), held by annotator_a (i % 3 == 0), agreement 0.3 ≤ (i % 10) / 10 < 0.8: i % 10 in 3..7
    expected = [t.pk for i, t in enumerate(tasks) if i % 2 and i % 3 == 0 and 3 <= i % 10 <= 7]
    refused: list[str] = []
    page.on("console", lambda msg: refused.append(msg.text) if "Refused to" in msg.text else None)
    login(page, "reviewer")
    page.goto(f"/projects/{project.pk}/")
    assert page.get_by_test_id("page-range").inner_text() == "1–50 of 130"

    page.get_by_test_id("filter-status").select_option("review")
    page.get_by_test_id("filter-annotator").select_option("annotator_a")
    page.get_by_test_id("filter-agreement-gte").fill("0.3")
    page.get_by_test_id("filter-agreement-lt").fill("0.8")
    page.get_by_test_id("filter-apply").click()
    page.wait_for_url("**status=review**")
    rows = page.get_by_test_id("task-row")
    assert [int(rows.nth(i).locator("a").inner_text().lstrip("#")) for i in range(rows.count())] == expected
    assert page.get_by_test_id("page-range").inner_text() == f"1–{len(expected)} of {len(expected)}"

    page.get_by_test_id("filter-clear").click()
    page.wait_for_url(f"**/projects/{project.pk}/")  # the unfiltered page, before its form is used
    assert page.get_by_test_id("page-range").inner_text() == "1–50 of 130"
    page.get_by_test_id("filter-status").select_option("review")
    page.get_by_test_id("filter-apply").click()
    page.wait_for_url("**status=review**")
    assert page.get_by_test_id("page-range").inner_text() == "1–50 of 65"
    page.get_by_test_id("page-next").click()
    page.wait_for_url("**page=2**")
    assert page.get_by_test_id("page-range").inner_text() == "51–65 of 65"
    assert page.get_by_test_id("filter-status").input_value() == "review"
    assert refused == []
