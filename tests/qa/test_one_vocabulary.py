"""One measure, one number: the task, its stored report and its annotator pair agree, and every
page names the measure; a conflict count is the length of the conflict list everywhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from annotation.models import Project, Task
from annotation.services.projects import project_update
from qa.models import ReviewItem, TaskAgreement

pytestmark = pytest.mark.django_db


def _page(user: User, path: str) -> str:
    client = Client()
    client.force_login(user)
    return client.get(path).content.decode()


def _regions(speech: list[tuple[int, int, str]], claps: list[int], people: list[tuple[int, int]]) -> dict[str, Any]:
    regions: list[dict[str, Any]] = [
        {"id": f"s{i}", "track": "speech", "label": lab, "start_ms": s, "end_ms": e} for i, (s, e, lab) in enumerate(speech)]
    regions += [{"id": f"c{i}", "track": "events", "label": "clap", "time_ms": t} for i, t in enumerate(claps)]
    regions += [{"id": f"p{i}", "track": "entities", "label": "PER", "start_char": s, "end_char": e}
                for i, (s, e) in enumerate(people)]
    return {"regions": regions}


# Per task: annotator_a's and annotator_b's results (speech segments, claps, PER spans of
# "Alice met Bob in Paris.").
PLAN = [
    (_regions([(1000, 5000, "speech"), (6000, 9000, "music")], [2000], [(0, 5)]),
     _regions([(1200, 5000, "speech"), (6000, 9000, "speech")], [2050, 7000], [(0, 5), (10, 13)])),
    (_regions([(0, 4000, "music"), (5000, 9000, "speech")], [1000, 3000], [(10, 13)]),
     _regions([(0, 4000, "music"), (5500, 9000, "speech")], [1000], [(10, 13)])),
    (_regions([(2000, 8000, "speech")], [], [(0, 5), (17, 22)]),
     _regions([(2000, 3000, "music"), (3000, 8000, "speech")], [500], [(0, 5)])),
]


@pytest.fixture
def scored(project: Project, manager: User, make_items: Callable[..., list[Task]], annotate: Callable[..., None],
           eager: None, annotator_a: User, annotator_b: User, request: pytest.FixtureRequest) -> list[Task]:
    project_update(project=project, user=manager, data={"agreement_measure": request.param})
    tasks = make_items(project, len(PLAN), duration_ms=10_000)
    plan = []
    for task, (a, b) in zip(tasks, PLAN):
        plan += [(annotator_a, task, a), (annotator_b, task, b)]
    annotate(project, plan)
    return [Task.objects.get(pk=t.pk) for t in tasks]


@pytest.mark.parametrize("scored", ["time_sliced_alpha", "segment_f1", "score"], indirect=True)
def test_task_report_and_pair_show_the_same_figure(scored, project, manager, client_for) -> None:
    figures = []
    for task in scored:
        stored = TaskAgreement.objects.get(task=task)
        assert stored.measure == project.agreement_measure
        ((pair),) = stored.pairs
        assert (pair["a"], pair["b"]) == ("annotator_a", "annotator_b")
        # The task figure, the report's per-task figure and the pair figure are one number.
        assert task.agreement is not None
        assert stored.score == task.agreement
        assert stored.report["score"] == task.agreement
        assert stored.report["measure"] == project.agreement_measure
        assert pair["score"] == task.agreement
        figures.append(task.agreement)
    assert len(set(figures)) == 3  # three different tasks, so the equalities above are not vacuous
    rows = {r["annotator"]: r for r in client_for(manager).get(f"/api/projects/{project.pk}/annotators/").json()["results"]}
    assert rows["annotator_a"]["peers"]["by_peer"] == {"annotator_b": sum(figures) / 3}
    body = client_for(manager).get(f"/api/projects/{project.pk}/agreement/").json()
    assert body["pairs"]["mean"][0][1] == pytest.approx(sum(figures) / 3, abs=1e-12)
    assert body["score"]["mean"] == pytest.approx(sum(figures) / 3, abs=1e-12)


@pytest.mark.parametrize("scored", ["time_sliced_alpha"], indirect=True)
def test_the_quality_page_names_the_measure_of_every_figure(scored, project, manager) -> None:
    html = _page(manager, f"/projects/{project.pk}/quality/")
    assert 'Task agreement: time-sliced alpha, one value per task' in html
    assert 'Annotator × annotator: time-sliced alpha per pair, mean over tasks' in html
    assert 'agreement with peers (time-sliced alpha per pair, mean over tasks)' in html
    assert 'segment F1 against gold (pooled over adjudicated tasks)' in html


def test_a_conflict_count_is_the_length_of_the_conflict_list_everywhere(disputed, trio, reviewer, client_for) -> None:
    client = client_for(reviewer)
    item = ReviewItem.objects.get(task=disputed)
    detail = client.get(f"/api/review-items/{item.pk}/").json()
    row = client.get(f"/api/projects/{trio.pk}/review-queue/").json()["results"][0]
    reason = next(r for r in row["reasons"] if r["kind"] == "conflict")
    assert len(detail["conflicts"]) == 8
    assert row["conflict_count"] == reason["count"] == detail["conflict_count"] == 8
    assert reason["label_conflicts"] == 4
    assert detail["agreement_measure"] == "time_sliced_alpha"
    assert detail["agreement_measure_label"] == "time-sliced alpha"
    html = _page(reviewer, f"/projects/{trio.pk}/quality/")
    assert "conflict ×8" in html
    assert "conflict ×4" not in html
