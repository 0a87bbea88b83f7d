"""Word error rate of a pre-labeler's transcript against the transcript an annotator submitted.

The submitted transcript is the reference (what a person decided was said), the pre-label the
hypothesis: the rate says how much of the suggestion the annotator had to change. Both sides are
a track's region texts in time order, lower-cased with punctuation dropped (``normalize_transcript``),
aligned as one word sequence by jiwer, so a word moved to the neighbouring segment is no error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jiwer

from qa.metrics.text import normalize_transcript


@dataclass(frozen=True)
class WerCounts:
    """Edit counts of one alignment (or a sum of several): WER = (S + D + I) / N."""

    substitutions: int = 0
    deletions: int = 0
    insertions: int = 0
    reference_words: int = 0

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def wer(self) -> float | None:
        """None when the reference has no words (the rate is undefined)."""
        return self.errors / self.reference_words if self.reference_words else None

    def __add__(self, other: WerCounts) -> WerCounts:
        return WerCounts(self.substitutions + other.substitutions, self.deletions + other.deletions,
                         self.insertions + other.insertions, self.reference_words + other.reference_words)

    def as_dict(self) -> dict[str, int]:
        return {"substitutions": self.substitutions, "deletions": self.deletions,
                "insertions": self.insertions, "reference_words": self.reference_words}


def wer_counts(reference: str, hypothesis: str) -> WerCounts:
    """Substitutions, deletions and insertions turning `reference` into `hypothesis` (normalized)."""
    ref = normalize_transcript(reference)
    hyp = normalize_transcript(hypothesis)
    if not ref:
        return WerCounts(insertions=len(hyp.split()))
    if not hyp:
        n = len(ref.split())
        return WerCounts(deletions=n, reference_words=n)
    out = jiwer.process_words(ref, hyp)
    return WerCounts(out.substitutions, out.deletions, out.insertions, out.substitutions + out.deletions + out.hits)


def track_text(regions: Iterable[Mapping[str, Any]], track: str) -> str:
    """The text of one transcript track: its regions' texts in time order, joined by spaces."""
    timed = [r for r in regions if r.get("track") == track and isinstance(r.get("text"), str)]
    timed.sort(key=lambda r: (r.get("start_ms", 0), r.get("end_ms", 0)))
    return " ".join(r["text"] for r in timed)


def prelabel_wer(result: Mapping[str, Any], prelabels: Sequence[Mapping[str, Any]],
                 tracks: Iterable[str]) -> dict[str, WerCounts]:
    """Per transcript track that a pre-label filled: the counts of the pre-label's text against
    the submitted text. Tracks no pre-label has text on are left out (nothing to compare)."""
    out: dict[str, WerCounts] = {}
    regions = result.get("regions", [])
    for track in tracks:
        suggested = [r for p in prelabels for r in p.get("regions", [])]
        hypothesis = track_text(suggested, track)
        if not hypothesis.strip():
            continue
        out[track] = wer_counts(track_text(regions, track), hypothesis)
    return out
