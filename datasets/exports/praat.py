"""Praat TextGrids (long text format), one ``{item}.TextGrid`` per item in a zip.

Segment and transcript tracks become IntervalTiers, point tracks TextTiers (point tiers), one
per (track, annotation), named ``{track}/{kind}/{annotator}`` (components percent-quoted).
Praat needs an interval tier to cover the whole grid without overlaps, so the gaps are filled
with empty intervals, and where one annotator's regions overlap each other the tier is split
into lanes: the first keeps the name, the next are suffixed ``#2``, ``#3``… (greedy interval
colouring: each region goes to the first lane that is free at its start). The same holds for
two points at one instant. Zero-length intervals cannot exist in Praat and are left out. Times
are written as exact decimals of seconds. Grid xmax = max(duration, last end). A line break
inside a text or label becomes one space: Praat would write it raw inside the quotes, but
readers that go line by line (tgt, many scripts) then fail on the whole file.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, BinaryIO

from praatio.utilities import textgrid_io

from datasets.exports.base import (
    JSONDict,
    safe_name,
    seconds,
    time_sorted,
    to_ms,
    track_kinds,
    tracks_of_kind,
    unquote_name,
    write_document_per_item,
)

TIER_KINDS = ("segment", "point", "transcript")


def _q(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _one_line(text: str) -> str:
    """The text with every run of line breaks as one space (see the module docstring)."""
    return " ".join(part for part in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if part) \
        if ("\n" in text or "\r" in text) else text


def assign_lanes(spans: list[tuple[int, int, str]], points: bool) -> list[list[tuple[int, int, str]]]:
    """Split time-sorted (start, end, text) entries into lanes with no overlap inside a lane.

    Greedy first-fit over entries sorted by start is optimal for intervals (it uses as many lanes
    as the deepest overlap). Points clash when they share an instant.
    """
    lanes: list[list[tuple[int, int, str]]] = []
    ends: list[int] = []
    for start, end, text in spans:
        for i, lane_end in enumerate(ends):
            if (start > lane_end) if points else (start >= lane_end):
                lanes[i].append((start, end, text))
                ends[i] = end
                break
        else:
            lanes.append([(start, end, text)])
            ends.append(end)
    return lanes


def _tiers(schema: Mapping[str, Any], record: Mapping[str, Any]) -> list[tuple[str, bool, list[tuple[int, int, str]]]]:
    """(name, is_point_tier, entries) for every tier of one item."""
    tiers = []
    for ann in record.get("annotations", []):
        for track in tracks_of_kind(schema, TIER_KINDS):
            kind = track["kind"]
            entries = []
            for r in time_sorted(x for x in ann.get("regions", []) if x.get("track") == track["name"]):
                if kind == "point":
                    entries.append((int(r["time_ms"]), int(r["time_ms"]), _one_line(str(r.get("label", "")))))
                elif int(r["end_ms"]) > int(r["start_ms"]):
                    value = r.get("text", "") if kind == "transcript" else r.get("label", "")
                    entries.append((int(r["start_ms"]), int(r["end_ms"]), _one_line(str(value))))
            base = "/".join(safe_name(x) for x in (track["name"], ann.get("kind") or "human", ann.get("annotator") or ""))
            lanes = assign_lanes(entries, kind == "point") or [[]]
            for n, lane in enumerate(lanes, start=1):
                tiers.append((base if n == 1 else f"{base}#{n}", kind == "point", lane))
    return tiers


def render_textgrid(schema: Mapping[str, Any], record: Mapping[str, Any]) -> bytes:
    """One item as a long-format TextGrid."""
    tiers = _tiers(schema, record)
    xmax_ms = max([int(record.get("duration_ms") or 0)] + [e[1] for _, _, lane in tiers for e in lane])
    xmax = seconds(xmax_ms)
    out = ['File type = "ooTextFile"\nObject class = "TextGrid"\n\n',
           f"xmin = 0 \nxmax = {xmax} \ntiers? <exists> \nsize = {len(tiers)} \nitem []: \n"]
    for n, (name, is_point, lane) in enumerate(tiers, start=1):
        out.append(f"    item [{n}]:\n")
        if is_point:
            out.append(f'        class = "TextTier" \n        name = {_q(name)} \n'
                       f"        xmin = 0 \n        xmax = {xmax} \n        points: size = {len(lane)} \n")
            for i, (t, _, mark) in enumerate(lane, start=1):
                out.append(f"        points [{i}]:\n            number = {seconds(t)} \n"
                           f"            mark = {_q(mark)} \n")
            continue
        filled: list[tuple[int, int, str]] = []
        cursor = 0
        for start, end, text in lane:
            if start > cursor:
                filled.append((cursor, start, ""))
            filled.append((start, end, text))
            cursor = end
        if cursor < xmax_ms or not filled:
            filled.append((cursor, xmax_ms, ""))
        out.append(f'        class = "IntervalTier" \n        name = {_q(name)} \n'
                   f"        xmin = 0 \n        xmax = {xmax} \n        intervals: size = {len(filled)} \n")
        for i, (start, end, text) in enumerate(filled, start=1):
            out.append(f"        intervals [{i}]:\n            xmin = {seconds(start)} \n"
                       f"            xmax = {seconds(end)} \n            text = {_q(text)} \n")
    return "".join(out).encode("utf-8")


def write_textgrid(schema: Mapping[str, Any], records: Iterable[Mapping[str, Any]], out: BinaryIO,
                   *, compression: str = "deflated", **options: Any) -> int:
    """Zip of one TextGrid per item; returns the number of TextGrids."""
    return write_document_per_item(records, out, "TextGrid", lambda record: render_textgrid(schema, record),
                                   compression)


def parse_textgrid(text: str, key: str, schema: Mapping[str, Any]) -> JSONDict:
    """One TextGrid (any format praatio reads) back to a record; empty intervals are gaps."""
    kinds = track_kinds(schema)
    grid = textgrid_io.parseTextgridStr(text, includeEmptyIntervals=False)
    record: JSONDict = {"item_id": None, "external_id": key, "duration_ms": to_ms(grid["xmax"]),
                        "annotations": []}
    anns: dict[tuple[str, str], JSONDict] = {}
    for tier in grid["tiers"]:
        track_q, kind_q, annotator_q = tier["name"].split("#")[0].split("/")
        track, kind, annotator = unquote_name(track_q), unquote_name(kind_q), unquote_name(annotator_q)
        ann = anns.get((kind, annotator))
        if ann is None:
            ann = {"annotator": annotator, "kind": kind, "regions": []}
            anns[(kind, annotator)] = ann
            record["annotations"].append(ann)
        track_kind = kinds.get(track, "segment")
        for entry in tier["entries"]:
            region: JSONDict = {"id": "", "track": track}
            if tier["class"] == "TextTier":
                region.update(label=entry[1], time_ms=to_ms(entry[0]))
            elif track_kind == "transcript":
                region.update(start_ms=to_ms(entry[0]), end_ms=to_ms(entry[1]), text=entry[2])
            else:
                region.update(label=entry[2], start_ms=to_ms(entry[0]), end_ms=to_ms(entry[1]))
            ann["regions"].append(region)
    for ann in record["annotations"]:
        ann["regions"] = time_sorted(ann["regions"])
        for n, region in enumerate(ann["regions"], start=1):
            region["id"] = f"t{n}"
    return record


def read_textgrid(inp: BinaryIO, schema: Mapping[str, Any]) -> Iterator[JSONDict]:
    """Records from a zip written by `write_textgrid`, one per TextGrid, in zip order."""
    with zipfile.ZipFile(inp) as zf:
        for name in zf.namelist():
            if name.endswith(".TextGrid"):
                key = unquote_name(name[: -len(".TextGrid")])
                yield parse_textgrid(zf.read(name).decode("utf-8"), key, schema)
