"""Per-annotator quality: peers from stored reports, accuracy against adjudicated gold, throughput,
and what each annotator did with a model's suggestions."""

from __future__ import annotations

import statistics

import pytest
from django.test import Client

from annotation.models import Annotation, Prediction
from qa.models import ReviewItem, TaskAgreement
from tests.qa.conftest import REFERENCE, result_of

pytestmark = pytest.mark.django_db

SOURCE = {"model": "vad", "version": "1"}


def _rows(client, project) -> dict[str, dict]:
    body = client.get(f"/api/projects/{project.pk}/annotators/").json()
    return {r["annotator"]: r for r in body["results"]}


def test_peer_agreement_is_the_mean_of_stored_pair_scores(disputed, trio, manager, client_for) -> None:
    rows = _rows(client_for(manager), trio)
    assert sorted(rows) == ["annotator_a", "annotator_b", "annotator_c"]
    pairs = {(p["a"], p["b"]): p["score"] for p in TaskAgreement.objects.get(task=disputed).pairs}
    a_scores = [pairs[("annotator_a", "annotator_b")], pairs[("annotator_a", "annotator_c")]]
    assert rows["annotator_a"]["peers"]["mean"] == pytest.approx(sum(a_scores) / 2)
    assert rows["annotator_a"]["peers"]["by_peer"] == {"annotator_b": pairs[("annotator_a", "annotator_b")],
                                                       "annotator_c": pairs[("annotator_a", "annotator_c")]}
    assert rows["annotator_c"]["peers"]["n"] == 2


def test_throughput_counts_submissions_and_their_median_lead_time(disputed, trio, manager, client_for) -> None:
    rows = _rows(client_for(manager), trio)
    for name in ("annotator_a", "annotator_b", "annotator_c"):
        leads = list(Annotation.objects.filter(task__project=trio, annotator__username=name, kind="human")
                     .values_list("lead_time_ms", flat=True))
        assert rows[name]["throughput"] == {"submitted": 1, "median_ms": statistics.median(leads)}


def test_accuracy_against_adjudicated_gold_is_segment_f1(disputed, trio, reviewer, manager, client_for) -> None:
    item = ReviewItem.objects.get(task=disputed)
    client = client_for(reviewer)
    client.post(f"/api/review-items/{item.pk}/claim/")
    assert client.post(f"/api/review-items/{item.pk}/resolve/", {"result": result_of(REFERENCE)},
                       format="json").status_code == 200
    rows = _rows(client_for(manager), trio)
    assert rows["annotator_a"]["gold"] == {"f1": 1.0, "tasks": 1, "tp": 3, "n_gold": 3, "n_own": 3}
    assert rows["annotator_b"]["gold"]["f1"] == 1.0  # 200 ms late, still the same segments
    assert rows["annotator_c"]["gold"] == {"f1": 1 / 3, "tasks": 1, "tp": 1, "n_gold": 3, "n_own": 3}


def test_prelabel_acceptance_counts_unchanged_changed_and_deleted_suggestions(
        disputed, trio, make_items, annotate, eager, annotator_a, annotator_b, annotator_c, manager, client_for) -> None:
    (task,) = make_items(trio, 1, duration_ms=15_000)
    suggested = result_of([(1000, 5000, "speech"), (6000, 9000, "music")], score=0.9)
    Prediction.objects.create(task=task, model="vad", model_version="1", result=suggested)
    accepted = {"regions": [{"id": f"a{i}", "track": "speech", "label": lab, "start_ms": s, "end_ms": e,
                             "source": SOURCE} for i, (s, e, lab) in enumerate([(1000, 5000, "speech"), (6000, 9000, "music")])]}
    moved = {"regions": [{"id": "b0", "track": "speech", "label": "speech", "start_ms": 1000, "end_ms": 4500,
                          "source": SOURCE}]}
    annotate(trio, [(annotator_a, task, accepted), (annotator_b, task, moved), (annotator_c, task, {"regions": []})])
    rows = _rows(client_for(manager), trio)
    assert rows["annotator_a"]["prelabel"] == {"vad": {"offered": 2, "unchanged": 2, "changed": 0, "deleted": 0}}
    assert rows["annotator_b"]["prelabel"] == {"vad": {"offered": 2, "unchanged": 0, "changed": 1, "deleted": 1}}
    assert rows["annotator_c"]["prelabel"] == {"vad": {"offered": 2, "unchanged": 0, "changed": 0, "deleted": 2}}


def test_prelabel_acceptance_ignores_suggestions_made_after_the_submission(
        disputed, trio, make_items, annotate, eager, annotator_a, annotator_b, annotator_c, manager, client_for) -> None:
    (task,) = make_items(trio, 1, duration_ms=15_000)
    kept = {"regions": [{"id": "a0", "track": "speech", "label": "speech", "start_ms": 1000, "end_ms": 5000,
                         "source": SOURCE}]}
    Prediction.objects.create(task=task, model="vad", model_version="1",
                              result=result_of([(1000, 5000, "speech")], score=0.9))
    annotate(trio, [(annotator_a, task, kept)])
    # A second model runs after annotator_a submitted, and before the others did.
    Prediction.objects.create(task=task, model="align", model_version="1",
                              result=result_of([(0, 900, "speech"), (1000, 5000, "speech")], score=0.5))
    annotate(trio, [(annotator_b, task, {"regions": []}), (annotator_c, task, {"regions": []})])
    rows = _rows(client_for(manager), trio)
    assert rows["annotator_a"]["prelabel"] == {"vad": {"offered": 1, "unchanged": 1, "changed": 0, "deleted": 0}}
    assert rows["annotator_b"]["prelabel"] == {"vad": {"offered": 1, "unchanged": 0, "changed": 0, "deleted": 1},
                                               "align": {"offered": 2, "unchanged": 0, "changed": 0, "deleted": 2}}
    # A re-run of vad after every submission replaces what they saw: it is no longer counted.
    Prediction.objects.filter(task=task, model="vad").first().save()
    rows = _rows(client_for(manager), trio)
    assert rows["annotator_a"]["prelabel"] == {}
    assert rows["annotator_c"]["prelabel"] == {"align": {"offered": 2, "unchanged": 0, "changed": 0, "deleted": 2}}


def test_a_honeypot_keeps_its_gold_and_scores_annotators_against_it(
        trio, make_items, annotate, eager, annotator_a, annotator_b, annotator_c, manager, client_for) -> None:
    from annotation.models import Task

    (task,) = make_items(trio, 1, duration_ms=15_000)
    Task.objects.filter(pk=task.pk).update(is_honeypot=True)
    type(trio).objects.filter(pk=trio.pk).update(honeypot_rate=1.0)  # the queue hands out honeypots
    answer = result_of([(1000, 5000, "speech"), (6000, 9000, "music")])
    Annotation.objects.create(task=task, annotator=manager, kind="gold", status="submitted", result=answer)
    same = result_of([(1000, 5000, "speech"), (6000, 9000, "music")])
    annotate(trio, [(annotator_a, task, same), (annotator_b, task, same),
                    (annotator_c, task, result_of([(1000, 5000, "speech")]))])
    task.refresh_from_db()
    assert task.status == "gold"
    assert Annotation.objects.get(task=task, kind="gold").result == answer
    rows = _rows(client_for(manager), trio)
    assert rows["annotator_a"]["gold"]["f1"] == 1.0
    assert rows["annotator_c"]["gold"] == {"f1": 2 / 3, "tasks": 1, "tp": 1, "n_gold": 2, "n_own": 1}


def test_word_error_rate_of_the_prelabel_transcript_per_annotator_and_track(
        disputed, trio, make_items, annotate, eager, annotator_a, annotator_b, manager, client_for) -> None:
    (task,) = make_items(trio, 1, duration_ms=15_000)
    words = {"model": "align", "version": "1"}
    Prediction.objects.create(task=task, model="align", model_version="1", result={"regions": [
        {"id": "p1", "track": "words", "start_ms": 0, "end_ms": 2000, "text": "could you tell where the", "source": words},
        {"id": "p2", "track": "words", "start_ms": 2000, "end_ms": 4000, "text": "nation is, please", "source": words}]})
    fixed = {"regions": [
        {"id": "a1", "track": "words", "start_ms": 0, "end_ms": 2000, "text": "Could you tell us where",
         "words": [{"text": t, "start_ms": 400 * i, "end_ms": 400 * i + 400}
                   for i, t in enumerate(["Could", "you", "tell", "us", "where"])]},
        {"id": "a2", "track": "words", "start_ms": 2000, "end_ms": 4000, "text": "the station is?"}]}
    kept = {"regions": [{"id": "b1", "track": "words", "start_ms": 0, "end_ms": 4000,
                         "text": "could you tell where the nation is please"}]}
    annotate(trio, [(annotator_a, task, fixed), (annotator_b, task, kept)])
    rows = _rows(client_for(manager), trio)
    # us deleted, station -> nation, please inserted: 3 errors over the 8 submitted words
    assert rows["annotator_a"]["wer"] == {"words": {"substitutions": 1, "deletions": 1, "insertions": 1,
                                                    "reference_words": 8, "wer": 3 / 8, "annotations": 1}}
    assert rows["annotator_b"]["wer"]["words"]["wer"] == 0.0
    assert rows["annotator_c"]["wer"] == {}
    browser = Client()
    browser.force_login(manager)
    html = browser.get(f"/projects/{trio.pk}/quality/").content.decode()
    assert 'data-testid="prelabel-wer"' in html and "(substitutions + deletions + insertions)" in html
    assert "<tr><td>annotator_a</td><td>words</td><td>0.375</td><td>1</td><td>1</td><td>1</td><td>8</td><td>1</td></tr>" in html
