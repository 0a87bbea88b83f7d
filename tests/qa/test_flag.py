"""Flagging a task: the flagger learns nothing about other annotators' work, and gold stays gold."""

from __future__ import annotations

from typing import Any

import pytest

from annotation.models import Annotation, Task
from common.models import AuditEvent
from qa.models import ReviewItem
from tests.qa.conftest import REFERENCE, SHIFTED, result_of

pytestmark = pytest.mark.django_db

GOLD = result_of(REFERENCE)


def _resolve(task: Task, reviewer: Any, client_for: Any, result: dict[str, Any] = GOLD) -> ReviewItem:
    item = ReviewItem.objects.exclude(state="resolved").get(task=task)
    client = client_for(reviewer)
    assert client.post(f"/api/review-items/{item.pk}/claim/").status_code == 200
    done = client.post(f"/api/review-items/{item.pk}/resolve/", {"result": result, "sources": []}, format="json")
    assert done.status_code == 200, done.content
    return ReviewItem.objects.get(pk=item.pk)


def test_a_flaggers_reply_carries_their_own_flag_and_nothing_of_the_review_item(
        disputed, annotator_a, annotator_b, client_for) -> None:
    assert client_for(annotator_b).post(f"/api/tasks/{disputed.pk}/flag/", {"note": "b thinks it is music"},
                                        format="json").status_code == 201
    reply = client_for(annotator_a).post(f"/api/tasks/{disputed.pk}/flag/", {"note": "unclear"}, format="json")
    assert reply.status_code == 201
    assert reply.json() == {"flagged": True, "task": disputed.pk, "note": "unclear"}
    # The reviewers' item has both notes and the conflicts the flaggers never saw.
    item = ReviewItem.objects.get(task=disputed)
    assert [(r["kind"], r.get("by")) for r in item.reasons] == [
        ("low_agreement", None), ("conflict", None), ("flagged", "annotator_b"), ("flagged", "annotator_a")]
    assert len(item.conflicts) == 8


def test_a_flag_on_gold_keeps_the_gold_and_queues_a_new_item_without_reopening_the_resolved_one(
        disputed, reviewer, annotator_c, client_for) -> None:
    resolved = _resolve(disputed, reviewer, client_for)
    gold = Annotation.objects.get(task=disputed, kind="gold")
    reply = client_for(annotator_c).post(f"/api/tasks/{disputed.pk}/flag/", {"note": "the first half is music"},
                                         format="json")
    assert (reply.status_code, reply.json()) == (201, {"flagged": True, "task": disputed.pk,
                                                       "note": "the first half is music"})
    task = Task.objects.get(pk=disputed.pk)
    assert (task.status, task.flagged) == ("gold", True)
    stored = Annotation.objects.get(pk=gold.pk)
    assert (stored.version, stored.result) == (1, GOLD)
    again = ReviewItem.objects.get(pk=resolved.pk)
    assert (again.state, again.reasons, again.decision) == ("resolved", resolved.reasons, resolved.decision)
    new = ReviewItem.objects.exclude(pk=resolved.pk).get(task=disputed)
    assert (new.state, new.reasons) == ("queued", [{"kind": "flagged", "by": "annotator_c",
                                                    "note": "the first half is music"}])
    flag = AuditEvent.objects.get(action="task.flag")
    assert (flag.actor, flag.data) == (annotator_c, {"note": "the first half is music", "review_item": new.pk,
                                                     "task_status": "gold"})
    queue = client_for(reviewer).get(f"/api/projects/{disputed.project_id}/review-queue/?state=queued").json()
    assert [(r["id"], r["task_status"], r["reason"]) for r in queue["results"]] == [(new.pk, "gold", "flagged")]


def test_a_reviewer_answers_a_flag_on_gold_through_claim_and_resolve(disputed, reviewer, annotator_c,
                                                                     client_for) -> None:
    _resolve(disputed, reviewer, client_for)
    assert client_for(annotator_c).post(f"/api/tasks/{disputed.pk}/flag/", {"note": "shifted?"},
                                        format="json").status_code == 201
    corrected = result_of(SHIFTED)
    _resolve(disputed, reviewer, client_for, corrected)
    gold = Annotation.objects.get(task=disputed, kind="gold")
    assert (gold.version, gold.result) == (2, corrected)
    assert Task.objects.get(pk=disputed.pk).status == "gold"
    assert list(AuditEvent.objects.filter(action="gold.write").values_list("data__version", flat=True)
                .order_by("id")) == [1, 2]
