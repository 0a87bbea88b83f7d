"""Compact annotation history: a result as a delta against the one before it (pure: no Django).

A save usually moves a boundary or relabels a region of a result that holds thousands, so a
revision stores what changed, with regions keyed by their ``id`` (unique in a valid result):

    {"put": [region, …],      regions added or changed, whole (changed ones keep their place,
                               added ones go to the end, in the order the result has them)
     "del": [id, …],          regions removed
     "order": [[i, n], …],    only when the result's order is not that natural one: the order as
                               runs of the natural order (n regions from index i), so moving one
                               region costs three runs, not a list of every id
     "set": {key: value},     top-level keys other than "regions" that were added or changed
     "unset": [key, …]}       top-level keys removed

Keys that would be empty are left out; an unchanged result (a submit) is ``{}``. Two regions are
the same only when their JSON is the same: ``1``, ``1.0`` and ``true`` compare equal in Python
but are different results. Applying the deltas in version order from a full copy rebuilds each
version exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import orjson

Delta = dict[str, Any]


def _dump(value: Any) -> bytes | None:
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # an integer past 64 bits: compare the slow, exact way
        return None


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON values: Python's == alone takes 1 == 1.0 == True."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _keyed(result: Mapping[str, Any]) -> dict[str, Mapping[str, Any]] | None:
    """Regions by id, in order; None when the result has no list of regions with unique string ids."""
    regions = result.get("regions")
    if type(regions) is not list:
        return None
    try:
        out = {region["id"]: region for region in regions}
    except (TypeError, KeyError):
        return None
    if len(out) != len(regions) or not all(type(rid) is str for rid in out):
        return None
    return out


def _runs(wanted: Sequence[str], natural: Sequence[str]) -> list[list[int]]:
    at = {rid: i for i, rid in enumerate(natural)}
    runs: list[list[int]] = []
    for rid in wanted:
        i = at[rid]
        if runs and runs[-1][0] + runs[-1][1] == i:
            runs[-1][1] += 1
        else:
            runs.append([i, 1])
    return runs


def result_delta(before: Mapping[str, Any], after: Mapping[str, Any]) -> Delta:
    """What turns ``before`` into ``after`` (see the module docstring for the shape)."""
    delta: Delta = {}
    old, new = _keyed(before), _keyed(after)
    plain = old is None or new is None  # regions that cannot be keyed travel whole, as a top-level key
    skip = () if plain else ("regions",)
    changed = {k: v for k, v in after.items() if k not in skip and (k not in before or not _same(before[k], v))}
    removed = [k for k in before if k not in skip and k not in after]
    if changed:
        delta["set"] = changed
    if removed:
        delta["unset"] = removed
    if old is None or new is None:
        return delta
    regions = _region_delta(old, new)
    # == found the changed regions fast, but it takes 1 == 1.0 == True: when the rebuilt regions'
    # JSON is not the saved one, compare every region exactly instead.
    rebuilt = _dump(result_apply(before, regions).get("regions"))
    if rebuilt is None or rebuilt != _dump(after["regions"]):
        regions = _region_delta(old, new, exact=True)
    delta.update(regions)
    return delta


def _region_delta(old: Mapping[str, Any], new: Mapping[str, Any], exact: bool = False) -> Delta:
    delta: Delta = {}
    if exact:
        put = [r for rid, r in new.items() if rid not in old or not _same(old[rid], r)]
    else:
        put = [r for rid, r in new.items() if rid not in old or old[rid] != r]
    gone = [rid for rid in old if rid not in new]
    if put:
        delta["put"] = put
    if gone:
        delta["del"] = gone
    natural = [rid for rid in old if rid in new] + [rid for rid in new if rid not in old]
    wanted = list(new)
    if natural != wanted:
        delta["order"] = _runs(wanted, natural)
    return delta


class _Result:
    """A result being rebuilt: regions kept in a dict by id, whose insertion order is the natural order
    (a changed region keeps its place, a new one goes last), so a delta costs what it changes, not the
    size of the result. ``regions`` is None while the result's regions cannot be keyed."""

    def __init__(self, result: Mapping[str, Any]) -> None:
        self.regions: dict[str, Any] | None = _keyed(result)  # type: ignore[assignment]
        self.top = {k: v for k, v in result.items() if self.regions is None or k != "regions"}

    def apply(self, delta: Mapping[str, Any]) -> None:
        for key in delta.get("unset", ()):
            self.top.pop(key, None)
            if key == "regions":
                self.regions = None
        for key, value in delta.get("set", {}).items():
            if key == "regions":
                self.regions = None
            self.top[key] = value
        if not any(k in delta for k in ("put", "del", "order")):
            return
        if self.regions is None:
            self.regions = _keyed(self.top)  # type: ignore[assignment]
            if self.regions is None:
                raise ValueError("a region delta on a result whose regions have no unique ids")
            self.top.pop("regions")
        for rid in delta.get("del", ()):
            del self.regions[rid]
        for region in delta.get("put", ()):
            self.regions[region["id"]] = region
        if "order" in delta:
            natural = list(self.regions.values())
            self.regions = {r["id"]: r for start, n in delta["order"] for r in natural[start:start + n]}

    def result(self) -> dict[str, Any]:
        if self.regions is None:
            return dict(self.top)
        return {**self.top, "regions": list(self.regions.values())}


def result_apply(before: Mapping[str, Any], delta: Mapping[str, Any]) -> dict[str, Any]:
    """``before`` with ``delta`` applied; ``before`` is not changed."""
    state = _Result(before)
    state.apply(delta)
    return state.result()


def replay(rows: Iterable[tuple[int, Mapping[str, Any] | None, Mapping[str, Any] | None]]) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(version, full result or None, delta or None)`` rows of one annotation in version order → ``(version, result)``.

    A row with a full result starts again from it; a delta row needs the row just before it.
    Each result is a new dict and list; regions a version did not change are shared with the one before.
    """
    state: _Result | None = None
    last = 0
    for version, full, delta in rows:
        if full is not None:
            state = _Result(full)
        elif state is None or delta is None or version != last + 1:
            raise ValueError(f"revision {version} is a delta without the revision before it")
        else:
            state.apply(delta)
        last = version
        yield version, state.result()
