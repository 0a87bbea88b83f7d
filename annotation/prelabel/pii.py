"""Personal data in a transcript or text: e-mail addresses, phone numbers, long numbers, names.

Input item keys: ``text`` (the text stream's content). Options: ``track`` (a ``redact`` track),
``label`` (the reason used when a finding's own reason is not a label of the track),
``kinds`` (which finders run, default all of ``email``, ``phone``, ``number``, ``name``),
``names`` (a list of names to find, whole words, case-insensitive), ``patterns`` (extra regular
expressions, each a string or ``{"pattern": ..., "reason": ...}``), ``min_digits`` (the fewest
digits a number needs, default 6).

Each finding becomes one redact span (``start_char``/``end_char`` in characters of the text)
labelled with its reason: an e-mail is an ``address``, a phone number or a long number a
``number``, a listed name a ``name``, a pattern ``other`` unless it says. Where findings
overlap, the earlier finder in that order keeps the characters (an e-mail's digits are not a
number too). Patterns are matched as written (Python ``re``); the score is 1.0 for a listed
name or pattern, 0.9 for the built-in finders, which can over-match (an order number looks like
a phone number). Pure text work: no model, no device.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from annotation.prelabel.base import (
    Item,
    ItemResult,
    Options,
    Region,
    failed,
    number_regions,
    per_item,
    require_option,
)

name = "pii"
version = "patterns-1"
needs: tuple[str, ...] = ("text",)
fills: tuple[str, ...] = ("redact",)
KINDS = ("email", "phone", "number", "name")
MAX_PATTERNS = 100

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])")
# +country, (area), then groups of digits split by space, dot or dash: at least 7 digits in all
PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]\d{2,4}){1,4}(?![\w])")
NUMBER = re.compile(r"(?<![\w])\d(?:[\d .,/-]*\d)?(?![\w])")


class Finder:
    """One source of findings: a compiled expression, its reason and score, and a digit floor."""

    def __init__(self, pattern: re.Pattern[str], reason: str, score: float, min_digits: int = 0) -> None:
        self.pattern, self.reason, self.score, self.min_digits = pattern, reason, score, min_digits

    def spans(self, text: str) -> list[tuple[int, int]]:
        out = []
        for match in self.pattern.finditer(text):
            start, end = match.span()
            if end > start and sum(c.isdigit() for c in match.group()) >= self.min_digits:
                out.append((start, end))
        return out


def _names(options: Options) -> re.Pattern[str] | None:
    names = options.get("names") or []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValueError("option 'names' must be a list of strings")
    words = sorted({n.strip() for n in names if n.strip()}, key=len, reverse=True)  # longest first: "Ann Lee" before "Ann"
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE)


def _patterns(options: Options) -> list[Finder]:
    raw = options.get("patterns") or []
    if not isinstance(raw, list) or len(raw) > MAX_PATTERNS:
        raise ValueError(f"option 'patterns' must be a list of at most {MAX_PATTERNS} patterns")
    out = []
    for i, entry in enumerate(raw):
        spec: Mapping[str, Any] = entry if isinstance(entry, Mapping) else {"pattern": entry}
        pattern, reason = spec.get("pattern"), spec.get("reason", "other")
        if not isinstance(pattern, str) or not pattern or not isinstance(reason, str):
            raise ValueError(f"option 'patterns[{i}]' must be a regular expression or {{pattern, reason}}")
        try:
            out.append(Finder(re.compile(pattern), reason, 1.0))
        except re.error as exc:
            raise ValueError(f"option 'patterns[{i}]' is not a valid regular expression: {exc}") from None
    return out


def finders(options: Options) -> list[Finder]:
    """The finders ``options`` ask for, in the order that settles overlaps."""
    kinds = options.get("kinds", list(KINDS))
    if not isinstance(kinds, list) or not set(kinds) <= set(KINDS):
        raise ValueError(f"option 'kinds' must be a list of {', '.join(KINDS)}")
    min_digits = int(options.get("min_digits", 6))
    out: list[Finder] = []
    if "email" in kinds:
        out.append(Finder(EMAIL, "address", 0.9))
    if "phone" in kinds:
        out.append(Finder(PHONE, "number", 0.9, min_digits=7))
    if "number" in kinds:
        out.append(Finder(NUMBER, "number", 0.9, min_digits=min_digits))
    names = _names(options) if "name" in kinds else None
    if names is not None:
        out.append(Finder(names, "name", 1.0))
    return out + _patterns(options)


def find(text: str, found_by: Sequence[Finder]) -> list[Region]:
    """Redact spans over ``text`` in text order; characters already taken are not taken twice."""
    taken: list[tuple[int, int]] = []
    regions: list[Region] = []
    for finder in found_by:
        for start, end in finder.spans(text):
            if any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            regions.append({"label": finder.reason, "start_char": start, "end_char": end,
                            "text": text[start:end], "score": finder.score})
    return sorted(regions, key=lambda r: (r["start_char"], r["end_char"]))


def run(batch: Sequence[Item], *, device: str, options: Options) -> list[ItemResult]:
    """Redact spans for each item's text; ``device`` is unused."""
    try:
        track = str(require_option(options, "track"))
        found_by = finders(options)
    except (ValueError, TypeError) as exc:
        return [failed(exc) for _ in batch]

    def one(item: Item) -> list[Region]:
        text = item.get("text")
        if not isinstance(text, str):
            raise ValueError("the item has no text")
        regions = find(text, found_by)
        for region in regions:
            region["track"] = track
            region.pop("text")  # the finding itself stays out of the suggestion: it is what is hidden
        return number_regions(name, regions)

    return per_item(batch, one)
