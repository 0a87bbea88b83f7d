"""Checks of the database after (and during) the load: nothing acknowledged lost, overlap never exceeded."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from annotators import Ack, result_hash


@dataclass
class Verdict:
    acks_checked: int = 0
    lost: list[str] = field(default_factory=list)
    final_version_mismatch: list[str] = field(default_factory=list)
    over_overlap: list[str] = field(default_factory=list)
    counter_drift: list[str] = field(default_factory=list)
    committed_unacknowledged: int = 0


def over_overlap() -> list[str]:
    """Tasks holding more active + submitted assignments than their overlap (should never happen)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT t.id, t.target_count, count(a.id) FROM annotation_task t
               JOIN annotation_assignment a ON a.task_id = t.id AND a.status IN ('active', 'submitted')
               GROUP BY t.id, t.target_count HAVING count(a.id) > t.target_count"""
        )
        return [f"task {tid}: {n} assignments > overlap {k}" for tid, k, n in cursor.fetchall()]


def verify(acks: Iterable[Ack]) -> Verdict:
    """Every acknowledged change has its immutable revision with that version and that result."""
    from django.db import connection

    from annotation.models import Annotation
    from annotation.selectors_revisions import revision_history

    verdict = Verdict()
    acks = list(acks)
    by_annotation: dict[int, int] = {}
    wanted: dict[tuple[int, int], Ack] = {}
    for ack in acks:
        wanted[(ack.annotation, ack.version)] = ack
        by_annotation[ack.annotation] = max(by_annotation.get(ack.annotation, 0), ack.version)
    stored: dict[tuple[int, int], tuple[Any, str]] = {}
    ids = sorted(by_annotation)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for aid, version, result, status in revision_history(chunk):  # revisions are stored as deltas
            stored[(aid, version)] = (result, status)
    for key, ack in wanted.items():
        verdict.acks_checked += 1
        row = stored.get(key)
        if row is None:
            verdict.lost.append(f"{ack.op} annotation {ack.annotation} v{ack.version}: no revision")
        elif result_hash(row[0]) != ack.digest:
            verdict.lost.append(f"{ack.op} annotation {ack.annotation} v{ack.version}: revision holds another result")
        elif ack.op == "submit" and row[1] != "submitted":
            verdict.lost.append(f"submit annotation {ack.annotation} v{ack.version}: revision status {row[1]}")
    finals = dict(Annotation.objects.filter(pk__in=ids).values_list("pk", "version"))
    for aid, version in by_annotation.items():
        stored_version = finals.get(aid)
        if stored_version is None or stored_version < version:
            verdict.final_version_mismatch.append(f"annotation {aid}: stored v{stored_version}, last acknowledged v{version}")
        elif stored_version > version:
            verdict.committed_unacknowledged += 1  # a save whose answer was lost (an outage) but which was kept
    verdict.over_overlap = over_overlap()
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT t.id, t.submitted_count, count(n.id) FROM annotation_task t
               LEFT JOIN annotation_annotation n ON n.task_id = t.id AND n.kind = 'human' AND n.status = 'submitted'
               GROUP BY t.id, t.submitted_count HAVING count(n.id) <> t.submitted_count"""
        )
        verdict.counter_drift = [f"task {tid}: submitted_count {c} but {n} submitted" for tid, c, n in cursor.fetchall()]
    return verdict
