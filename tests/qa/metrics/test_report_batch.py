"""Many task reports at once (`task_reports`) against one task at a time and against known answers."""

import json
from typing import Any

import numpy as np
import pytest

from qa.metrics import (
    AgreementParams,
    project,
    project_report,
    segment_f1,
    segments,
    task_report,
    task_reports,
    time_sliced_alpha,
)

SCHEMA = {"tracks": [
    {"name": "audio", "kind": "segment", "labels": [{"value": "speech"}, {"value": "music"}, {"value": "noise"}]},
    {"name": "mood", "kind": "segment", "labels": [{"value": "calm"}, {"value": "tense"}]},
    {"name": "free", "kind": "segment"},
    {"name": "events", "kind": "point", "labels": [{"value": "clap"}]},
    {"name": "words", "kind": "transcript"},
    {"name": "links", "kind": "relation", "labels": [{"value": "refers_to"}]},
]}
LABELS: dict[str, list[Any]] = {"audio": ["speech", "music", "noise", "cough"], "mood": ["calm", "tense"], "free": ["x", "y", None]}


def _segments(rng: np.random.Generator, track: str, mode: str) -> list[dict]:
    """Noisy copies of a random truth: jitter, relabels, drops; some annotators overlap themselves."""
    labels = LABELS[track]
    out = []
    for i, s in enumerate(np.sort(rng.integers(0, 24_000, int(rng.integers(0, 12)))).tolist()):
        if rng.random() < 0.1:
            continue
        e = s + int(rng.integers(100, 3000))
        if mode == "float":
            s, e = s + float(rng.normal(0, 80)), e + float(rng.normal(0, 80))
        lab = labels[int(rng.integers(0, len(labels)))]
        out.append({"id": f"{track}{i}", "track": track, "label": lab, "start_ms": s, "end_ms": e})
    if mode == "overlap":
        for k in range(3):
            s = int(rng.integers(0, 20_000))
            out.append({"id": f"o{k}", "track": track, "label": labels[0], "start_ms": s, "end_ms": s + 4000})
    if rng.random() < 0.3:
        rng.shuffle(out)  # type: ignore[arg-type]
    return out


def _task(rng: np.random.Generator) -> tuple[dict, float | None]:
    annotations: dict = {}
    mode = str(rng.choice(["int", "float", "overlap"]))
    for a in range(int(rng.choice([0, 1, 2, 3, 3, 4]))):
        if rng.random() < 0.1:
            annotations[f"u{a}"] = {"regions": []}
            continue
        regions = [r for track in LABELS for r in _segments(rng, track, mode)]
        regions.append({"id": "p", "track": "events", "label": "clap", "time_ms": int(rng.integers(0, 3000))})
        regions.append({"id": "w", "track": "words", "start_ms": 0, "end_ms": 900, "text": "hello there"})
        regions.append({"id": "q", "track": "elsewhere", "label": "?", "start_ms": 0, "end_ms": 10})
        annotations[f"u{a}"] = {"regions": regions} if rng.random() < 0.8 else regions
    return annotations, (None if rng.random() < 0.3 else 25_000.0)


@pytest.mark.parametrize("params", [AgreementParams(), AgreementParams(iou=0.1, tick_ms=7, measure="segment_f1")])
def test_a_batch_gives_each_task_the_report_it_gets_alone(params: AgreementParams, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    tasks = [_task(rng) for _ in range(60)]
    alone = [json.dumps(task_report(SCHEMA, a, duration_ms=d, params=params)) for a, d in tasks]
    # Small batches too, so that tasks are split across batches of the segment step.
    for chunk in (segments.CHUNK, 7):
        monkeypatch.setattr(segments, "CHUNK", chunk)
        together = task_reports(SCHEMA, [a for a, _ in tasks], durations=[d for _, d in tasks], params=params)
        assert [json.dumps(r) for r in together] == alone
    assert task_reports(SCHEMA, []) == []


def test_batched_segment_figures_equal_the_single_purpose_functions() -> None:
    """Alpha against the tick-by-tick timeline, pair F1 and boundary errors against `segment_f1`."""
    rng = np.random.default_rng(11)
    tasks, plain = [], []
    for _ in range(25):
        n = int(rng.integers(2, 4))
        segs = []
        for _ in range(n):
            starts = np.sort(rng.integers(0, 20_000, int(rng.integers(0, 25))))
            segs.append([(int(s), int(s + rng.integers(100, 3000)), str(rng.choice(["speech", "music"])))
                         for s in starts])  # overlapping within an annotator too
        plain.append(segs)
        tasks.append({f"a{i}": [{"track": "audio", "label": lab, "start_ms": s, "end_ms": e} for s, e, lab in sg]
                      for i, sg in enumerate(segs)})
    params = AgreementParams(iou=0.3)
    reports = task_reports(SCHEMA, tasks, durations=[25_000.0] * len(tasks), params=params)
    for segs, rep in zip(plain, reports):
        audio = rep["tracks"]["audio"]
        if audio["alpha"] is not None:
            assert audio["alpha"] == pytest.approx(time_sliced_alpha(segs, 25_000), abs=1e-12)
        for pair in audio["pairs"]:
            i, j = int(pair["a"][1:]), int(pair["b"][1:])
            expected = segment_f1(segs[i], segs[j], iou=0.3)
            assert (pair["f1"], pair["matched"]) == (expected.f1, expected.matched)
            assert pair["onset_error_ms"] == pytest.approx(expected.onset_error_ms, abs=1e-9)
            assert pair["offset_bias_ms"] == pytest.approx(expected.offset_bias_ms, abs=1e-9)
            if pair["alpha"] is not None:
                assert pair["alpha"] == pytest.approx(time_sliced_alpha([segs[i], segs[j]], 25_000), abs=1e-12)


def test_each_task_codes_the_labels_it_uses_beyond_the_schema() -> None:
    schema = {"tracks": [{"name": "audio", "kind": "segment", "labels": [{"value": "speech"}]}]}

    def seg(lab: str, s: int) -> dict:
        return {"track": "audio", "label": lab, "start_ms": s, "end_ms": s + 1000}

    reports = task_reports(schema, [
        {"a": [seg("speech", 0), seg("zebra", 2000)], "b": [seg("speech", 0), seg("apple", 2000)]},
        {"a": [seg("speech", 0)], "b": [seg("speech", 100)]},
    ], durations=[4000.0, 4000.0])
    first, second = (r["tracks"]["audio"] for r in reports)
    assert first["coincidences"]["categories"] == ["speech", "apple", "zebra"]
    pair = first["pairs"][0]
    assert pair["confusion"]["matrix"] == {"speech": {"speech": 1}, "zebra": {"apple": 1}}
    assert (pair["confusion"]["swapped"], pair["matched"], pair["f1"]) == (1, 1, 0.5)
    assert second["coincidences"]["categories"] == ["speech"]
    # 400 ticks of 10 ms: 10 where only a says speech, 10 where only b does, 90 where both do and
    # 290 where neither does; each tick is one (a, b) and one (b, a) coincidence.
    assert second["coincidences"]["matrix"] == [[180.0, 20.0], [20.0, 580.0]]
    assert second["pairs"][0]["onset_error_ms"] == 100.0


def test_the_project_pools_batched_reports_like_single_ones() -> None:
    rng = np.random.default_rng(5)
    tasks = [_task(rng) for _ in range(30)]
    one_by_one = [task_report(SCHEMA, a, duration_ms=d) for a, d in tasks]
    batched = task_reports(SCHEMA, [a for a, _ in tasks], durations=[d for _, d in tasks])
    assert json.dumps(project_report(batched)) == json.dumps(project_report(one_by_one))


@pytest.mark.parametrize("fold_cells", [project.FOLD_CELLS, 50])
def test_the_project_pool_adds_matrices_in_task_order(fold_cells: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pooled coincidences equal adding each task's matrix in turn, bit for bit, labels in first-seen order."""
    monkeypatch.setattr(project, "FOLD_CELLS", fold_cells)
    rng = np.random.default_rng(9)
    pool = project._Pool()
    names = ["a", "b", "c", "d"]
    expected: dict[tuple[str, str], float] = {}
    for _ in range(200):
        cats = list(rng.choice(names, int(rng.integers(1, 4)), replace=False))
        m = rng.random((len(cats) + 1, len(cats) + 1)) * 1000 / 3
        pool.add(cats, m.tolist())
        for i, ci in enumerate([*cats, ""]):
            for j, cj in enumerate([*cats, ""]):
                expected[(ci, cj)] = expected.get((ci, cj), 0.0) + float(m[i, j])
    order = [*pool.labels, ""]
    got = pool.matrix()
    assert [[got[i, j] for j in range(len(order))] for i in range(len(order))] == [
        [expected.get((ci, cj), 0.0) for cj in order] for ci in order]
