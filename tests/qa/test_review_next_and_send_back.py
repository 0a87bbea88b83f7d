"""The reviewer's loop: every conflict kind in the item, next item, send back with a note, resolved stays resolved."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from annotation.models import Annotation, AnnotationRevision, Assignment, Project, Task
from annotation.services.projects import project_update
from common.models import AuditEvent
from qa.models import ReviewItem
from tests.qa.conftest import REFERENCE, result_of

pytestmark = pytest.mark.django_db

TEXT = "Alice met Bob in Paris."


def _mixed(person: str) -> dict[str, Any]:
    """A's and B's versions of "Alice met Bob in Paris.": the same speech, different spans and links."""
    if person == "a":
        spans = [("e1", 0, 5), ("e2", 10, 13), ("e3", 17, 22)]
        links = [("l1", "e1", "e2")]
        words = "alice met bob"
    else:
        spans = [("e1", 0, 5), ("e2", 10, 13)]
        links = [("l1", "e2", "e1")]
        words = "alice met rob"
    regions: list[dict[str, Any]] = [{"id": "s1", "track": "speech", "label": "speech", "start_ms": 1000, "end_ms": 5000}]
    regions += [{"id": i, "track": "entities", "label": "PER", "start_char": s, "end_char": e} for i, s, e in spans]
    regions += [{"id": i, "track": "links", "label": "refers_to", "from_id": f, "to_id": t} for i, f, t in links]
    regions.append({"id": "w1", "track": "words", "start_ms": 0, "end_ms": 2000, "text": words})
    return {"regions": regions}


@pytest.fixture
def mixed(project: Project, make_items, annotate, eager, annotator_a, annotator_b) -> Task:
    (task,) = make_items(project, 1, text=TEXT)
    annotate(project, [(annotator_a, task, _mixed("a")), (annotator_b, task, _mixed("b"))])
    task.refresh_from_db()
    return task


def test_the_item_lists_span_relation_and_transcript_conflicts_with_labels_not_ids(mixed, reviewer, client_for) -> None:
    item = ReviewItem.objects.get(task=mixed)
    detail = client_for(reviewer).get(f"/api/review-items/{item.pk}/").json()
    kinds = [(c["track"], c.get("track_kind", "segment"), c["kind"]) for c in detail["conflicts"]]
    assert kinds == [("words", "transcript", "words"), ("entities", "span", "missing"),
                     ("links", "relation", "missing"), ("links", "relation", "missing")]
    words, paris, a_link, b_link = detail["conflicts"]
    assert words["wer"] == {"annotator_b": 0.3333}
    assert words["edits"] == {"annotator_b": [{"op": "substitute", "ref": "bob", "hyp": "rob"}]}
    assert (paris["start_char"], paris["end_char"], paris["text"]) == (17, 22, "Paris")
    assert a_link["from"]["text"] == "Alice" and a_link["to"]["text"] == "Bob"
    assert a_link["labels"] == {"annotator_a": "refers_to", "annotator_b": None}
    assert b_link["from"]["text"] == "Bob" and b_link["labels"] == {"annotator_a": None, "annotator_b": "refers_to"}
    assert "e1" not in str(a_link) and "e2" not in str(a_link)
    assert detail["conflict_count"] == 4


def test_next_claims_the_oldest_queued_item_and_answers_204_when_none_is_left(project, make_items, annotate, eager,
                                                                            annotator_a, annotator_b, reviewer,
                                                                            manager, client_for) -> None:
    project_update(project=project, user=manager, data={"merge_rule": "review"})
    tasks = make_items(project, 2)
    shifted = [(s + 500, e, lab) for s, e, lab in REFERENCE]
    annotate(project, [(annotator_a, tasks[0], result_of(REFERENCE)), (annotator_b, tasks[0], result_of(shifted)),
                       (annotator_a, tasks[1], result_of(REFERENCE)), (annotator_b, tasks[1], result_of(shifted))])
    first, second = ReviewItem.objects.filter(project_id_cache=project.pk).order_by("id")
    client = client_for(reviewer)
    got = client.post(f"/api/projects/{project.pk}/review-queue/next/")
    assert got.status_code == 200
    assert (got.json()["id"], got.json()["state"], got.json()["claimed_by"]["username"]) == (first.pk, "claimed", "reviewer")
    assert client.post(f"/api/review-items/{first.pk}/resolve/", {"result": result_of(REFERENCE), "sources": []},
                       format="json").status_code == 200
    assert client.post(f"/api/projects/{project.pk}/review-queue/next/").json()["id"] == second.pk
    client.post(f"/api/review-items/{second.pk}/resolve/", {"result": result_of(REFERENCE), "sources": []}, format="json")
    assert client.post(f"/api/projects/{project.pk}/review-queue/next/").status_code == 204


def test_a_resolved_item_refuses_claims_resolves_and_send_backs_with_409(mixed, reviewer, client_for) -> None:
    item = ReviewItem.objects.get(task=mixed)
    client = client_for(reviewer)
    client.post(f"/api/review-items/{item.pk}/claim/")
    assert client.post(f"/api/review-items/{item.pk}/resolve/", {"result": _mixed("a"), "sources": []},
                       format="json").status_code == 200
    gold = Annotation.objects.get(task=mixed, kind="gold")
    assert client.post(f"/api/review-items/{item.pk}/claim/").status_code == 409
    again = client.post(f"/api/review-items/{item.pk}/resolve/", {"result": _mixed("b"), "sources": []}, format="json")
    assert again.status_code == 409
    back = client.post(f"/api/review-items/{item.pk}/send-back/", {"note": "look again"}, format="json")
    assert back.status_code == 409
    assert Annotation.objects.get(pk=gold.pk).result == gold.result
    assert AuditEvent.objects.filter(action="review.resolve", target_id=str(item.pk)).count() == 1


def test_send_back_needs_a_note_and_the_claim(mixed, reviewer, client_for) -> None:
    item = ReviewItem.objects.get(task=mixed)
    client = client_for(reviewer)
    unclaimed = client.post(f"/api/review-items/{item.pk}/send-back/", {"note": "look again"}, format="json")
    assert unclaimed.status_code == 409
    client.post(f"/api/review-items/{item.pk}/claim/")
    empty = client.post(f"/api/review-items/{item.pk}/send-back/", {"note": "  "}, format="json")
    assert empty.status_code == 400
    assert client.post(f"/api/review-items/{item.pk}/send-back/", {}, format="json").status_code == 400
    assert ReviewItem.objects.get(pk=item.pk).state == "claimed"
    assert set(Annotation.objects.filter(task=mixed, kind="human").values_list("status", flat=True)) == {"submitted"}


def test_send_back_reopens_the_drafts_with_the_note_and_resubmission_queues_the_item_again(
        mixed, project, reviewer, annotator_a, annotator_b, client_for, django_capture_on_commit_callbacks) -> None:
    item = ReviewItem.objects.get(task=mixed)
    client = client_for(reviewer)
    client.post(f"/api/review-items/{item.pk}/claim/")
    note = "Paris is a place, not a person; and is it Bob or Rob?"
    back = client.post(f"/api/review-items/{item.pk}/send-back/", {"note": note}, format="json")
    assert back.status_code == 200, back.content
    assert back.json()["state"] == "returned"
    assert back.json()["decision"]["returned"]["note"] == note
    assert back.json()["decision"]["returned"]["annotators"] == ["annotator_a", "annotator_b"]
    task = Task.objects.get(pk=mixed.pk)
    assert (task.status, task.submitted_count, task.active_count) == ("open", 0, 2)
    mine = Annotation.objects.get(task=task, annotator=annotator_a)
    assert (mine.status, mine.version, mine.review_note) == ("draft", 3, note)
    # Created at 1, submitted at 2 (which stays in the history), reopened as 3.
    assert list(AnnotationRevision.objects.filter(annotation=mine).values_list("version", flat=True).order_by("version")) == [1, 2, 3]
    assert AuditEvent.objects.filter(action="review.send_back", target_id=str(item.pk)).get().data["note"] == note
    # The annotator reads the note from the annotation payload and gets the task back from the queue.
    a = client_for(annotator_a)
    payload = a.get(f"/api/tasks/{task.pk}/annotations/").json()
    rows = payload["results"] if isinstance(payload, dict) else payload
    assert [(r["status"], r["review_note"]) for r in rows] == [("draft", note)]
    assert a.post(f"/api/projects/{project.pk}/next/").json()["task"]["id"] == task.pk
    assert Assignment.objects.get(task=task, annotator=annotator_a).status == "active"
    # The project page (the annotator's queue) lists it with the note.
    page = Client()
    page.force_login(annotator_a)
    html = page.get(f"/projects/{project.pk}/").content.decode()
    assert 'data-testid="returned-tasks"' in html and "Paris is a place, not a person" in html
    # Both resubmit: agreement and triage run again and the same item is queued once more.
    for person in (annotator_a, annotator_b):
        own = Annotation.objects.get(task=task, annotator=person)
        with django_capture_on_commit_callbacks(execute=True):
            done = client_for(person).post(f"/api/annotations/{own.pk}/submit/", {}, format="json")
        assert done.status_code == 200, done.content
    item.refresh_from_db()
    assert item.state == "queued"
    assert item.decision["returned"]["note"] == note
    assert Task.objects.get(pk=task.pk).status == "review"
    assert ReviewItem.objects.filter(task=task).count() == 1


def test_the_quality_pages_button_claims_the_next_item_and_opens_it(mixed, project, reviewer) -> None:
    item = ReviewItem.objects.get(task=mixed)
    page = Client()
    page.force_login(reviewer)
    assert 'data-testid="review-next"' in page.get(f"/projects/{project.pk}/quality/").content.decode()
    opened = page.post(f"/projects/{project.pk}/review/next/")
    assert (opened.status_code, opened["Location"]) == (302, f"/review/{item.pk}/")
    assert ReviewItem.objects.get(pk=item.pk).claimed_by == reviewer
    ReviewItem.objects.filter(pk=item.pk).update(state="resolved")
    empty = page.post(f"/projects/{project.pk}/review/next/", follow=True)
    assert empty.redirect_chain == [(f"/projects/{project.pk}/quality/", 302)]
    assert "Nothing waits for review." in empty.content.decode()
