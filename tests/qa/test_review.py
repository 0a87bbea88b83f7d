"""The adjudication queue over REST: listing, claims that expire, resolving into gold exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from annotation.models import Annotation, AnnotationRevision, Task
from common.models import AuditEvent
from qa.models import ReviewItem
from tests.qa.conftest import REFERENCE, result_of

pytestmark = pytest.mark.django_db

GOLD = result_of(REFERENCE)


def _item(task: Task) -> ReviewItem:
    return ReviewItem.objects.get(task=task)


def test_the_queue_lists_items_with_reasons_and_filters_by_state_and_reason(disputed, trio, reviewer, client_for) -> None:
    client = client_for(reviewer)
    body = client.get(f"/api/projects/{trio.pk}/review-queue/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert (row["task"], row["state"], row["reason"], row["external_id"]) == (disputed.pk, "queued",
                                                                              "low_agreement, conflict", "item-0")
    assert [r["kind"] for r in row["reasons"]] == ["low_agreement", "conflict"]
    assert row["conflict_count"] == 8
    assert client.get(f"/api/projects/{trio.pk}/review-queue/?reason=conflict").json()["count"] == 1
    assert client.get(f"/api/projects/{trio.pk}/review-queue/?reason=audit").json()["count"] == 0
    assert client.get(f"/api/projects/{trio.pk}/review-queue/?state=claimed").json()["count"] == 0
    detail = client.get(f"/api/review-items/{row['id']}/").json()
    assert len(detail["conflicts"]) == 8
    assert detail["conflicts"][0]["labels"] == {"annotator_a": "speech", "annotator_b": None, "annotator_c": "music"}


def test_two_claims_one_wins_and_the_other_gets_409(disputed, reviewer, reviewer_2, client_for) -> None:
    item = _item(disputed)
    first = client_for(reviewer).post(f"/api/review-items/{item.pk}/claim/")
    second = client_for(reviewer_2).post(f"/api/review-items/{item.pk}/claim/")
    assert first.status_code == 200
    assert second.status_code == 409
    assert second.json()["claimed_by"] == "reviewer"
    item.refresh_from_db()
    assert (item.state, item.claimed_by.username) == ("claimed", "reviewer")
    assert timedelta(seconds=1790) < item.claim_expires_at - timezone.now() <= timedelta(seconds=1800)


def test_an_expired_claim_lets_another_reviewer_claim(disputed, reviewer, reviewer_2, client_for) -> None:
    item = _item(disputed)
    assert client_for(reviewer).post(f"/api/review-items/{item.pk}/claim/").status_code == 200
    ReviewItem.objects.filter(pk=item.pk).update(claim_expires_at=timezone.now() - timedelta(seconds=1))
    taken = client_for(reviewer_2).post(f"/api/review-items/{item.pk}/claim/")
    assert taken.status_code == 200
    assert taken.json()["claimed_by"]["username"] == "reviewer_2"
    late = client_for(reviewer).post(f"/api/review-items/{item.pk}/resolve/", {"result": GOLD, "sources": []}, format="json")
    assert late.status_code == 409
    assert not Annotation.objects.filter(task=disputed, kind="gold").exists()


def test_resolve_writes_gold_with_its_sources_and_a_second_resolve_changes_nothing(
        disputed, reviewer, client_for) -> None:
    item = _item(disputed)
    client = client_for(reviewer)
    assert client.post(f"/api/review-items/{item.pk}/claim/").status_code == 200
    sources = [{"region_id": "r0", "from": "annotator_a"}, {"region_id": "r1", "from": "annotator_b"},
               {"region_id": "r2", "from": "own"}]
    done = client.post(f"/api/review-items/{item.pk}/resolve/", {"result": GOLD, "sources": sources}, format="json")
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["state"] == "resolved"
    assert body["decision"]["by"] == "reviewer"
    assert body["decision"]["sources"] == sources
    assert body["decision"]["from_counts"] == {"annotator_a": 1, "annotator_b": 1, "own": 1}
    gold = Annotation.objects.get(task=disputed, kind="gold")
    assert (gold.result, gold.automatic, gold.annotator.username, gold.version) == (GOLD, False, "reviewer", 1)
    assert Task.objects.get(pk=disputed.pk).status == "gold"
    assert body["gold"] == gold.pk
    again = client.post(f"/api/review-items/{item.pk}/resolve/", {"result": result_of([(0, 10, "music")]), "sources": []},
                        format="json")
    assert again.status_code == 409
    gold.refresh_from_db()
    assert (gold.result, gold.version) == (GOLD, 1)
    assert AnnotationRevision.objects.filter(annotation=gold).count() == 1
    actions = set(AuditEvent.objects.filter(project_id=disputed.project_id).values_list("action", flat=True))
    assert {"review.claim", "review.resolve", "gold.write", "review.enqueue"} <= actions


def test_resolve_by_someone_without_the_claim_is_refused(disputed, reviewer, reviewer_2, client_for) -> None:
    item = _item(disputed)
    unclaimed = client_for(reviewer).post(f"/api/review-items/{item.pk}/resolve/", {"result": GOLD}, format="json")
    assert unclaimed.status_code == 409
    assert client_for(reviewer).post(f"/api/review-items/{item.pk}/claim/").status_code == 200
    other = client_for(reviewer_2).post(f"/api/review-items/{item.pk}/resolve/", {"result": GOLD}, format="json")
    assert other.status_code == 409
    assert not Annotation.objects.filter(task=disputed, kind="gold").exists()
    assert _item(disputed).state == "claimed"


def test_an_invalid_gold_result_or_source_is_400_and_keeps_the_claim(disputed, reviewer, client_for) -> None:
    item = _item(disputed)
    client = client_for(reviewer)
    client.post(f"/api/review-items/{item.pk}/claim/")
    bad = client.post(f"/api/review-items/{item.pk}/resolve/", {"result": result_of([(500, 100, "speech")])}, format="json")
    assert bad.status_code == 400
    assert bad.json()["region"] == "regions[0] (id 'r0')"
    wrong_source = client.post(f"/api/review-items/{item.pk}/resolve/",
                               {"result": GOLD, "sources": [{"region_id": "r0", "from": "outsider"}]}, format="json")
    assert wrong_source.status_code == 400
    assert (_item(disputed).state, Task.objects.get(pk=disputed.pk).status) == ("claimed", "review")
    assert not Annotation.objects.filter(task=disputed, kind="gold").exists()


def test_editor_sources_as_annotation_ids_are_recorded_with_their_annotators(disputed, reviewer, client_for) -> None:
    item = _item(disputed)
    client = client_for(reviewer)
    client.post(f"/api/review-items/{item.pk}/claim/")
    shifter = Annotation.objects.get(task=disputed, annotator__username="annotator_b")
    done = client.post(f"/api/review-items/{item.pk}/resolve/", {"result": GOLD, "sources": [shifter.pk]}, format="json")
    assert done.status_code == 200
    assert done.json()["decision"]["sources"] == [{"annotation": shifter.pk, "from": "annotator_b"}]


def test_flagging_an_automatic_gold_puts_the_task_in_the_queue_with_its_note_and_keeps_the_gold(
        trio, make_items, annotate, eager, annotator_a, annotator_b, annotator_c, reviewer, client_for) -> None:
    (task,) = make_items(trio, 1, duration_ms=15_000)
    annotate(trio, [(annotator_a, task, result_of([(1000, 5000, "speech")])),
                    (annotator_b, task, result_of([(1000, 5000, "speech")])),
                    (annotator_c, task, result_of([(1000, 5000, "speech")]))])
    assert Task.objects.get(pk=task.pk).status == "gold"
    flagged = client_for(annotator_b).post(f"/api/tasks/{task.pk}/flag/", {"note": "the second half is music"},
                                           format="json")
    assert flagged.status_code == 201
    assert flagged.json() == {"flagged": True, "task": task.pk, "note": "the second half is music"}
    assert _item(task).reasons == [{"kind": "flagged", "by": "annotator_b", "note": "the second half is music"}]
    task.refresh_from_db()
    assert (task.status, task.flagged) == ("gold", True)
    assert Annotation.objects.get(task=task, kind="gold").automatic
    queue = client_for(reviewer).get(f"/api/projects/{trio.pk}/review-queue/?reason=flagged").json()
    assert [r["task"] for r in queue["results"]] == [task.pk]


def test_a_task_flagged_before_it_completes_is_reviewed_with_both_reasons(
        trio, make_items, annotate, eager, annotator_a, annotator_b, annotator_c, client_for) -> None:
    (task,) = make_items(trio, 1, duration_ms=15_000)
    same = result_of([(1000, 5000, "speech")])
    annotate(trio, [(annotator_a, task, same)])
    assert client_for(annotator_a).post(f"/api/tasks/{task.pk}/flag/", {"note": "unclear audio"},
                                        format="json").status_code == 201
    assert Task.objects.get(pk=task.pk).status == "open"
    annotate(trio, [(annotator_b, task, same), (annotator_c, task, same)])
    item = _item(task)
    assert Task.objects.get(pk=task.pk).status == "review"
    assert [r["kind"] for r in item.reasons] == ["flagged"]
    assert not Annotation.objects.filter(task=task, kind="gold").exists()


def test_an_audit_rate_of_one_queues_even_an_agreeing_task(
        trio, make_items, annotate, eager, annotator_a, annotator_b, annotator_c, manager) -> None:
    from annotation.services.projects import project_update

    project_update(project=trio, user=manager, data={"audit_rate": 1.0})
    (task,) = make_items(trio, 1, duration_ms=15_000)
    same = result_of([(1000, 5000, "speech")])
    annotate(trio, [(annotator_a, task, same), (annotator_b, task, same), (annotator_c, task, same)])
    assert _item(task).reasons == [{"kind": "audit", "rate": 1.0}]
    assert Task.objects.get(pk=task.pk).status == "review"


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_from_two_threads_have_exactly_one_winner(disputed, reviewer, reviewer_2) -> None:
    import threading

    from django.db import connection

    from common.errors import Conflict
    from qa.services.review import review_claim

    item = _item(disputed)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def claim(user) -> None:
        try:
            barrier.wait()
            review_claim(item=ReviewItem.objects.get(pk=item.pk), user=user)
            outcomes[user.username] = "won"
        except Conflict:
            outcomes[user.username] = "409"
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(u,)) for u in (reviewer, reviewer_2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes.values()) == ["409", "won"]
    winner = next(name for name, result in outcomes.items() if result == "won")
    assert ReviewItem.objects.get(pk=item.pk).claimed_by.username == winner


def test_a_claimant_can_release_the_item_back_to_the_queue(disputed, reviewer, reviewer_2, client_for) -> None:
    item = _item(disputed)
    assert client_for(reviewer).post(f"/api/review-items/{item.pk}/claim/").status_code == 200
    assert client_for(reviewer_2).post(f"/api/review-items/{item.pk}/release/").status_code == 409
    released = client_for(reviewer).post(f"/api/review-items/{item.pk}/release/")
    assert (released.status_code, released.json()["state"], released.json()["claimed_by"]) == (200, "queued", None)
    assert client_for(reviewer_2).post(f"/api/review-items/{item.pk}/claim/").status_code == 200
