"""Export records are read chunk by chunk: the same records whatever the chunk size and however the
selected tasks lie in the id space (no gaps, a few gaps, far apart), timestamps as `_iso` writes them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User

from annotation.models import Annotation, Prediction, Project, Task
from annotation.selectors_exports import _iso, export_records

pytestmark = pytest.mark.django_db

N = 24
WHEN = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
#: Microseconds of each annotation's timestamp, cycled: milliseconds are cut, never rounded.
MICROS = (0, 999, 1000, 500_499, 999_999)


def _status(n: int) -> str:
    """Every sixth task gold (far apart), every other one in review (a few gaps), the rest open."""
    return "gold" if n % 6 == 0 else "review" if n % 2 == 0 else "open"


def _regions(n: int) -> list[dict[str, Any]]:
    return [{"id": f"p{n}", "track": "events", "label": "clap", "time_ms": n * 10},
            {"id": f"s{n}", "track": "speech", "label": "speech", "start_ms": n, "end_ms": n + 5,
             "attributes": {"speaker": "AB"[n % 2]}}][: 1 + n % 2]


@pytest.fixture
def spread(project: Project, make_items: Any, annotator_a: User, annotator_b: User) -> list[Task]:
    """N text items; task n has a submitted annotation by a or b, a draft on every fourth, gold on
    every third and a model suggestion on every fifth, each stamped with a known time."""
    tasks = make_items(project, N)
    people = [annotator_a, annotator_b]
    for n, task in enumerate(tasks):
        Task.objects.filter(pk=task.pk).update(status=_status(n))
        Annotation.objects.create(task=task, annotator=people[n % 2], kind="human", status="submitted",
                                  result={"regions": _regions(n)})
        if n % 4 == 0:
            Annotation.objects.create(task=task, annotator=people[(n + 1) % 2], kind="human", status="draft",
                                      result={"regions": _regions(n + 1)})
        if n % 3 == 0:
            Annotation.objects.create(task=task, annotator=None, kind="gold", status="submitted",
                                      result={"regions": _regions(n)[:1]})
        if n % 5 == 0:
            Prediction.objects.create(task=task, model="m", model_version="1", result={"regions": _regions(n + 2)})
        Annotation.objects.filter(task=task).update(updated_at=WHEN.replace(microsecond=MICROS[n % len(MICROS)]))
        Prediction.objects.filter(task=task).update(updated_at=WHEN + dt.timedelta(days=1))
    return tasks


def _expected(n: int, include: str) -> list[tuple[str, str | None, list[dict[str, Any]], str]]:
    """(kind, annotator, regions, updated_at) of task n's exported annotations, in order."""
    stamp = WHEN.replace(microsecond=MICROS[n % len(MICROS)])
    out: list[tuple[str, str | None, list[dict[str, Any]], str]] = []
    if include != "gold":
        out.append(("human", ["annotator_a", "annotator_b"][n % 2], _regions(n), _iso(stamp) or ""))
    if n % 3 == 0:
        out.append(("gold", None, _regions(n)[:1], _iso(stamp) or ""))
    if include == "all" and n % 5 == 0:
        out.append(("prediction", "m", _regions(n + 2), "2026-01-03T03:04:05.000Z"))
    return out


@pytest.mark.parametrize("statuses", [None, ["gold", "review"], ["gold"]], ids=["no-gaps", "few-gaps", "far-apart"])
@pytest.mark.parametrize("include", ["gold", "submitted", "all"])
def test_records_are_the_same_for_every_chunk_size(spread: list[Task], statuses: list[str] | None,
                                                   include: str) -> None:
    project = spread[0].project
    params = {"include": include, "filters": {"status": statuses} if statuses else {}}
    chosen = [n for n in range(N) if statuses is None or _status(n) in statuses]
    for chunk_size in (1, 5, 1000):
        records = list(export_records(project, params, chunk_size=chunk_size))
        assert [r["external_id"] for r in records] == [f"item-{n}" for n in chosen], chunk_size
        got = [[(a["kind"], a["annotator"], a["regions"], a["updated_at"]) for a in r["annotations"]] for r in records]
        assert got == [_expected(n, include) for n in chosen], chunk_size
        assert all(r["texts"] == {"transcript": "Alice met Bob in Paris."} for r in records)
        assert all([s["role"] for s in r["streams"]] == ["transcript"] for r in records)


def test_timestamps_cut_to_milliseconds_in_utc(spread: list[Task]) -> None:
    records = list(export_records(spread[0].project, {"include": "submitted", "filters": {}}))
    assert [r["annotations"][0]["updated_at"] for r in records[:5]] == [
        "2026-01-02T03:04:05.000Z", "2026-01-02T03:04:05.000Z", "2026-01-02T03:04:05.001Z",
        "2026-01-02T03:04:05.500Z", "2026-01-02T03:04:05.999Z"]
