"""The settings an agreement report is measured with, in one typed value.

Every threshold that decides whether two annotations agree lives here with its default, so a
report, the project aggregate, the Celery task and the benchmarks all read the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AgreementParams:
    """Thresholds and switches of `qa.metrics.report.task_report`.

    The defaults are the project's published rule; ints stay ints so that a stored report's JSON
    reads the same whichever way the parameters were given.
    """

    #: Width of one time slice of the segment timeline: time-sliced alpha counts slices, so
    #: 10 ms is finer than any boundary an annotator places by ear or by eye.
    tick_ms: float = 10
    #: Two segments may be matched when their interval IoU reaches this (and is above zero).
    iou: float = 0.5
    #: Two points may be matched when they lie at most this far apart.
    tolerance_ms: float = 100
    #: Two boxes in the same frame may be matched when their IoU reaches this.
    box_iou: float = 0.5
    #: Mathet's gamma on segment tracks: slow (a sampled chance distribution), so off by default.
    gamma: bool = False
    #: Seed of gamma's chance sampling, so the same annotations give the same figure.
    gamma_seed: int = 0
    #: Which figure is the task's and each pair's "score" (one of `qa.metrics.measures.MEASURES`).
    measure: str = "score"
