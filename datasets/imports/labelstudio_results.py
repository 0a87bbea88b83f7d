"""Label Studio result entries as source regions (pure): what each result type becomes.

- ``labels``: a time region, ``start``/``end`` in seconds (a point when they are equal or ``end``
  is missing); on a text object (``value.text`` beside integer ``start``/``end``) a character span.
- ``textarea`` with ``start``/``end``: a transcript region, its lines joined by newlines.
- ``rectanglelabels``: a box on a still image: one keyframe at 0 ms, ``x``/``y``/``width``/
  ``height`` in percent of the frame as fractions. A rotated box is refused (boxes are upright).
- ``videorectangle``: a box with one keyframe per ``sequence`` entry, at ``time`` (seconds) or,
  without it, at ``(frame - 1) / fps`` with the task's ``data.fps``; the label is in
  ``value.labels``. Label Studio's hidden stretches (``enabled: false``) are not carried: the box
  is drawn from its first keyframe to its last.
- ``relation``: a relation region from ``from_id`` to ``to_id`` (the ids of other results), its
  label the first of ``labels`` (empty when the relation has none).
- ``choices`` of the whole task: one whole-item region per chosen value.
- ``choices`` and ``number`` that share the ``id`` of a region (per-region controls), and
  ``textarea`` named ``{control}:{attribute}`` that share it (Tandem's own export), become
  attributes of that region, named after the control (the part after ``:`` when there is one).

Any other type is refused by name rather than dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from datasets.imports.base import ImportFormatError, SourceRegion, seconds_ms

REGION_TYPES = frozenset({"labels", "textarea", "rectanglelabels", "videorectangle", "choices", "relation"})
ATTRIBUTE_TYPES = frozenset({"choices", "number", "textarea"})


class Where:
    """Names a result in errors: the file, its layer (``from_name``) and the annotation."""

    def __init__(self, file: str, layer: str, annotation: str) -> None:
        self.file, self.layer, self.annotation = file, layer, annotation

    def fail(self, message: str) -> ImportFormatError:
        return ImportFormatError(self.file, message, layer=self.layer, annotation=self.annotation)


def _value(result: Mapping[str, Any], at: Where) -> Mapping[str, Any]:
    value = result.get("value")
    if not isinstance(value, Mapping):
        raise at.fail("has no 'value' object")
    return value


def _label(value: Mapping[str, Any], key: str, at: Where, *, optional: bool = False) -> str:
    labels = value.get(key, [])
    if optional and labels in ([], None):
        return ""
    if not isinstance(labels, list) or len(labels) != 1 or not isinstance(labels[0], str):
        raise at.fail(f"needs exactly one label in '{key}', has {labels!r}")
    return labels[0]


def _span(value: Mapping[str, Any], at: Where) -> tuple[int, int]:
    start = seconds_ms(value.get("start"), at.file, at.layer, at.annotation)
    end = seconds_ms(value["end"], at.file, at.layer, at.annotation) if value.get("end") is not None else start
    if end < start:
        raise at.fail(f"ends ({end} ms) before it starts ({start} ms)")
    return start, end


def _percent(frame: Mapping[str, Any], key: str, at: Where) -> float:
    number = frame.get(key)
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        raise at.fail(f"'{key}' must be a number (percent of the frame), not {number!r}")
    return round(float(number) / 100, 12)


def _box(frame: Mapping[str, Any], time_ms: int, at: Where) -> dict[str, Any]:
    if frame.get("rotation") not in (None, 0, 0.0):
        raise at.fail(f"is rotated by {frame.get('rotation')} degrees; only upright boxes are imported")
    return {"time_ms": time_ms, "x": _percent(frame, "x", at), "y": _percent(frame, "y", at),
            "w": _percent(frame, "width", at), "h": _percent(frame, "height", at)}


def _keyframe_ms(frame: Mapping[str, Any], fps: float | None, at: Where) -> int:
    if frame.get("time") is not None:
        return seconds_ms(frame["time"], at.file, at.layer, at.annotation)
    number = frame.get("frame")
    if isinstance(number, int) and not isinstance(number, bool) and number >= 1 and fps:
        return round((number - 1) * 1000 / fps)
    raise at.fail("a keyframe has no 'time', and no 'frame' with the task's 'fps' to place it")


def _labels_region(value: Mapping[str, Any], ref: str | None, at: Where) -> SourceRegion:
    if isinstance(value.get("text"), str) and all(isinstance(value.get(k), int) and not isinstance(value.get(k), bool)
                                                  for k in ("start", "end")):
        extra = {"start_char": value["start"], "end_char": value["end"], "text": value["text"]}
        return SourceRegion(None, None, _label(value, "labels", at), at.annotation, extra=extra, ref=ref)
    start, end = _span(value, at)
    return SourceRegion(start, end, _label(value, "labels", at), at.annotation,
                        point=value.get("end") is None or start == end, ref=ref)


def region_of(result: Mapping[str, Any], ref: str | None, fps: float | None, at: Where) -> list[SourceRegion]:
    """The regions of one result entry that is not an attribute (see the module docstring)."""
    kind = result.get("type")
    if kind == "relation":
        ends = (result.get("from_id"), result.get("to_id"))
        if not all(isinstance(e, (str, int)) and not isinstance(e, bool) and str(e) for e in ends):
            raise at.fail("a relation needs 'from_id' and 'to_id'")
        label = _label(result, "labels", at, optional=True)
        return [SourceRegion(None, None, label, at.annotation, extra={"from_id": str(ends[0]), "to_id": str(ends[1])},
                             ref=ref)]
    value = _value(result, at)
    if kind == "labels":
        return [_labels_region(value, ref, at)]
    if kind == "textarea":
        start, end = _span(value, at)
        text = value.get("text", [])
        texts = [text] if isinstance(text, str) else text
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise at.fail("'text' must be a list of strings")
        return [SourceRegion(start, end, "\n".join(texts), at.annotation, ref=ref)]
    if kind == "rectanglelabels":
        label = _label(value, "rectanglelabels", at, optional=True)
        return [SourceRegion(0, 0, label, at.annotation, extra={"keyframes": [_box(value, 0, at)]}, ref=ref)]
    if kind == "videorectangle":
        sequence = value.get("sequence")
        if not isinstance(sequence, list) or not sequence or not all(isinstance(f, Mapping) for f in sequence):
            raise at.fail("a video rectangle needs a non-empty 'sequence' of keyframes")
        by_time = {}
        for frame in sequence:
            at_ms = _keyframe_ms(frame, fps, at)
            by_time[at_ms] = _box(frame, at_ms, at)  # Label Studio may repeat a frame: the last one holds
        frames = [by_time[t] for t in sorted(by_time)]
        label = _label(value, "labels", at, optional=True)
        return [SourceRegion(frames[0]["time_ms"], frames[-1]["time_ms"], label, at.annotation,
                             extra={"keyframes": frames}, ref=ref)]
    if kind == "choices":
        if value.get("start") is not None:  # a choice on a stretch of the timeline, as a label would be
            start, end = _span(value, at)
            return [SourceRegion(start, end, _label(value, "choices", at), at.annotation,
                                 point=value.get("end") is None or start == end, ref=ref)]
        choices = value.get("choices")
        if not isinstance(choices, list) or not choices or not all(isinstance(c, str) for c in choices):
            raise at.fail(f"'choices' must be a non-empty list of strings, not {choices!r}")
        return [SourceRegion(None, None, choice, at.annotation, whole_item=True) for choice in choices]
    raise at.fail(f"a '{kind}' result is not imported; imported are {', '.join(sorted(REGION_TYPES))}, and "
                  "per-region choices, numbers and text as attributes")


def attribute_of(result: Mapping[str, Any], at: Where) -> tuple[str, Any]:
    """(attribute name, value) of a per-region control entry."""
    value = _value(result, at)
    name = str(result.get("from_name") or "").split(":", 1)[-1]
    kind = result.get("type")
    if kind == "number":
        number = value.get("number")
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise at.fail(f"'number' must be a number, not {number!r}")
        return name, number
    if kind == "textarea":
        text = value.get("text", [])
        texts = [text] if isinstance(text, str) else text
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise at.fail("'text' must be a list of strings")
        return name, "\n".join(texts)
    return name, _label(value, "choices", at)


def is_attribute(result: Mapping[str, Any], region_ids: Sequence[str] | set[str]) -> bool:
    """A per-region control's entry: it shares the id of a region and describes it."""
    kind, rid = result.get("type"), result.get("id")
    if kind not in ATTRIBUTE_TYPES or rid is None or str(rid) not in region_ids:
        return False
    return kind != "textarea" or ":" in str(result.get("from_name") or "")


def region_ids(results: Sequence[Any]) -> set[str]:
    """The ids of the entries that are regions themselves (what per-region controls attach to)."""
    return {str(r["id"]) for r in results if isinstance(r, Mapping) and r.get("id") is not None
            and (r.get("type") in ("labels", "rectanglelabels", "videorectangle")
                 or (r.get("type") == "textarea" and ":" not in str(r.get("from_name") or "")))}
