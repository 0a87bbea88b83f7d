"""Who may read qa's data: reviewers and managers of the project; annotators and outsiders may not."""

from __future__ import annotations

import pytest

from annotation.models import Annotation
from qa.models import ReviewItem

pytestmark = pytest.mark.django_db


def test_annotators_cannot_read_the_queue_agreement_or_annotator_scores(disputed, trio, annotator_a, client_for) -> None:
    client = client_for(annotator_a)
    item = ReviewItem.objects.get(task=disputed)
    for url in (f"/api/projects/{trio.pk}/review-queue/", f"/api/projects/{trio.pk}/agreement/",
                f"/api/projects/{trio.pk}/agreement/?format=csv", f"/api/projects/{trio.pk}/annotators/",
                f"/api/tasks/{disputed.pk}/agreement/", f"/api/review-items/{item.pk}/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "detail" in response.json()
    assert client.post(f"/api/review-items/{item.pk}/claim/").status_code == 403
    assert ReviewItem.objects.get(pk=item.pk).state == "queued"


def test_annotators_still_cannot_read_each_others_annotations(disputed, annotator_a, client_for) -> None:
    theirs = Annotation.objects.get(task=disputed, annotator__username="annotator_b")
    client = client_for(annotator_a)
    assert client.get(f"/api/annotations/{theirs.pk}/").status_code == 404
    listed = client.get(f"/api/tasks/{disputed.pk}/annotations/").json()
    assert [a["annotator"]["username"] for a in listed["results"]] == ["annotator_a"]


def test_annotator_scores_are_for_managers_only(disputed, trio, reviewer, manager, client_for) -> None:
    assert client_for(reviewer).get(f"/api/projects/{trio.pk}/annotators/").status_code == 403
    assert client_for(manager).get(f"/api/projects/{trio.pk}/annotators/").status_code == 200


def test_outsiders_get_404_everywhere(disputed, trio, outsider, client_for) -> None:
    client = client_for(outsider)
    item = ReviewItem.objects.get(task=disputed)
    for url in (f"/api/projects/{trio.pk}/review-queue/", f"/api/projects/{trio.pk}/agreement/",
                f"/api/projects/{trio.pk}/annotators/", f"/api/tasks/{disputed.pk}/agreement/",
                f"/api/review-items/{item.pk}/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/api/tasks/{disputed.pk}/flag/", {"note": "x"}, format="json").status_code == 404


def test_an_annotator_cannot_flag_a_task_they_were_never_given(trio, make_items, annotator_a, client_for) -> None:
    (task,) = make_items(trio, 1)
    assert client_for(annotator_a).post(f"/api/tasks/{task.pk}/flag/", {"note": "x"}, format="json").status_code == 404
    assert not ReviewItem.objects.filter(task=task).exists()


def test_anonymous_callers_get_401(disputed, trio) -> None:
    from rest_framework.test import APIClient

    assert APIClient().get(f"/api/projects/{trio.pk}/review-queue/").status_code == 401
