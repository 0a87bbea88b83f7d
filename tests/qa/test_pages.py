"""The quality dashboard and the review page, server-rendered."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from qa.models import ReviewItem

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_dashboard_renders_every_plot_and_the_queue_for_a_manager(disputed, trio, manager) -> None:
    response = _client(manager).get(f"/projects/{trio.pk}/quality/")
    assert response.status_code == 200
    html = response.content.decode()
    for testid in ("agreement-histogram", "label-bars", "annotator-matrix", "onset-histogram", "offset-histogram",
                   "review-queue", "csv-download"):
        assert f'data-testid="{testid}"' in html, testid
    assert html.count("<svg") == 4
    item = ReviewItem.objects.get(task=disputed)
    assert f'href="/review/{item.pk}/"' in html
    assert f'href="/api/projects/{trio.pk}/agreement/?format=csv"' in html
    # one histogram bar holds the one task; the matrix shows the a|b pair's figure of the project's
    # measure (time-sliced alpha of the shifter against the reference)
    assert len(re.findall(r'class="bar"', html)) >= 20
    assert "speech/speech" in html and "speech/music" in html
    assert ">0.87</td>" in html


def test_annotator_quality_is_on_the_managers_dashboard_only(disputed, trio, manager, reviewer) -> None:
    html = _client(manager).get(f"/projects/{trio.pk}/quality/").content.decode()
    assert 'data-testid="annotator-quality"' in html and 'data-testid="prelabel-use"' in html
    rows = re.findall(r"<tr><td>(annotator_\w+|\w+)</td><td>(\d+)</td>", html)
    assert len(rows) == 3 and {submitted for _, submitted in rows} == {"1"}  # three annotators, one task each
    reviewer_html = _client(reviewer).get(f"/projects/{trio.pk}/quality/").content.decode()
    assert 'data-testid="annotator-quality"' not in reviewer_html


def test_prelabel_totals_add_up_each_models_counts_over_annotators() -> None:
    from qa.pages import prelabel_totals

    rows = [{"prelabel": {"vad": {"offered": 4, "unchanged": 3, "changed": 1, "deleted": 0}}},
            {"prelabel": {"vad": {"offered": 4, "unchanged": 1, "changed": 0, "deleted": 3},
                          "shots": {"offered": 2, "unchanged": 2, "changed": 0, "deleted": 0}}}]
    assert prelabel_totals(rows) == [
        {"model": "shots", "offered": 2, "unchanged": 2, "changed": 0, "deleted": 0},
        {"model": "vad", "offered": 8, "unchanged": 4, "changed": 1, "deleted": 3},
    ]


def test_the_dashboard_is_404_for_outsiders_and_annotators(disputed, trio, outsider, annotator_a) -> None:
    assert _client(outsider).get(f"/projects/{trio.pk}/quality/").status_code == 404
    assert _client(annotator_a).get(f"/projects/{trio.pk}/quality/").status_code == 404


def test_the_review_page_boots_the_editor_in_review_mode(disputed, trio, reviewer, outsider) -> None:
    item = ReviewItem.objects.get(task=disputed)
    response = _client(reviewer).get(f"/review/{item.pk}/")
    assert response.status_code == 200
    raw = re.search(r'<script id="tandem-boot" type="application/json">(.*?)</script>', response.content.decode(), re.S)
    assert raw is not None
    boot = json.loads(raw.group(1))
    assert {k: boot[k] for k in ("mode", "taskId", "reviewItemId", "projectId", "apiBase")} == {
        "mode": "review", "taskId": disputed.pk, "reviewItemId": item.pk, "projectId": trio.pk, "apiBase": "/api"}
    assert boot["user"] == {"id": reviewer.pk, "username": "reviewer", "role": "reviewer"}
    assert boot["csrfToken"]
    assert _client(outsider).get(f"/review/{item.pk}/").status_code == 404
