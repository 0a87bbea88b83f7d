"""Validation of label schemas and of annotation results against them (pure: no Django).

Errors name the exact field (``tracks[2].labels[0].hotkey``) or region (``regions[4] (id 'r5')``)
so a client can point at what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

TRACK_KINDS = ("segment", "point", "transcript", "span", "box", "relation", "redact")
#: Why a part of the media is redacted: the labels a ``redact`` track may have.
REDACT_REASONS = ("face", "voice", "name", "address", "number", "other")
ATTRIBUTE_TYPES = ("text", "number", "bool", "choice")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_NAME = re.compile(r"^[A-Za-z0-9_\- .]{1,64}$")
DEFAULT_COLORS = ("#4f8cff", "#ff7a45", "#36cfc9", "#f759ab", "#9254de", "#73d13d", "#ffc53d", "#597ef7")


class SchemaError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _require(cond: bool, path: str, message: str) -> None:
    if not cond:
        raise SchemaError(path, message)


def validate_schema(schema: Any) -> dict[str, Any]:
    """Check a label schema and return it normalised (default colours filled in)."""
    _require(isinstance(schema, Mapping), "schema", "must be an object with a 'tracks' list")
    tracks = schema.get("tracks")
    _require(isinstance(tracks, list) and len(tracks) > 0, "tracks", "must be a non-empty list")
    seen_tracks: set[str] = set()
    hotkeys: dict[str, str] = {}
    out_tracks = []
    for i, track in enumerate(tracks):
        path = f"tracks[{i}]"
        _require(isinstance(track, Mapping), path, "must be an object")
        name = track.get("name")
        _require(isinstance(name, str) and bool(_NAME.match(name)), f"{path}.name", "1-64 letters, digits, _ - . or space")
        _require(name not in seen_tracks, f"{path}.name", f"duplicate track name '{name}'")
        seen_tracks.add(name)
        kind = track.get("kind")
        _require(kind in TRACK_KINDS, f"{path}.kind", f"must be one of {', '.join(TRACK_KINDS)}")
        stream = track.get("stream")
        _require(stream is None or isinstance(stream, str), f"{path}.stream", "must be a stream role name")
        labels = track.get("labels", [])
        _require(isinstance(labels, list), f"{path}.labels", "must be a list")
        if kind not in ("transcript",):
            _require(len(labels) > 0, f"{path}.labels", f"a {kind} track needs at least one label")
        out_labels: list[dict[str, Any]] = []
        seen_values: set[str] = set()
        for j, label in enumerate(labels):
            lpath = f"{path}.labels[{j}]"
            _require(isinstance(label, Mapping), lpath, "must be an object")
            value = label.get("value")
            _require(isinstance(value, str) and 0 < len(value) <= 100, f"{lpath}.value", "must be 1-100 characters")
            _require(value not in seen_values, f"{lpath}.value", f"duplicate label '{value}' in track '{name}'")
            seen_values.add(value)
            color = label.get("color") or DEFAULT_COLORS[(len(out_labels) + i) % len(DEFAULT_COLORS)]
            _require(isinstance(color, str) and bool(_COLOR.match(color)), f"{lpath}.color", "must be #rrggbb")
            hotkey = label.get("hotkey")
            if hotkey is not None:
                _require(isinstance(hotkey, str) and len(hotkey) == 1, f"{lpath}.hotkey", "must be one character")
                _require(hotkey not in hotkeys, f"{lpath}.hotkey", f"'{hotkey}' is already used by {hotkeys.get(hotkey)}")
                hotkeys[hotkey] = f"{name}/{value}"
            out_labels.append({"value": value, "color": color, **({"hotkey": hotkey} if hotkey else {})})
        attributes = track.get("attributes", [])
        _require(isinstance(attributes, list), f"{path}.attributes", "must be a list")
        seen_attrs: set[str] = set()
        for j, attr in enumerate(attributes):
            apath = f"{path}.attributes[{j}]"
            _require(isinstance(attr, Mapping), apath, "must be an object")
            aname = attr.get("name")
            _require(isinstance(aname, str) and bool(_NAME.match(aname)), f"{apath}.name", "1-64 letters or digits")
            _require(aname not in seen_attrs, f"{apath}.name", f"duplicate attribute '{aname}'")
            seen_attrs.add(aname)
            _require(attr.get("type") in ATTRIBUTE_TYPES, f"{apath}.type", f"must be one of {', '.join(ATTRIBUTE_TYPES)}")
            if attr.get("type") == "choice":
                choices = attr.get("choices")
                _require(
                    isinstance(choices, list) and len(choices) > 0 and all(isinstance(c, str) for c in choices),
                    f"{apath}.choices",
                    "a choice attribute needs a non-empty list of strings",
                )
        if kind == "redact":
            _check_redact_labels(out_labels, path)
        out_tracks.append({**dict(track), "labels": out_labels, "attributes": list(attributes)})
    return {**dict(schema), "tracks": out_tracks}


def _check_redact_labels(labels: list[dict[str, Any]], path: str) -> None:
    """A redact track's labels are its reasons, so every redaction says why it was made."""
    for j, label in enumerate(labels):
        _require(label["value"] in REDACT_REASONS, f"{path}.labels[{j}].value",
                 f"a redact track's labels are reasons: {', '.join(REDACT_REASONS)}")


@dataclass
class ResultContext:
    """What a result is checked against: the item's duration, the length of each text stream, and
    the most regions one result may hold (None: no limit)."""

    duration_ms: int | None = None
    text_lengths: dict[str, int] = field(default_factory=dict)
    max_regions: int | None = None


# The keys a result and its parts may carry (docs/architecture.md, "Annotation result"); any
# other key is refused by name, so nothing unchecked is stored or exported.
RESULT_KEYS = frozenset({"regions"})
REGION_KEYS = frozenset({
    "id", "track", "label", "start_ms", "end_ms", "time_ms", "text", "start_char", "end_char", "keyframes",
    "from_id", "to_id", "attributes", "score", "source", "method", "words",
})
WORD_KEYS = frozenset({"text", "start_ms", "end_ms"})
KEYFRAME_KEYS = frozenset({"time_ms", "x", "y", "w", "h"})
SOURCE_KEYS = frozenset({"model", "version"})


class ResultError(ValueError):
    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


def _int_ms(region: Mapping[str, Any], key: str, where: str) -> int:
    value = region.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ResultError(where, f"'{key}' must be an integer number of milliseconds")
    if value < 0:
        raise ResultError(where, f"'{key}' must not be negative")
    return value


def _check_time(value: int, key: str, where: str, ctx: ResultContext) -> None:
    if ctx.duration_ms is not None and value > ctx.duration_ms:
        raise ResultError(where, f"'{key}' {value} ms is past the item's end ({ctx.duration_ms} ms)")


def _unknown_key(obj: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    extra = sorted(str(k) for k in obj.keys() - allowed)
    if extra:
        raise ResultError(where, f"unknown key '{extra[0]}' (allowed: {', '.join(sorted(allowed))})")


def _check_extras(region: Mapping[str, Any], where: str) -> None:
    """The optional keys any region may carry: text, score and method (how a suggestion was made,
    e.g. ``aligned`` or ``estimated``), and source (whose suggestion)."""
    if "text" in region and not isinstance(region["text"], str):
        raise ResultError(where, "'text' must be a string")
    score = region.get("score")
    if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float))):
        raise ResultError(where, "'score' must be a number")
    method = region.get("method")
    if method is not None and (not isinstance(method, str) or not 0 < len(method) <= 32):
        raise ResultError(where, "'method' must be a string of 1-32 characters")
    if "source" in region:
        source = region["source"]
        if not isinstance(source, Mapping):
            raise ResultError(where, "'source' must be an object {model, version}")
        _unknown_key(source, SOURCE_KEYS, f"{where}.source")
        if not all(isinstance(v, str) for v in source.values()):
            raise ResultError(f"{where}.source", "'model' and 'version' must be strings")


def _check_words(region: Mapping[str, Any], kind: str, where: str) -> None:
    """A transcript segment's word timings: in order, inside the segment, spelling its text."""
    if kind != "transcript":
        raise ResultError(where, "'words' belongs to transcript regions only")
    words = region["words"]
    if not isinstance(words, list):
        raise ResultError(where, "'words' must be a list of {text, start_ms, end_ms}")
    previous_end = region["start_ms"]
    texts = []
    for k, word in enumerate(words):
        wwhere = f"{where}.words[{k}]"
        if not isinstance(word, Mapping):
            raise ResultError(wwhere, "must be an object")
        _unknown_key(word, WORD_KEYS, wwhere)
        text = word.get("text")
        if not isinstance(text, str) or not text or text != text.strip() or len(text.split()) != 1:
            raise ResultError(wwhere, "'text' must be one word (no spaces)")
        start, end = _interval(word, "start_ms", "end_ms", wwhere)
        if start < previous_end or end > region["end_ms"]:
            raise ResultError(wwhere, "words must be in order, without overlap, inside the segment")
        previous_end = end
        texts.append(text)
    if " ".join(texts) != " ".join(str(region.get("text", "")).split()):
        raise ResultError(where, "'words' must spell the region's 'text'")


@dataclass(frozen=True)
class _Track:
    """What a region of one track is checked against, computed once per result, not per region."""

    name: str
    kind: str
    stream: str | None
    labels: frozenset[str]
    attributes: dict[str, Mapping[str, Any]]

    @classmethod
    def of(cls, track: Mapping[str, Any]) -> _Track:
        return cls(name=track["name"], kind=track["kind"], stream=track.get("stream"),
                   labels=frozenset(lab["value"] for lab in track.get("labels", [])),
                   attributes={a["name"]: a for a in track.get("attributes", [])})


def _check_attributes(attrs: Any, track: _Track, where: str) -> None:
    if not isinstance(attrs, Mapping):
        raise ResultError(where, "'attributes' must be an object")
    for name, value in attrs.items():
        spec = track.attributes.get(name)
        if spec is None:
            raise ResultError(where, f"unknown attribute '{name}' for track '{track.name}'")
        kind = spec["type"]
        ok = (
            (kind == "text" and isinstance(value, str))
            or (kind == "number" and isinstance(value, (int, float)) and not isinstance(value, bool))
            or (kind == "bool" and isinstance(value, bool))
            or (kind == "choice" and value in spec.get("choices", []))
        )
        if not ok:
            raise ResultError(where, f"attribute '{name}' must be a valid {kind}")


def _interval(region: Mapping[str, Any], start_key: str, end_key: str, where: str) -> tuple[int, int]:
    start, end = region.get(start_key), region.get(end_key)
    # type() rather than isinstance: True is an int to isinstance, and this runs for every region.
    if type(start) is not int or type(end) is not int or start < 0 or end < 0:
        start, end = _int_ms(region, start_key, where), _int_ms(region, end_key, where)
    if end <= start:
        raise ResultError(where, f"{end_key} ({end}) must be after {start_key} ({start})")
    return start, end


def _check_box(region: Mapping[str, Any], where: str, ctx: ResultContext) -> None:
    keyframes = region.get("keyframes")
    if not isinstance(keyframes, list) or not keyframes:
        raise ResultError(where, "'keyframes' must be a non-empty list")
    for k, frame in enumerate(keyframes):
        fwhere = f"{where}.keyframes[{k}]"
        if not isinstance(frame, Mapping):
            raise ResultError(fwhere, "must be an object")
        _unknown_key(frame, KEYFRAME_KEYS, fwhere)
        _check_time(_int_ms(frame, "time_ms", fwhere), "time_ms", fwhere, ctx)
        coords = [frame.get(c) for c in ("x", "y", "w", "h")]
        if not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in coords):
            raise ResultError(fwhere, "x, y, w, h must be numbers (fractions of the frame)")
        x, y, w, h = (float(c) for c in coords)  # type: ignore[arg-type]
        if not (0 <= x <= 1 and 0 <= y <= 1 and 0 < w <= 1 and 0 < h <= 1 and x + w <= 1.0001 and y + h <= 1.0001):
            raise ResultError(fwhere, "box must lie inside the frame (fractions 0..1)")


def _check_region(region: Mapping[str, Any], track: _Track, where: str, ctx: ResultContext) -> None:
    if not region.keys() <= REGION_KEYS:
        _unknown_key(region, REGION_KEYS, where)
    if "text" in region or "score" in region or "source" in region or "method" in region:
        _check_extras(region, where)
    kind = track.kind
    if (kind != "transcript" or "label" in region) and region.get("label") not in track.labels:
        raise ResultError(where, f"unknown label {region.get('label')!r} for track '{track.name}'")
    if "attributes" in region:
        _check_attributes(region["attributes"], track, where)
    if kind in ("segment", "transcript"):
        _check_time(_interval(region, "start_ms", "end_ms", where)[1], "end_ms", where, ctx)
    if "words" in region:
        _check_words(region, kind, where)
    elif kind == "point":
        _check_time(_int_ms(region, "time_ms", where), "time_ms", where, ctx)
    elif kind == "span":
        end = _interval(region, "start_char", "end_char", where)[1]
        length = ctx.text_lengths.get(track.stream) if track.stream else max(ctx.text_lengths.values(), default=None)
        if length is not None and end > length:
            raise ResultError(where, f"span end {end} is outside the text ({length} characters)")
    elif kind == "box":
        _check_box(region, where, ctx)
    elif kind == "redact":
        _check_redact(region, track, where, ctx)


#: The keys that give a redaction its shape; exactly one shape per region.
_REDACT_SHAPES = {"keyframes": "box", "start_ms": "segment", "end_ms": "segment", "start_char": "span",
                  "end_char": "span"}


def _check_redact(region: Mapping[str, Any], track: _Track, where: str, ctx: ResultContext) -> None:
    """A redaction is a box (video), a segment (audio, or a video's sound) or a span (text).

    Its shape follows from its keys; on a text stream (one ``ctx.text_lengths`` knows) only a
    span is a redaction.
    """
    shapes = {shape for key, shape in _REDACT_SHAPES.items() if key in region}
    if len(shapes) != 1:
        raise ResultError(where, "a redaction needs exactly one shape: 'keyframes' (a box on video), "
                                 "'start_ms'/'end_ms' (a segment of sound) or 'start_char'/'end_char' (a span of text)")
    shape = shapes.pop()
    on_text = track.stream is not None and track.stream in ctx.text_lengths
    if on_text and shape != "span":
        raise ResultError(where, f"track '{track.name}' redacts the text stream '{track.stream}': "
                                 "use 'start_char'/'end_char'")
    if shape == "box":
        _check_box(region, where, ctx)
    elif shape == "segment":
        _check_time(_interval(region, "start_ms", "end_ms", where)[1], "end_ms", where, ctx)
    else:
        end = _interval(region, "start_char", "end_char", where)[1]
        length = ctx.text_lengths.get(track.stream) if track.stream else max(ctx.text_lengths.values(), default=None)
        if length is not None and end > length:
            raise ResultError(where, f"span end {end} is outside the text ({length} characters)")


def validate_result(schema: Mapping[str, Any], result: Any, ctx: ResultContext) -> dict[str, Any]:
    """Check an annotation result against the project's schema; return it unchanged if valid.

    Keys outside the documented shape are refused by name (``RESULT_KEYS``, ``REGION_KEYS``…),
    and a result holds at most ``ctx.max_regions`` regions.
    """
    if not isinstance(result, Mapping):
        raise ResultError("result", "must be an object with a 'regions' list")
    _unknown_key(result, RESULT_KEYS, "result")
    regions = result.get("regions", [])
    if not isinstance(regions, list):
        raise ResultError("result.regions", "must be a list")
    if ctx.max_regions is not None and len(regions) > ctx.max_regions:
        raise ResultError("result.regions", f"{len(regions)} regions; an annotation holds at most "
                                            f"{ctx.max_regions} (TANDEM_MAX_REGIONS)")
    tracks = {t["name"]: _Track.of(t) for t in schema.get("tracks", [])}
    ids: set[str] = set()
    relations: list[tuple[str, Mapping[str, Any]]] = []
    for i, region in enumerate(regions):
        if type(region) is not dict and not isinstance(region, Mapping):
            raise ResultError(f"regions[{i}]", "must be an object")
        rid = region.get("id")
        where = f"regions[{i}] (id {rid!r})"
        if type(rid) is not str or not 0 < len(rid) <= 64:
            raise ResultError(where, "'id' must be a string of 1-64 characters")
        if rid in ids:
            raise ResultError(where, f"duplicate region id '{rid}'")
        ids.add(rid)
        track = tracks.get(region.get("track"))  # type: ignore[arg-type]
        if track is None:
            if not region.keys() <= REGION_KEYS:
                _unknown_key(region, REGION_KEYS, where)
            raise ResultError(where, f"unknown track {region.get('track')!r}")
        _check_region(region, track, where, ctx)
        if track.kind == "relation":
            relations.append((where, region))
    for where, region in relations:
        for key in ("from_id", "to_id"):
            if region.get(key) not in ids:
                raise ResultError(where, f"'{key}' {region.get(key)!r} names no region in this result")
        if region.get("from_id") == region.get("to_id"):
            raise ResultError(where, "a relation must link two different regions")
    return dict(result)
