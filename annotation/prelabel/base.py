"""The contract every pre-labeler keeps, and the plain types it exchanges.

A pre-labeler is one module exposing ``name``, ``version``, ``needs`` (stream kinds it reads),
``fills`` (schema track kinds it can produce) and ``run(batch, *, device, options)``. Modules
satisfy the :class:`PreLabeler` protocol directly, so no class boilerplate is needed.

Each input item is a plain mapping (paths, text, numbers); each pre-labeler documents its keys.
``offset_ms`` (the stream's offset on the item timeline) is honoured by every built-in, because
region times live on the item timeline, not the stream's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

STREAM_KINDS = frozenset({"audio", "video", "text"})
TRACK_KINDS = frozenset({"segment", "point", "transcript", "span", "box", "relation", "redact"})

Item = Mapping[str, Any]
Options = Mapping[str, Any]
Region = dict[str, Any]


@dataclass(frozen=True)
class ItemResult:
    """Suggestions for one input item, or the reason there are none.

    A failed item carries ``error`` and no regions; it never fails the rest of its batch.
    """

    regions: list[Region] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the item produced suggestions (possibly none) without error."""
        return self.error is None

    def as_result(self) -> dict[str, list[Region]]:
        """The ``{"regions": [...]}`` shape stored in ``Prediction.result``."""
        return {"regions": list(self.regions)}


class PreLabeler(Protocol):
    """What the registry holds: usually a module with these module-level names."""

    name: str
    version: str
    needs: tuple[str, ...]
    fills: tuple[str, ...]

    def run(self, batch: Sequence[Item], *, device: str, options: Options) -> list[ItemResult]:
        """Suggestions for every item of ``batch``, in order, one :class:`ItemResult` each."""
        ...


def failed(exc: BaseException) -> ItemResult:
    """An item result carrying a readable error for ``exc``."""
    text = str(exc).strip() or type(exc).__name__
    return ItemResult(error=f"{type(exc).__name__}: {text}")


def per_item(batch: Sequence[Item], fn: Callable[[Item], list[Region]]) -> list[ItemResult]:
    """Run ``fn`` on each item, turning an exception into that item's error only.

    Why: one corrupt file in a batch of hundreds must not discard the other suggestions.
    """
    results: list[ItemResult] = []
    for item in batch:
        try:
            results.append(ItemResult(regions=fn(item)))
        except Exception as exc:  # any failure belongs to this item alone
            results.append(failed(exc))
    return results


def require_option(options: Options, key: str) -> Any:
    """The option ``key``, or a ValueError naming it (so the item error says what is missing)."""
    if key not in options or options[key] in (None, ""):
        raise ValueError(f"option {key!r} is required")
    return options[key]


def offset_of(item: Item) -> int:
    """The stream's offset on the item timeline in integer ms (0 when absent)."""
    return int(item.get("offset_ms", 0) or 0)


def number_regions(prefix: str, regions: list[Region]) -> list[Region]:
    """Give each region an ``id`` unique within one result: ``prefix-1``, ``prefix-2``, ..."""
    for i, region in enumerate(regions, start=1):
        region["id"] = f"{prefix}-{i}"
    return regions


def check_region(region: Mapping[str, Any], kind: str) -> None:
    """Raise ValueError if ``region`` breaks the annotation result format for a ``kind`` track.

    Covers the kinds pre-labelers fill here (segment, point, transcript, redact) plus span; a
    suggestion must also carry a float ``score`` in [0, 1]. A redaction is checked as the shape
    its keys give it: a box (``keyframes``), a segment or a span.
    """
    if not isinstance(region.get("id"), str) or not region["id"]:
        raise ValueError("region id must be a non-empty string")
    if not isinstance(region.get("track"), str):
        raise ValueError("region track must be a string")
    score = region.get("score")
    if not isinstance(score, float) or not 0.0 <= score <= 1.0:
        raise ValueError(f"score must be a float in [0, 1], got {score!r}")
    if kind != "transcript" and not isinstance(region.get("label"), str):
        raise ValueError(f"{kind} region needs a string label")
    if kind == "redact":
        kind = "box" if "keyframes" in region else "span" if "start_char" in region else "segment"
    if kind in ("segment", "transcript"):
        start, end = region.get("start_ms"), region.get("end_ms")
        if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start <= end:
            raise ValueError(f"bad interval {start!r}..{end!r}")
        if kind == "transcript" and not isinstance(region.get("text"), str):
            raise ValueError("transcript region needs text")
    elif kind == "point":
        if not isinstance(region.get("time_ms"), int) or region["time_ms"] < 0:
            raise ValueError("point region needs a non-negative integer time_ms")
    elif kind == "span":
        start, end = region.get("start_char"), region.get("end_char")
        if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start <= end:
            raise ValueError("span region needs start_char <= end_char")
    elif kind == "box":
        keyframes = region.get("keyframes")
        if not isinstance(keyframes, list) or not keyframes:
            raise ValueError("box region needs a non-empty keyframes list")
        for frame in keyframes:
            if not isinstance(frame.get("time_ms"), int) or frame["time_ms"] < 0:
                raise ValueError("a keyframe needs a non-negative integer time_ms")
            if not all(isinstance(frame.get(c), float) and 0.0 <= frame[c] <= 1.0 for c in ("x", "y", "w", "h")):
                raise ValueError("a keyframe needs x, y, w, h as fractions of the frame")
    else:
        raise ValueError(f"unsupported track kind {kind!r}")
