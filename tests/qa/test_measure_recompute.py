"""Changing a project's agreement measure recomputes every stored agreement in the new measure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

import qa.tasks
from annotation.models import Project, Task
from annotation.services.projects import project_update
from qa.models import ReviewItem, TaskAgreement
from qa.services.agreement import agreement_compute, agreement_store_many, tasks_with_submissions
from qa.tasks import recompute_project, recompute_project_agreement

pytestmark = pytest.mark.django_db


def _speech(*segments: tuple[int, int, str]) -> dict[str, Any]:
    return {"regions": [{"id": f"s{i}", "track": "speech", "label": lab, "start_ms": s, "end_ms": e}
                        for i, (s, e, lab) in enumerate(segments)]}


# Per task, annotator_a's and annotator_b's speech segments, and the segment F1 of the pair:
# one of two segments matched (the second has another label), both matched, none overlapping.
PLAN = [
    (_speech((1000, 5000, "speech"), (6000, 9000, "music")),
     _speech((1000, 5000, "speech"), (6000, 9000, "speech")), 0.5),
    (_speech((0, 4000, "music"), (5000, 9000, "speech")),
     _speech((0, 4000, "music"), (5000, 9000, "speech")), 1.0),
    (_speech((0, 4000, "music")), _speech((5000, 9000, "speech")), 0.0),
]


def _rows() -> dict[int, tuple[Any, ...]]:
    return {r.task_id: (r.score, r.measure, r.report, r.track_scores, r.pairs)
            for r in TaskAgreement.objects.order_by("task_id")}


def _agreements(project: Project) -> dict[int, float | None]:
    return dict(Task.objects.filter(project=project).order_by("id").values_list("id", "agreement"))


@pytest.fixture
def judged(project: Project, make_items: Callable[..., list[Task]], annotate: Callable[..., None], eager: None,
           annotator_a: User, annotator_b: User) -> list[Task]:
    """Three tasks both annotators submitted (judged by time-sliced alpha), a fourth nobody touched."""
    tasks = make_items(project, len(PLAN) + 1, duration_ms=10_000)
    plan = []
    for task, (a, b, _) in zip(tasks, PLAN):
        plan += [(annotator_a, task, a), (annotator_b, task, b)]
    annotate(project, plan)
    return tasks


def test_a_new_measure_recomputes_every_judged_task_as_the_single_task_path_would(
        judged, project, manager, client_for, django_capture_on_commit_callbacks) -> None:
    before = _agreements(project)
    assert before[judged[0].pk] != 0.5  # time-sliced alpha of the first task is another number
    assert TaskAgreement.objects.filter(measure="time_sliced_alpha").count() == len(PLAN)
    with django_capture_on_commit_callbacks(execute=True):
        changed = client_for(manager).patch(f"/api/projects/{project.pk}/", {"agreement_measure": "segment_f1"},
                                            format="json")
    assert changed.status_code == 200, changed.content
    after = _agreements(project)
    assert [after[t.pk] for t in judged[:len(PLAN)]] == [f1 for _, _, f1 in PLAN]
    assert after[judged[-1].pk] is None and before[judged[-1].pk] is None
    assert not TaskAgreement.objects.filter(task=judged[-1]).exists()  # no submitted work: untouched
    recomputed = _rows()
    assert {m for _, m, *_ in recomputed.values()} == {"segment_f1"}
    for task in judged[:len(PLAN)]:
        agreement_compute(Task.objects.select_related("project", "item").get(pk=task.pk))
    assert _rows() == recomputed
    assert _agreements(project) == after


def test_the_same_measure_enqueues_nothing(judged, project, manager, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        project_update(project=project, user=manager, data={"agreement_measure": "time_sliced_alpha", "overlap": 2})
    assert callbacks == []
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        project_update(project=project, user=manager, data={"agreement_measure": "score"})
    assert len(callbacks) == 1


def test_chunks_of_two_store_the_same_rows_and_twice_is_the_same(judged, project, monkeypatch) -> None:
    Project.objects.filter(pk=project.pk).update(agreement_measure="segment_f1")
    assert recompute_project(project.pk, chunk=1000) == len(PLAN)
    whole = _rows()
    TaskAgreement.objects.all().delete()
    Task.objects.filter(project=project).update(agreement=None)
    monkeypatch.setattr(qa.tasks, "RECOMPUTE_CHUNK", 2)
    assert recompute_project_agreement(project.pk) == f"recomputed {len(PLAN)}"
    assert _rows() == whole
    assert recompute_project(project.pk, chunk=2) == len(PLAN)
    assert _rows() == whole
    assert list(_agreements(project).values()) == [f1 for *_, f1 in PLAN] + [None]


def test_a_recomputed_task_not_yet_routed_is_routed_by_the_new_measure(
        judged, project, manager, django_capture_on_commit_callbacks) -> None:
    task = judged[0]
    # As if its first computation never ran: complete, no report, not in the queue.
    ReviewItem.objects.filter(task=task).delete()
    TaskAgreement.objects.filter(task=task).delete()
    Task.objects.filter(pk=task.pk).update(status="complete", agreement=None)
    with django_capture_on_commit_callbacks(execute=True):
        project_update(project=project, user=manager, data={"agreement_measure": "segment_f1"})
    task.refresh_from_db()
    assert task.status == "review"
    item = ReviewItem.objects.get(task=task)
    assert item.reasons[0] == {"kind": "low_agreement", "measure": "segment_f1", "value": 0.5,
                               "threshold": project.agreement_threshold}


def test_the_portable_store_writes_the_same_rows(judged, project) -> None:
    Project.objects.filter(pk=project.pk).update(agreement_measure="segment_f1")
    project.refresh_from_db()
    ids = tasks_with_submissions(project.pk, 0, 1000)
    agreement_store_many(project, ids, portable=False)
    fast = (_rows(), _agreements(project))
    TaskAgreement.objects.all().delete()
    Task.objects.filter(project=project).update(agreement=None)
    agreement_store_many(project, ids, portable=True)
    assert (_rows(), _agreements(project)) == fast
    assert fast[0][ids[0]][0] == 0.5


def test_an_unknown_measure_is_refused_naming_the_field_and_nothing_is_recomputed(
        project, manager, client_for, django_capture_on_commit_callbacks, monkeypatch) -> None:
    sent: list[int] = []
    monkeypatch.setattr(qa.tasks.recompute_project_agreement, "delay", lambda pk: sent.append(pk))
    with django_capture_on_commit_callbacks(execute=True):
        refused = client_for(manager).patch(f"/api/projects/{project.pk}/", {"agreement_measure": "kappa"},
                                            format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"agreement_measure": ['"kappa" is not a valid choice.']}
    project.refresh_from_db()
    assert (project.agreement_measure, sent) == ("time_sliced_alpha", [])


def test_the_projects_measure_choices_are_the_metrics_measures() -> None:
    from qa.metrics.measures import LABELS, MEASURES

    field = Project._meta.get_field("agreement_measure")
    assert [(name, label) for name, label in field.choices] == [(m, LABELS[m]) for m in MEASURES]
