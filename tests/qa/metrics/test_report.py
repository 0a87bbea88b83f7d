"""Task reports and project aggregation on simulated annotators with known faults."""

import json

import numpy as np
import pytest

from qa.metrics import AgreementParams, project_report, segment_f1, task_report, time_sliced_alpha

SCHEMA = {"tracks": [
    {"name": "audio", "kind": "segment", "labels": [{"value": "speech"}, {"value": "music"}, {"value": "noise"}]},
    {"name": "events", "kind": "point", "labels": [{"value": "clap"}]},
    {"name": "words", "kind": "transcript"},
    {"name": "entities", "kind": "span", "stream": "transcript", "labels": [{"value": "PER"}, {"value": "LOC"}]},
    {"name": "faces", "kind": "box", "labels": [{"value": "face"}]},
    {"name": "links", "kind": "relation", "labels": [{"value": "refers_to"}]},
]}
TRUTH = [(1000, 4000, "speech"), (5000, 8000, "music"), (9000, 12000, "noise"), (13000, 16000, "speech"),
         (17000, 19000, "music"), (20000, 23000, "noise")]
SWAP = {"speech": "music", "music": "speech", "noise": "noise"}


def _segments(shift: int = 0, swap: bool = False) -> list[dict]:
    return [{"id": f"s{i}", "track": "audio", "label": SWAP[lab] if swap else lab,
             "start_ms": s + shift, "end_ms": e + shift} for i, (s, e, lab) in enumerate(TRUTH)]


def _three_annotators() -> dict[str, dict]:
    return {"ann_a": {"regions": _segments()},
            "ann_b": {"regions": _segments(shift=200)},
            "ann_c": {"regions": _segments(swap=True)}}


def _pair(track: dict, a: str, b: str) -> dict:
    return next(p for p in track["pairs"] if (p["a"], p["b"]) == (a, b))


def test_report_shows_the_boundary_shifter_and_the_label_swapper() -> None:
    report = task_report(SCHEMA, _three_annotators(), duration_ms=25_000)
    audio = report["tracks"]["audio"]
    ab, ac, bc = (_pair(audio, "ann_a", "ann_b"), _pair(audio, "ann_a", "ann_c"), _pair(audio, "ann_b", "ann_c"))
    assert (ab["onset_error_ms"], ab["offset_error_ms"], ab["onset_bias_ms"]) == (200.0, 200.0, 200.0)
    assert (ab["f1"], ab["confusion"]["swapped"]) == (1.0, 0)
    assert (ac["onset_error_ms"], ac["offset_error_ms"]) == (0.0, 0.0)
    assert ac["confusion"]["matrix"] == {"speech": {"music": 2}, "music": {"speech": 2}, "noise": {"noise": 2}}
    assert ac["confusion"]["swapped"] == 4
    assert ac["f1"] == pytest.approx(2 * 2 / 12)
    assert (bc["onset_error_ms"], bc["onset_bias_ms"], bc["confusion"]["swapped"]) == (200.0, -200.0, 4)
    truth = [[(s, e, lab) for s, e, lab in TRUTH]]
    segs = [*truth, [(s + 200, e + 200, lab) for s, e, lab in TRUTH], [(s, e, SWAP[lab]) for s, e, lab in TRUTH]]
    assert audio["alpha"] == pytest.approx(time_sliced_alpha(segs, 25_000), abs=1e-12)
    assert audio["labels"]["noise"]["alpha"] > audio["labels"]["speech"]["alpha"]
    assert audio["labels"]["noise"]["f1"] == 1.0
    json.dumps(report, allow_nan=False)


def test_report_measures_points_transcripts_spans_and_boxes() -> None:
    def result(clap_ms: int, words: str, spans: list, face_x: float) -> dict:
        return {"regions": [
            {"id": "p", "track": "events", "label": "clap", "time_ms": clap_ms},
            {"id": "w", "track": "words", "start_ms": 0, "end_ms": 900, "text": words},
            *[{"id": f"e{i}", "track": "entities", "label": lab, "start_char": s, "end_char": e}
              for i, (s, e, lab) in enumerate(spans)],
            {"id": "f", "track": "faces", "label": "face",
             "keyframes": [{"time_ms": 0, "x": face_x, "y": 0.1, "w": 0.2, "h": 0.2},
                           {"time_ms": 80, "x": face_x + 0.4, "y": 0.1, "w": 0.2, "h": 0.2}]},
        ]}

    text = "Alice met Bob in Paris"
    report = task_report(SCHEMA, {
        "x": result(1000, "Alice met Bob in Paris.", [(0, 5, "PER"), (17, 22, "LOC")], 0.1),
        "y": result(1050, "alice met bob in paris", [(0, 5, "PER"), (10, 13, "PER"), (17, 22, "LOC")], 0.1),
    }, duration_ms=2000, texts={"transcript": text})
    t = report["tracks"]
    assert _pair(t["events"], "x", "y")["time_error_ms"] == 50.0
    assert _pair(t["words"], "x", "y")["wer"] == 0.0
    spans = _pair(t["entities"], "x", "y")
    assert (spans["f1_exact"], spans["f1_overlap"]) == (0.8, 0.8)
    # tokens: PER O O O LOC vs PER O PER O LOC -> p_o 4/5, p_e (1*2 + 3*2 + 1*1)/25 = 9/25.
    assert spans["token_kappa"] == pytest.approx((4 / 5 - 9 / 25) / (1 - 9 / 25), abs=1e-12)
    assert _pair(t["faces"], "x", "y")["f1"] == 1.0
    assert t["links"]["score"] is None
    json.dumps(report, allow_nan=False)


def test_project_aggregation_pools_alpha_and_builds_annotator_matrices() -> None:
    reports = [task_report(SCHEMA, _three_annotators(), duration_ms=25_000) for _ in range(3)]
    project = project_report(reports)
    assert project["tasks"] == 3
    audio = project["tracks"]["audio"]
    # Pooling coincidences equals one alpha over the three timelines laid end to end.
    copies = [[(s + k * 25_000, e + k * 25_000, lab) for k in range(3) for s, e, lab in segs] for segs in (
        TRUTH, [(s + 200, e + 200, lab) for s, e, lab in TRUTH], [(s, e, SWAP[lab]) for s, e, lab in TRUTH])]
    assert audio["alpha"] == pytest.approx(time_sliced_alpha(copies, 75_000), abs=1e-12)
    assert audio["alpha"] != reports[0]["tracks"]["audio"]["alpha"]
    assert audio["confusion"]["ann_a|ann_c"]["speech"] == {"music": 6}
    assert audio["onset_error_ms"]["mean"][0][1] == 200.0
    assert audio["onset_error_ms"]["mean"][0][2] == 0.0
    assert audio["pairs"]["annotators"] == ["ann_a", "ann_b", "ann_c"]
    assert audio["pairs"]["mean"][0][1] == 1.0
    assert audio["pairs"]["n"][0][1] == 3
    assert project["score"]["n"] == 3
    json.dumps(project, allow_nan=False)


@pytest.mark.parametrize("iou", [0.1, 0.5])
def test_report_pair_measures_equal_segment_f1_including_ambiguous_overlaps(iou: float) -> None:
    rng = np.random.default_rng(5)
    results = {}
    plain = {}
    for name in ("p", "q"):
        starts = np.sort(rng.integers(0, 20_000, 30))
        segs = [(int(s), int(s + rng.integers(100, 3000)), str(rng.choice(["speech", "music"]))) for s in starts]
        plain[name] = segs
        results[name] = [{"id": str(i), "track": "audio", "label": lab, "start_ms": s, "end_ms": e}
                         for i, (s, e, lab) in enumerate(segs)]
    pair = task_report(SCHEMA, results, duration_ms=25_000, params=AgreementParams(iou=iou))["tracks"]["audio"]["pairs"][0]
    expected = segment_f1(plain["p"], plain["q"], iou=iou)
    assert (pair["f1"], pair["matched"]) == (expected.f1, expected.matched)
    assert pair["onset_error_ms"] == pytest.approx(expected.onset_error_ms, abs=1e-9)
