"""The project page's task list: filters from the query string, 50 tasks a page with the count, and
blind labeling (annotators filter their own tasks by status only)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from annotation.models import Assignment, Project, Task

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _rows(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-testid="task-row"><td><a href="/tasks/\d+/annotate/">#(\d+)</a>', html)]


@pytest.fixture
def tasks(project: Project, make_items: Any, annotator_a: Any) -> list[Task]:
    """110 tasks: every third in review with agreement i/110, annotator_a holds the even ones."""
    made = make_items(project, 110)
    for i, task in enumerate(made):
        if i % 3 == 0:
            Task.objects.filter(pk=task.pk).update(status="review", agreement=i / 110)
        if i % 2 == 0:
            Assignment.objects.create(task=task, annotator=annotator_a, lease_expires_at=timezone.now() + timedelta(hours=1))
    return made


def test_the_list_pages_fifty_tasks_with_the_count_and_links_the_pages_around(
        project: Project, tasks: list[Task], manager: Any) -> None:
    client = _client(manager)
    first = client.get(f"/projects/{project.pk}/").content.decode()
    assert _rows(first) == [t.pk for t in tasks[:50]]
    assert '<span data-testid="page-range">1–50 of 110</span>' in first
    assert 'href="?page=2" data-testid="page-next"' in first and "page-previous" not in first
    second = client.get(f"/projects/{project.pk}/", {"page": "2"}).content.decode()
    assert _rows(second) == [t.pk for t in tasks[50:100]]
    assert "51–100 of 110" in second and 'href="?page=1" data-testid="page-previous"' in second
    # A page number that is not one gives the first page; one past the end, the last.
    assert _rows(client.get(f"/projects/{project.pk}/", {"page": "two"}).content.decode()) == _rows(first)
    last = client.get(f"/projects/{project.pk}/", {"page": "99"}).content.decode()
    assert _rows(last) == [t.pk for t in tasks[100:]] and "101–110 of 110" in last and "page-next" not in last
    for query in ({"page": str(10**20)}, {"page": str(10**20), "status": "open"}):
        assert "page-next" not in client.get(f"/projects/{project.pk}/", query).content.decode()


def test_a_manager_filters_by_status_annotator_and_agreement(project: Project, tasks: list[Task], manager: Any) -> None:
    client = _client(manager)
    page = client.get(f"/projects/{project.pk}/", {"status": "review", "annotator": "annotator_a",
                                                   "agreement_gte": "0.25", "agreement_lt": "0.75", "external_id": ""})
    assert page.status_code == 200
    html = page.content.decode()
    # review: i % 3 == 0; annotator_a: i % 2 == 0; agreement i/110 in [0.25, 0.75): i = 30, 36, …, 78
    assert _rows(html) == [tasks[i].pk for i in range(30, 79, 6)]
    assert "1–9 of 9" in html
    assert '<option value="annotator_a" selected>' in html and '<option value="review" selected>' in html
    assert 'data-testid="filter-clear"' in html
    by_item = client.get(f"/projects/{project.pk}/", {"external_id": "item-7"}).content.decode()
    assert _rows(by_item) == [tasks[7].pk]
    none = client.get(f"/projects/{project.pk}/", {"annotator": "annotator_b"}).content.decode()
    assert _rows(none) == [] and "No task matches these filters." in none and "task-pager" not in none


def test_the_filters_keep_to_the_pages_across_page_links(project: Project, tasks: list[Task], manager: Any) -> None:
    client = _client(manager)
    held = [t.pk for i, t in enumerate(tasks) if i % 2 == 0]  # 55
    html = client.get(f"/projects/{project.pk}/", {"annotator": "annotator_a"}).content.decode()
    assert _rows(html) == held[:50] and "1–50 of 55" in html
    assert 'href="?annotator=annotator_a&amp;page=2" data-testid="page-next"' in html
    html = client.get(f"/projects/{project.pk}/", {"annotator": "annotator_a", "page": "2"}).content.decode()
    assert _rows(html) == held[50:] and "51–55 of 55" in html
    assert 'href="?annotator=annotator_a&amp;page=1" data-testid="page-previous"' in html


@pytest.mark.parametrize(("query", "message"), [
    ({"agreement_gte": "high"}, "&#x27;agreement_gte&#x27; must be a number."),
    ({"status": "finished"}, "Unknown status; use one of"),
    ({"created_after": "2026-13-45T00:00:00"}, "&#x27;created_after&#x27; must be an ISO 8601 date-time."),
])
def test_a_filter_that_cannot_be_applied_is_a_400_that_says_why_and_shows_every_task(
        project: Project, tasks: list[Task], manager: Any, query: dict[str, str], message: str) -> None:
    page = _client(manager).get(f"/projects/{project.pk}/", query)
    assert page.status_code == 400
    html = page.content.decode()
    assert 'data-testid="filter-error">' + message in html
    assert _rows(html) == [t.pk for t in tasks[:50]]


def test_an_annotator_filters_their_own_tasks_by_status_only(
        project: Project, tasks: list[Task], annotator_a: Any) -> None:
    client = _client(annotator_a)
    html = client.get(f"/projects/{project.pk}/", {"status": "review"}).content.decode()
    assert _rows(html) == [t.pk for i, t in enumerate(tasks) if i % 6 == 0]  # held and in review
    assert "filter-annotator" not in html and "filter-agreement-gte" not in html and "<th>Agreement</th>" not in html
    peeking = client.get(f"/projects/{project.pk}/", {"annotator": "annotator_b"})
    assert peeking.status_code == 403
    assert "Filtering by annotator needs the reviewer role in the project." in peeking.content.decode()
    assert _rows(peeking.content.decode()) == [t.pk for i, t in enumerate(tasks) if i % 2 == 0][:50]


def test_the_api_refuses_a_date_that_does_not_exist_with_a_400(project: Project, tasks: list[Task], manager: Any,
                                                              client_for: Any) -> None:
    response = client_for(manager).get(f"/api/projects/{project.pk}/tasks/", {"created_after": "2026-02-30T00:00:00"})
    assert response.status_code == 400
    assert response.json()["field"] == "created_after"
