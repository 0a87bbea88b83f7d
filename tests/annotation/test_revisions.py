"""Revision deltas (pure): each kind of edit is stored as what changed and rebuilds the result exactly."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from annotation.revisions import replay, result_apply, result_delta


def _seg(rid: str, start: int, **extra: Any) -> dict[str, Any]:
    return {"id": rid, "track": "speech", "label": "speech", "start_ms": start, "end_ms": start + 100, **extra}


BASE = {"regions": [_seg("a", 0), _seg("b", 200), _seg("c", 400), _seg("d", 600)]}


def _moved(result: dict[str, Any], rid: str, to: int) -> dict[str, Any]:
    regions = [r for r in result["regions"] if r["id"] != rid]
    regions.insert(to, next(r for r in result["regions"] if r["id"] == rid))
    return {"regions": regions}


@pytest.mark.parametrize(("after", "delta"), [
    (BASE, {}),
    ({"regions": [_seg("a", 0), _seg("b", 250), _seg("c", 400), _seg("d", 600)]}, {"put": [_seg("b", 250)]}),
    ({"regions": [*BASE["regions"], _seg("e", 800)]}, {"put": [_seg("e", 800)]}),
    ({"regions": [_seg("a", 0), _seg("c", 400), _seg("d", 600)]}, {"del": ["b"]}),
    (_moved(BASE, "d", 0), {"order": [[3, 1], [0, 3]]}),
    ({"regions": [_seg("e", 900), *BASE["regions"]]}, {"put": [_seg("e", 900)], "order": [[4, 1], [0, 4]]}),
    ({"regions": []}, {"del": ["a", "b", "c", "d"]}),
    ({}, {"unset": ["regions"]}),
])
def test_a_delta_holds_only_what_changed_and_rebuilds_the_result(after: dict[str, Any], delta: dict[str, Any]) -> None:
    assert result_delta(BASE, after) == delta
    assert result_apply(BASE, delta) == after


@pytest.mark.parametrize(("old", "new"), [(1, True), (1, 1.0), (0, False), ({"n": 1}, {"n": 1.0})])
def test_values_python_calls_equal_but_json_does_not_are_a_change(old: Any, new: Any) -> None:
    before = {"regions": [_seg("a", 0, attributes={"x": old})]}
    after = {"regions": [_seg("a", 0, attributes={"x": new})]}
    delta = result_delta(before, after)
    assert delta == {"put": after["regions"]}
    assert json.dumps(result_apply(before, delta)) == json.dumps(after)


def test_regions_without_unique_ids_travel_whole() -> None:
    before = {"regions": [{"id": "a"}, {"id": "a"}]}
    after = {"regions": [{"id": "a"}]}
    assert result_delta(before, after) == {"set": {"regions": [{"id": "a"}]}}
    assert result_apply(before, result_delta(before, after)) == after


def test_applying_a_delta_leaves_the_earlier_result_as_it_was() -> None:
    before = copy.deepcopy(BASE)
    result_apply(before, {"put": [_seg("a", 50)], "del": ["b"], "order": [[2, 1], [0, 2]]})
    assert before == BASE


def test_replay_rebuilds_every_version_and_restarts_at_a_full_copy() -> None:
    v2 = {"regions": [*BASE["regions"], _seg("e", 800)]}
    v3 = _moved(v2, "e", 1)
    v4 = {"regions": [_seg("z", 0)]}
    rows = [(1, BASE, None), (2, None, result_delta(BASE, v2)), (3, None, result_delta(v2, v3)), (4, v4, None),
            (5, None, {})]
    assert list(replay(rows)) == [(1, BASE), (2, v2), (3, v3), (4, v4), (5, v4)]


def test_a_delta_without_the_revision_before_it_is_an_error() -> None:
    with pytest.raises(ValueError, match="revision 3 is a delta without the revision before it"):
        list(replay([(1, BASE, None), (3, None, {})]))
