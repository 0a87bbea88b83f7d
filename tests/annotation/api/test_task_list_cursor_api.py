"""The task list's keyset pages (``cursor``) beside its page-number pages with a count."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from annotation.models import Assignment, Project, Task

N = 23


@pytest.fixture
def tasks(project: Project, make_items: Callable[..., list[Task]], annotator_a: User) -> list[Task]:
    """23 tasks: statuses cycle open/complete/review, agreement i/23, annotator_a holds every other one."""
    made = make_items(project, N)
    statuses = ("open", "complete", "review")
    for i, task in enumerate(made):
        Task.objects.filter(pk=task.pk).update(status=statuses[i % 3], agreement=i / N)
        if i % 2 == 0:
            Assignment.objects.create(task=task, annotator=annotator_a,
                                      lease_expires_at=timezone.now() + timedelta(hours=1))
    return list(Task.objects.filter(pk__in=[t.pk for t in made]).order_by("id"))


def _walk(client: Any, url: str) -> tuple[list[int], int]:
    """Follow 'next' links from ``url`` to the end: every id seen, in order, and the number of pages."""
    ids: list[int] = []
    pages = 0
    next_url: str | None = url
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == {"next", "results"}
        ids += [row["id"] for row in body["results"]]
        pages += 1
        next_url = body["next"]
    return ids, pages


def test_cursor_pages_walk_every_task_once_in_id_order(project: Project, tasks: list[Task], manager: User,
                                                        client_for: Callable[[User], Any]) -> None:
    ids, pages = _walk(client_for(manager), f"/api/projects/{project.pk}/tasks/?cursor=&page_size=5")
    assert ids == [t.pk for t in tasks]
    assert pages == 5  # 5 + 5 + 5 + 5 + 3


@pytest.mark.parametrize(("query", "keep"), [
    ("status=complete", lambda i: i % 3 == 1),
    ("annotator=annotator_a", lambda i: i % 2 == 0),
    ("agreement_gte=0.25&agreement_lt=0.75", lambda i: 0.25 <= i / N < 0.75),
    ("status=review&annotator=annotator_a&agreement_gte=0.1", lambda i: i % 3 == 2 and i % 2 == 0 and i / N >= 0.1),
])
def test_cursor_pages_apply_the_filters(project: Project, tasks: list[Task], manager: User,
                                        client_for: Callable[[User], Any], query: str,
                                        keep: Callable[[int], bool]) -> None:
    expected = [t.pk for i, t in enumerate(tasks) if keep(i)]
    ids, _ = _walk(client_for(manager), f"/api/projects/{project.pk}/tasks/?{query}&cursor=&page_size=2")
    assert ids == expected
    assert len(expected) >= 2  # the filter leaves more than one page to walk


def test_the_next_link_keeps_the_filters_and_is_null_on_the_last_page(project: Project, tasks: list[Task],
                                                                       manager: User,
                                                                       client_for: Callable[[User], Any]) -> None:
    first = client_for(manager).get(f"/api/projects/{project.pk}/tasks/?status=open&cursor=&page_size=4").json()
    assert "status=open" in first["next"] and "cursor=" in first["next"]
    last = client_for(manager).get(f"/api/projects/{project.pk}/tasks/?status=open&cursor=&page_size=100").json()
    assert last["next"] is None
    assert len(last["results"]) == 8  # i = 0, 3, …, 21


def _forged(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize("cursor", ["not base64 ✗", "%%%", _forged("p=abc"), _forged("o=x"), _forged("p=1.5")])
def test_a_bad_cursor_is_a_400_that_says_so(project: Project, tasks: list[Task], manager: User,
                                            client_for: Callable[[User], Any], cursor: str) -> None:
    response = client_for(manager).get(f"/api/projects/{project.pk}/tasks/", {"cursor": cursor})
    assert response.status_code == 400, response.content
    assert response.json()["detail"].startswith("Invalid cursor")
    assert response.json()["field"] == "cursor"


def test_a_cursor_past_every_id_is_an_empty_last_page(project: Project, tasks: list[Task], manager: User,
                                                      client_for: Callable[[User], Any]) -> None:
    response = client_for(manager).get(f"/api/projects/{project.pk}/tasks/", {"cursor": _forged(f"p={10**30}")})
    assert response.status_code == 200, response.content
    assert response.json() == {"next": None, "results": []}


def test_an_annotator_walks_only_their_own_tasks(project: Project, tasks: list[Task], annotator_a: User,
                                                 client_for: Callable[[User], Any]) -> None:
    ids, _ = _walk(client_for(annotator_a), f"/api/projects/{project.pk}/tasks/?cursor=&page_size=3")
    assert ids == [t.pk for i, t in enumerate(tasks) if i % 2 == 0]


def test_without_a_cursor_the_page_number_answer_is_unchanged(project: Project, tasks: list[Task], manager: User,
                                                              client_for: Callable[[User], Any]) -> None:
    client = client_for(manager)
    first = client.get(f"/api/projects/{project.pk}/tasks/?status=complete&page_size=3").json()
    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] == 8  # i = 1, 4, …, 22
    assert first["previous"] is None
    assert "page=2" in first["next"]
    third = client.get(f"/api/projects/{project.pk}/tasks/?status=complete&page_size=3&page=3").json()
    assert third["next"] is None
    assert [r["id"] for r in first["results"] + third["results"]] == [tasks[i].pk for i in (1, 4, 7, 19, 22)]
    assert client.get(f"/api/projects/{project.pk}/tasks/?page=99").status_code == 404


@pytest.mark.parametrize(("query", "keep"), [
    ("", lambda i: True),  # every task: the count is the project's counter
    ("status=review&annotator=annotator_a&agreement_gte=0.1", lambda i: i % 3 == 2 and i % 2 == 0 and i / N >= 0.1),
    ("agreement_lt=0.5", lambda i: i / N < 0.5),
    ("annotator=annotator_a", lambda i: i % 2 == 0),
    ("annotator=nobody-by-this-name", lambda i: False),
    ("status=complete&annotator=annotator_a&created_after=2000-01-01T00:00:00Z", lambda i: i % 3 == 1 and i % 2 == 0),
])
def test_page_numbers_count_every_matching_task_on_every_page(project: Project, tasks: list[Task], manager: User,
                                                              client_for: Callable[[User], Any], query: str,
                                                              keep: Callable[[int], bool]) -> None:
    expected = [t.pk for i, t in enumerate(tasks) if keep(i)]
    client, seen, page = client_for(manager), [], 1
    while True:
        body = client.get(f"/api/projects/{project.pk}/tasks/?{query}&page_size=2&page={page}").json()
        assert body["count"] == len(expected)  # read with each page, the same on each
        seen += [row["id"] for row in body["results"]]
        if body["next"] is None:
            break
        page += 1
    assert seen == expected
    past = client.get(f"/api/projects/{project.pk}/tasks/?{query}&page_size=2&page={page + 1}")
    assert past.status_code == 404


def test_an_annotator_counts_only_their_own_tasks(project: Project, tasks: list[Task], annotator_a: User,
                                                  client_for: Callable[[User], Any]) -> None:
    body = client_for(annotator_a).get(f"/api/projects/{project.pk}/tasks/?page_size=5").json()
    assert body["count"] == 12  # i = 0, 2, …, 22: not the project's 23
    assert [r["id"] for r in body["results"]] == [t.pk for i, t in enumerate(tasks) if i % 2 == 0][:5]


def test_an_empty_filtered_list_counts_zero(project: Project, tasks: list[Task], manager: User,
                                            client_for: Callable[[User], Any]) -> None:
    body = client_for(manager).get(f"/api/projects/{project.pk}/tasks/?status=gold").json()
    assert (body["count"], body["results"]) == (0, [])


def test_the_external_id_filter_finds_the_one_item(project: Project, tasks: list[Task], manager: User,
                                                   client_for: Callable[[User], Any]) -> None:
    external_id = tasks[5].item.external_id
    body = client_for(manager).get(f"/api/projects/{project.pk}/tasks/", {"external_id": external_id}).json()
    assert [(r["id"], r["external_id"]) for r in body["results"]] == [(tasks[5].pk, external_id)]
    assert body["count"] == 1


def test_an_annotators_own_list_counts_only_their_tasks_with_page_numbers(
        project: Project, tasks: list[Task], annotator_a: User, client_for: Callable[[User], Any]) -> None:
    client = client_for(annotator_a)
    mine = [t.pk for i, t in enumerate(tasks) if i % 2 == 0]
    first = client.get(f"/api/projects/{project.pk}/tasks/?page_size=5").json()
    assert first["count"] == len(mine) == 12
    assert [row["id"] for row in first["results"]] == mine[:5]
    reviews = client.get(f"/api/projects/{project.pk}/tasks/?status=review&page_size=2&page=2").json()
    mine_in_review = [t.pk for i, t in enumerate(tasks) if i % 2 == 0 and i % 3 == 2]  # i = 2, 8, 14, 20
    assert reviews["count"] == 4
    assert [row["id"] for row in reviews["results"]] == mine_in_review[2:]


@pytest.mark.parametrize("query", ["", "status=open", "annotator=annotator_a&agreement_gte=0"])
def test_a_page_number_past_any_offset_is_a_404(project: Project, tasks: list[Task], manager: User,
                                                client_for: Callable[[User], Any], query: str) -> None:
    response = client_for(manager).get(f"/api/projects/{project.pk}/tasks/?{query}&page={10**20}")
    assert response.status_code == 404, response.content
