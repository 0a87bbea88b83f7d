"""What every track measure of a task report shares: the region shape, labels, JSON-safe floats."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

Region = Mapping[str, Any]


def clean(x: float | None) -> float | None:
    """A float for JSON: NaN and infinities become None."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def mean_defined(values: Sequence[Any]) -> float | None:
    """Mean of the values that are not None; None when there are none."""
    v = [x for x in values if x is not None]
    return float(sum(v) / len(v)) if v else None


def regions_of(result: Any) -> Sequence[Region]:
    """The regions of one annotator's result, given as ``{"regions": [...]}`` or the bare list."""
    if isinstance(result, Mapping):
        return result.get("regions", [])  # type: ignore[no-any-return]
    return result  # type: ignore[no-any-return]


def label_index(track: Mapping[str, Any], per_annotator: Sequence[Sequence[Region]]) -> list[Hashable]:
    """The track's labels in schema order, then any label the annotators used that it lacks."""
    labels: list[Hashable] = [lab["value"] for lab in track.get("labels", [])]
    known = set(labels)
    extra = sorted({r.get("label") for regs in per_annotator for r in regs} - known, key=repr)
    return labels + extra
