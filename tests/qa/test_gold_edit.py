"""Gold changes only through claim → resolve or the audited edit-gold action; every version is audited."""

from __future__ import annotations

from typing import Any

import pytest

from annotation.models import Annotation, AnnotationRevision, Task
from common.models import AuditEvent
from qa.models import ReviewItem
from tests.qa.conftest import REFERENCE, SHIFTED, result_of

pytestmark = pytest.mark.django_db

GOLD = result_of(REFERENCE)
FIXED = result_of(SHIFTED)


@pytest.fixture
def golden(disputed: Task, reviewer: Any, client_for: Any) -> Annotation:
    """The disputed task, resolved by the reviewer into GOLD (version 1)."""
    item = ReviewItem.objects.get(task=disputed)
    client = client_for(reviewer)
    assert client.post(f"/api/review-items/{item.pk}/claim/").status_code == 200
    assert client.post(f"/api/review-items/{item.pk}/resolve/", {"result": GOLD, "sources": []},
                       format="json").status_code == 200
    return Annotation.objects.get(task=disputed, kind="gold")


def _unchanged(gold: Annotation) -> tuple[int, Any, int, int]:
    stored = Annotation.objects.get(pk=gold.pk)
    return (stored.version, stored.result, AnnotationRevision.objects.filter(annotation=gold).count(),
            AuditEvent.objects.filter(action="gold.write").count())


@pytest.mark.parametrize("who", ["reviewer_2", "manager"])
def test_a_reviewer_or_manager_edits_gold_with_a_reason_into_an_audited_new_version(
        request: Any, golden: Annotation, client_for: Any, who: str) -> None:
    editor = request.getfixturevalue(who)
    response = client_for(editor).post(f"/api/tasks/{golden.task_id}/gold/",
                                       {"result": FIXED, "version": 1, "reason": "boundaries were late"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["kind"], body["version"], body["result"], body["annotator"]["username"]) == (
        golden.pk, "gold", 2, FIXED, who)
    assert Task.objects.get(pk=golden.task_id).status == "gold"
    assert list(AnnotationRevision.objects.filter(annotation=golden).values_list("version", "author__username")) == [
        (1, "reviewer"), (2, who)]
    writes = AuditEvent.objects.filter(action="gold.write", target_id=str(golden.pk)).order_by("id")
    assert [(e.actor.username, e.data["version"]) for e in writes] == [("reviewer", 1), (who, 2)]
    assert {k: writes[1].data[k] for k in ("edit", "reason", "previous_version")} == {
        "edit": True, "reason": "boundaries were late", "previous_version": 1}


def test_editing_gold_without_a_reason_is_400_and_changes_nothing(golden: Annotation, reviewer: Any,
                                                                  client_for: Any) -> None:
    before = _unchanged(golden)
    response = client_for(reviewer).post(f"/api/tasks/{golden.task_id}/gold/",
                                         {"result": FIXED, "version": 1, "reason": "   "}, format="json")
    assert (response.status_code, response.json()) == (
        400, {"detail": "Say why the gold changes: 'reason' is kept in the audit trail.", "field": "reason"})
    assert _unchanged(golden) == before


def test_editing_a_stale_gold_version_is_409_with_the_current_gold(golden: Annotation, reviewer: Any,
                                                                    client_for: Any) -> None:
    client = client_for(reviewer)
    assert client.post(f"/api/tasks/{golden.task_id}/gold/", {"result": FIXED, "version": 1, "reason": "late"},
                       format="json").status_code == 200
    before = _unchanged(golden)
    stale = client.post(f"/api/tasks/{golden.task_id}/gold/", {"result": GOLD, "version": 1, "reason": "undo"},
                        format="json")
    assert stale.status_code == 409
    assert stale.json() == {"detail": "Version 1 is stale: the gold is at version 2. Reload it and try again.",
                            "current_version": 2, "current": {"version": 2, "result": FIXED, "status": "submitted"}}
    assert _unchanged(golden) == before


def test_editing_gold_is_refused_while_a_review_item_is_open(golden: Annotation, reviewer: Any, annotator_a: Any,
                                                             client_for: Any) -> None:
    assert client_for(annotator_a).post(f"/api/tasks/{golden.task_id}/flag/", {"note": "?"},
                                        format="json").status_code == 201
    item = ReviewItem.objects.get(task_id=golden.task_id, state="queued")
    before = _unchanged(golden)
    response = client_for(reviewer).post(f"/api/tasks/{golden.task_id}/gold/",
                                         {"result": FIXED, "version": 1, "reason": "late"}, format="json")
    assert (response.status_code, response.json()) == (409, {
        "detail": f"This task is in the review queue (item {item.pk}): claim that item and resolve it.",
        "review_item": item.pk})
    assert _unchanged(golden) == before


def test_a_task_without_gold_cannot_get_one_by_editing(disputed: Task, reviewer: Any, client_for: Any) -> None:
    ReviewItem.objects.filter(task=disputed).update(state="resolved")  # no open item, and still no gold
    response = client_for(reviewer).post(f"/api/tasks/{disputed.pk}/gold/",
                                         {"result": FIXED, "version": 1, "reason": "late"}, format="json")
    assert (response.status_code, response.json()) == (
        409, {"detail": "This task has no gold yet: it gets one through review (claim → resolve)."})
    assert not Annotation.objects.filter(task=disputed, kind="gold").exists()


@pytest.mark.parametrize(("who", "status"), [("annotator_a", 403), ("outsider", 404)])
def test_annotators_and_outsiders_cannot_edit_gold(request: Any, golden: Annotation, client_for: Any, who: str,
                                                   status: int) -> None:
    before = _unchanged(golden)
    response = client_for(request.getfixturevalue(who)).post(
        f"/api/tasks/{golden.task_id}/gold/", {"result": FIXED, "version": 1, "reason": "late"}, format="json")
    assert response.status_code == status
    assert _unchanged(golden) == before


def test_a_put_on_gold_after_review_is_403_with_no_new_version(golden: Annotation, reviewer: Any,
                                                               client_for: Any) -> None:
    before = _unchanged(golden)
    response = client_for(reviewer).put(f"/api/annotations/{golden.pk}/", {"result": FIXED, "version": 1},
                                        format="json")
    assert response.status_code == 403
    assert _unchanged(golden) == before
