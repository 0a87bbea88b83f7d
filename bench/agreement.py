"""Agreement reporting throughput: per-task reports plus project aggregation, gamma off.

Generates a project of TASKS tasks, each with ANNOTATORS annotators drawing REGIONS segments on one
segment track of a 60 s item (annotators jitter boundaries and occasionally relabel or skip), then
times the reports of all tasks in one batch (`task_reports`) and project_report over them in one
process. Prints one table (wall seconds, and CPU seconds of this process, which other load on the
machine inflates far less).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.metrics import AgreementParams, project_report, task_reports

TASKS = 10_000
ANNOTATORS = 3
REGIONS = 50
DURATION_MS = 60_000
LABELS = ["speech", "music", "noise", "laugh", "silence"]
#: The published defaults (IoU 0.5, 10 ms ticks), gamma off.
PARAMS = AgreementParams()
SCHEMA: dict[str, Any] = {"tracks": [{"name": "audio", "kind": "segment", "labels": [{"value": v} for v in LABELS]}]}


def make_task(rng: np.random.Generator) -> dict[str, Any]:
    """One task: a hidden truth of REGIONS segments and ANNOTATORS noisy copies of it."""
    slot = DURATION_MS // REGIONS
    starts = np.arange(REGIONS) * slot + rng.integers(0, slot // 4, REGIONS)
    ends = starts + rng.integers(slot // 2, slot - slot // 4, REGIONS)
    labels = rng.integers(0, len(LABELS), REGIONS)
    results = {}
    for a in range(ANNOTATORS):
        jitter = rng.integers(-60, 61, (2, REGIONS))
        relabel = rng.random(REGIONS) < 0.05
        keep = rng.random(REGIONS) >= 0.03
        lab = np.where(relabel, rng.integers(0, len(LABELS), REGIONS), labels)
        s = (starts + jitter[0]).clip(0).tolist()
        e = (ends + jitter[1]).tolist()
        regions = [
            {"id": f"r{i}", "track": "audio", "label": LABELS[lab[i]], "start_ms": s[i], "end_ms": e[i]}
            for i in range(REGIONS) if keep[i]
        ]
        results[f"ann_{a}"] = {"regions": regions}
    return results


def main() -> None:
    rng = np.random.default_rng(7)
    tasks = [make_task(rng) for _ in range(TASKS)]
    # A warm-up on a few tasks first, so that what is timed is the reports, not the first call's
    # one-off work (numpy loads numpy.ma on its first quantile, whose new objects then start a
    # collection over every live report).
    project_report(task_reports(SCHEMA, tasks[:10], durations=[DURATION_MS] * 10, params=PARAMS))
    t0, c0 = time.perf_counter(), time.process_time()
    reports = task_reports(SCHEMA, tasks, durations=[DURATION_MS] * len(tasks), params=PARAMS)
    project = project_report(reports)
    serial, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert project["tasks"] == TASKS
    print(f"{'tasks':>8} {'annotators':>10} {'regions':>8} {'seconds':>8} {'cpu s':>7} {'tasks/s':>9}")
    print(f"{TASKS:>8} {ANNOTATORS:>10} {REGIONS:>8} {serial:>8.2f} {cpu:>7.2f} {TASKS / serial:>9.0f}")


if __name__ == "__main__":
    main()
