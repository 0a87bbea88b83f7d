"""A pre-label run says what happened to each item: succeeded, partial (failed items listed) or failed."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from annotation.models import Job, Prediction, Project, Task

pytestmark = pytest.mark.django_db

VAD_SPEECH = {"prelabeler": "vad", "track": "speech", "label": "speech", "stream": "mic"}
NO_MIC = "the item has no stream 'mic' (streams: transcript)"


def _start_from_the_page(project: Project, manager: User, capture: Any) -> tuple[Client, Job]:
    page = Client()
    page.force_login(manager)
    with capture(execute=True):
        page.post(f"/projects/{project.pk}/manage/prelabel/")
    return page, Job.objects.get(project=project, kind=Job.Kind.PRELABEL)


def test_a_run_where_some_items_failed_is_partial_in_the_api_and_on_the_manager_page(
        project: Project, add_items: Callable[..., list[Task]], make_items: Callable[..., list[Task]],
        map_prelabelers: Callable[..., Project], speech: tuple[bytes, list[tuple[int, int]]], manager: User,
        client_for: Callable[[User], Any], django_capture_on_commit_callbacks: Any) -> None:
    [spoken] = add_items(project, [("clip.wav", speech[0], 0)])
    text_only = make_items(project, 2)  # no "mic" stream to listen to
    map_prelabelers(project, [VAD_SPEECH])
    page, job = _start_from_the_page(project, manager, django_capture_on_commit_callbacks)

    body = client_for(manager).get(f"/api/prelabel-jobs/{job.pk}/").json()
    assert (body["status"], body["progress"]) == ("partial", 100)
    assert body["error"] == f"2 of 3 items failed; the first: task {text_only[0].pk} (vad): {NO_MIC}"
    assert (body["result"]["items_ok"], body["result"]["items_failed"]) == (1, 2)
    assert body["result"]["failures"] == [{"task": t.pk, "prelabeler": "vad", "error": NO_MIC} for t in text_only]
    assert len(Prediction.objects.get(task=spoken, model="vad").result["regions"]) == 2

    shown = html.unescape(page.get(f"/projects/{project.pk}/manage/").content.decode())
    assert "partial <span class=\"pill\">1 ok, 2 failed</span>" in shown
    for task in text_only:
        assert f"<li>task {task.pk}, vad: {NO_MIC}</li>" in shown


def test_a_run_where_every_item_failed_is_failed(
        project: Project, make_items: Callable[..., list[Task]], map_prelabelers: Callable[..., Project],
        manager: User, client_for: Callable[[User], Any], django_capture_on_commit_callbacks: Any) -> None:
    tasks = make_items(project, 2)
    map_prelabelers(project, [VAD_SPEECH])
    page, job = _start_from_the_page(project, manager, django_capture_on_commit_callbacks)
    body = client_for(manager).get(f"/api/prelabel-jobs/{job.pk}/").json()
    assert (body["status"], body["result"]["items_ok"], body["result"]["items_failed"]) == ("failed", 0, 2)
    assert body["error"] == f"Every item failed (2); the first: task {tasks[0].pk} (vad): {NO_MIC}"
    shown = html.unescape(page.get(f"/projects/{project.pk}/manage/").content.decode())
    assert "failed <span class=\"pill\">0 ok, 2 failed</span>" in shown
    # failed items keep their error on the prediction row and suggest nothing
    assert list(Prediction.objects.filter(task__in=tasks).values_list("error", "result")) == [
        (NO_MIC, {"regions": []})] * 2
