"""Agreement on a task with known disagreements: stored report, project report, queue and CSV."""

from __future__ import annotations

import csv
import io

import pytest

from annotation.models import Annotation, Task
from qa.metrics import AgreementParams, project_report, task_report
from qa.models import ReviewItem, TaskAgreement
from qa.services.agreement import measure_value
from tests.qa.conftest import DURATION_MS, REFERENCE, SHIFTED, SWAPPED, result_of

pytestmark = pytest.mark.django_db


def _expected_report(project) -> dict:
    versions = {"annotator_a": result_of(REFERENCE), "annotator_b": result_of(SHIFTED), "annotator_c": result_of(SWAPPED)}
    return task_report(project.schema, versions, duration_ms=float(DURATION_MS), texts={"transcript": "Alice met Bob in Paris."},
                       params=AgreementParams(measure=project.agreement_measure))


def test_a_completed_task_stores_the_report_of_its_submitted_annotations(disputed, trio) -> None:
    stored = TaskAgreement.objects.get(task=disputed)
    expected = _expected_report(trio)
    assert stored.report == expected
    assert stored.measure == "time_sliced_alpha"
    assert stored.score == expected["tracks"]["speech"]["alpha"]
    assert disputed.agreement == stored.score
    pairs = {(p["a"], p["b"]): p for p in stored.report["tracks"]["speech"]["pairs"]}
    assert pairs[("annotator_a", "annotator_b")]["onset_error_ms"] == 200.0
    assert pairs[("annotator_a", "annotator_b")]["offset_error_ms"] == 200.0
    assert pairs[("annotator_a", "annotator_b")]["f1"] == 1.0
    assert pairs[("annotator_a", "annotator_c")]["onset_error_ms"] == 0.0
    assert pairs[("annotator_b", "annotator_c")]["onset_error_ms"] == 200.0
    assert pairs[("annotator_a", "annotator_c")]["confusion"]["swapped"] == 2
    assert pairs[("annotator_a", "annotator_c")]["confusion"]["matrix"] == {"speech": {"music": 1, "speech": 1},
                                                                           "music": {"speech": 1}}


def test_a_disagreeing_task_enters_the_queue_naming_the_swapped_labels(disputed, trio) -> None:
    assert disputed.status == "review"
    item = ReviewItem.objects.get(task=disputed)
    assert item.state == "queued"
    score = TaskAgreement.objects.get(task=disputed).score
    assert score < trio.agreement_threshold
    assert item.reasons == [
        {"kind": "low_agreement", "measure": "time_sliced_alpha", "value": score, "threshold": trio.agreement_threshold},
        {"kind": "conflict", "count": 8, "label_conflicts": 4},
    ]
    label_conflicts = [c for c in item.conflicts if c["kind"] == "label"]
    assert label_conflicts == [
        {"track": "speech", "start_ms": 1000, "end_ms": 1200, "kind": "label", "annotators": ["annotator_a", "annotator_c"],
         "labels": {"annotator_a": "speech", "annotator_b": None, "annotator_c": "music"}},
        {"track": "speech", "start_ms": 1200, "end_ms": 5000, "kind": "label",
         "annotators": ["annotator_a", "annotator_b", "annotator_c"],
         "labels": {"annotator_a": "speech", "annotator_b": "speech", "annotator_c": "music"}},
        {"track": "speech", "start_ms": 6000, "end_ms": 6200, "kind": "label", "annotators": ["annotator_a", "annotator_c"],
         "labels": {"annotator_a": "music", "annotator_b": None, "annotator_c": "speech"}},
        {"track": "speech", "start_ms": 6200, "end_ms": 9000, "kind": "label",
         "annotators": ["annotator_a", "annotator_b", "annotator_c"],
         "labels": {"annotator_a": "music", "annotator_b": "music", "annotator_c": "speech"}},
    ]
    missing = [(c["start_ms"], c["end_ms"]) for c in item.conflicts if c["kind"] == "missing"]
    assert missing == [(5000, 5200), (9000, 9200), (10000, 10200), (14000, 14200)]
    assert not Annotation.objects.filter(task=disputed, kind="gold").exists()


def test_an_agreeing_task_gets_automatic_gold_with_median_boundaries(
        trio, make_items, annotate, eager, annotator_a, annotator_b, annotator_c) -> None:
    (task,) = make_items(trio, 1, duration_ms=DURATION_MS)
    annotate(trio, [
        (annotator_a, task, result_of([(1000, 5000, "speech")], attributes={"speaker": "A"})),
        (annotator_b, task, result_of([(1100, 5300, "speech")], attributes={"speaker": "A"})),
        (annotator_c, task, result_of([(1050, 4900, "speech")], attributes={"speaker": "A"})),
    ])
    task.refresh_from_db()
    assert task.status == "gold"
    assert task.agreement >= trio.agreement_threshold
    gold = Annotation.objects.get(task=task, kind="gold")
    assert gold.automatic is True
    assert gold.annotator is None
    assert gold.result == {"regions": [{"id": "speech-1", "track": "speech", "label": "speech", "start_ms": 1050,
                                        "end_ms": 5000, "attributes": {"speaker": "A"}}]}
    assert list(gold.revisions.values_list("version", flat=True)) == [1]
    assert not ReviewItem.objects.filter(task=task).exists()


def test_with_merge_rule_review_even_an_agreeing_task_goes_to_a_person(
        trio, make_items, annotate, eager, annotator_a, annotator_b, annotator_c) -> None:
    trio.merge_rule = "review"
    trio.save(update_fields=["merge_rule"])
    (task,) = make_items(trio, 1, duration_ms=DURATION_MS)
    annotate(trio, [(user, task, result_of([(1000, 5000, "speech")])) for user in (annotator_a, annotator_b, annotator_c)])
    task.refresh_from_db()
    assert task.status == "review"
    assert ReviewItem.objects.get(task=task).reasons == [{"kind": "review_all"}]
    assert not Annotation.objects.filter(task=task, kind="gold").exists()


def test_merge_rule_unanimous_keeps_only_regions_every_annotator_drew(
        trio, make_items, annotate, eager, annotator_a, annotator_b, annotator_c) -> None:
    trio.merge_rule = "unanimous"
    trio.agreement_threshold = -1.0  # route on the merge rule alone
    trio.save(update_fields=["merge_rule", "agreement_threshold"])
    (task,) = make_items(trio, 1, duration_ms=DURATION_MS)
    both = [(1000, 5000, "speech"), (8000, 9000, "music")]
    annotate(trio, [(annotator_a, task, result_of(both)), (annotator_b, task, result_of(both)),
                    (annotator_c, task, result_of(both[:1]))])
    gold = Annotation.objects.get(task=task, kind="gold")
    assert [(r["start_ms"], r["end_ms"], r["label"]) for r in gold.result["regions"]] == [(1000, 5000, "speech")]


def test_recomputing_a_task_is_idempotent(disputed) -> None:
    from qa.tasks import compute_task_agreement

    before = TaskAgreement.objects.get(task=disputed)
    assert compute_task_agreement(disputed.pk) == "skipped"
    after = TaskAgreement.objects.get(task=disputed)
    assert (after.pk, after.score, after.report) == (before.pk, before.score, before.report)
    assert ReviewItem.objects.filter(task=disputed).count() == 1


def test_the_task_agreement_endpoint_returns_the_stored_report_or_computes_it(disputed, reviewer, client_for) -> None:
    client = client_for(reviewer)
    body = client.get(f"/api/tasks/{disputed.pk}/agreement/").json()
    stored = TaskAgreement.objects.get(task=disputed)
    assert (body["task"], body["score"], body["measure"], body["report"]) == (disputed.pk, stored.score,
                                                                              "time_sliced_alpha", stored.report)
    TaskAgreement.objects.filter(task=disputed).delete()
    again = client.get(f"/api/tasks/{disputed.pk}/agreement/")
    assert again.status_code == 200
    assert again.json()["report"] == stored.report
    assert TaskAgreement.objects.filter(task=disputed).count() == 1


def test_the_project_report_shows_the_shifter_and_the_swapper(disputed, trio, manager, client_for) -> None:
    body = client_for(manager).get(f"/api/projects/{trio.pk}/agreement/").json()
    expected = project_report([_expected_report(trio)])
    for key in ("tasks", "score", "annotators", "pairs", "tracks"):
        assert body[key] == expected[key]
    onset = body["tracks"]["speech"]["onset_error_ms"]
    assert onset["annotators"] == ["annotator_a", "annotator_b", "annotator_c"]
    assert onset["mean"] == [[None, 200.0, 0.0], [200.0, None, 200.0], [0.0, 200.0, None]]
    assert body["tracks"]["speech"]["confusion"]["annotator_a|annotator_c"] == {"speech": {"music": 1, "speech": 1},
                                                                                "music": {"speech": 1}}
    assert body["timing"]["onset_error_ms"]["counts"][0] == 1  # the a|c pair: 0 ms
    assert body["timing"]["onset_error_ms"]["counts"][4] == 2  # a|b and b|c: 200 ms, in the 200-250 bin
    assert body["queue"] == {"queued": 1}
    assert body["measure"]["distribution"]["n"] == 1


def test_the_project_csv_has_one_row_per_task_with_track_scores(disputed, trio, reviewer, client_for) -> None:
    response = client_for(reviewer).get(f"/api/projects/{trio.pk}/agreement/?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    tracks = [t["name"] for t in trio.schema["tracks"]]
    assert rows[0] == ["task_id", "external_id", "measure", "score", *tracks]
    stored = TaskAgreement.objects.get(task=disputed)
    assert len(rows) == 2
    assert rows[1][:3] == [str(disputed.pk), "item-0", "time_sliced_alpha"]
    assert float(rows[1][3]) == pytest.approx(stored.score, rel=1e-5)
    assert float(rows[1][4]) == pytest.approx(stored.report["tracks"]["speech"]["score"], rel=1e-5)



def test_the_project_csv_neutralizes_an_external_id_a_spreadsheet_would_run(disputed, trio, reviewer, client_for) -> None:
    from datasets.models import Item

    Item.objects.filter(pk=disputed.item_id).update(external_id='=HYPERLINK("http://evil.example","x")')
    response = client_for(reviewer).get(f"/api/projects/{trio.pk}/agreement/?format=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1][1] == '\'=HYPERLINK("http://evil.example","x")'

def test_the_measure_value_follows_the_project_setting(disputed) -> None:
    report = TaskAgreement.objects.get(task=disputed).report
    f1s = [p["f1"] for p in report["tracks"]["speech"]["pairs"]]
    assert measure_value(report, "segment_f1") == sum(f1s) / len(f1s)
    track_scores = [t["score"] for t in report["tracks"].values() if t["score"] is not None]
    assert measure_value(report, "score") == sum(track_scores) / len(track_scores)
    assert measure_value(report, "time_sliced_alpha") == report["score"] == report["tracks"]["speech"]["alpha"]
    assert Task.objects.get(pk=disputed.pk).agreement == report["tracks"]["speech"]["alpha"]


def test_the_project_report_reads_stored_reports_in_a_fixed_number_of_queries(
        disputed, trio, make_items, manager, client_for) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(manager)
    client.get(f"/api/projects/{trio.pk}/agreement/")  # the caller's role is cached from here on
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/api/projects/{trio.pk}/agreement/").json()["tasks"] == 1
    stored = TaskAgreement.objects.get(task=disputed)
    more = make_items(trio, 30)
    TaskAgreement.objects.bulk_create([TaskAgreement(task=t, score=stored.score, measure=stored.measure, report=stored.report,
                                                     track_scores=stored.track_scores, pairs=stored.pairs) for t in more])
    with CaptureQueriesContext(connection) as many:
        body = client.get(f"/api/projects/{trio.pk}/agreement/").json()
    assert body["tasks"] == 31
    assert body["tracks"]["speech"]["onset_error_ms"]["n"][0][1] == 31
    assert len(many) == len(few)
