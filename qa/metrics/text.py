"""Agreement on text: labelled character spans and transcripts."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Hashable, Sequence

import jiwer
import numpy as np

from qa.metrics.matching import MatchResult, assign, interval_iou, prf
from qa.metrics.reliability import cohen_kappa
from qa.metrics.timeline import paint

Span = tuple[int, int, Hashable]
OUTSIDE = "O"
_TOKEN = re.compile(r"\S+")
_PUNCT = re.compile(r"[^\w\s']+")


def tokenize(text: str) -> list[tuple[int, int]]:
    """Whitespace tokens of a text as (start_char, end_char) offsets."""
    return [(m.start(), m.end()) for m in _TOKEN.finditer(text)]


def span_f1(reference: Sequence[Span], candidate: Sequence[Span], mode: str = "exact") -> MatchResult:
    """F1 of labelled character spans (start_char, end_char, label).

    "exact": a match needs the same label and identical offsets (the CoNLL convention).
    "overlap": same label and at least one shared character, matched one-to-one preferring larger
    overlap, which credits boundary slips (an article or a title left out) as found entities.
    """
    if mode == "exact":
        ref_c = Counter((int(s), int(e), lab) for s, e, lab in reference)
        cand_c = Counter((int(s), int(e), lab) for s, e, lab in candidate)
        tp = sum((ref_c & cand_c).values())
        p, r, f = prf(tp, len(reference), len(candidate))
        return MatchResult(p, r, f, len(reference), len(candidate), _exact_pairs(reference, candidate))
    if mode != "overlap":
        raise ValueError("mode must be 'exact' or 'overlap'")
    rs = np.array([x[0] for x in reference], dtype=np.float64)
    re_ = np.array([x[1] for x in reference], dtype=np.float64)
    cs = np.array([x[0] for x in candidate], dtype=np.float64)
    ce = np.array([x[1] for x in candidate], dtype=np.float64)
    q = interval_iou(rs, re_, cs, ce)
    same = np.array([[a[2] == b[2] for b in candidate] for a in reference], dtype=bool).reshape(q.shape)
    ri, ci, qq = assign(q, (q > 0) & same)
    p, r, f = prf(len(ri), len(reference), len(candidate))
    return MatchResult(
        p, r, f, len(reference), len(candidate), [(int(a), int(b), float(x)) for a, b, x in zip(ri, ci, qq)]
    )


def _exact_pairs(reference: Sequence[Span], candidate: Sequence[Span]) -> list[tuple[int, int, float]]:
    free: dict[tuple[int, int, Hashable], list[int]] = {}
    for j, (s, e, lab) in enumerate(candidate):
        free.setdefault((int(s), int(e), lab), []).append(j)
    pairs = []
    for i, (s, e, lab) in enumerate(reference):
        slot = free.get((int(s), int(e), lab))
        if slot:
            pairs.append((i, slot.pop(0), 1.0))
    return pairs


def token_labels(spans: Sequence[Span], tokens: Sequence[tuple[int, int]], outside: str = OUTSIDE) -> list[Hashable]:
    """Label of each token: the span covering the token's first character, else `outside`."""
    labels: list[Hashable] = sorted({s[2] for s in spans}, key=repr)
    index = {lab: i for i, lab in enumerate(labels)}
    codes = paint(
        np.array([s[0] for s in spans], dtype=np.float64),
        np.array([s[1] for s in spans], dtype=np.float64),
        np.array([index[s[2]] for s in spans], dtype=np.int64),
        np.array([t[0] for t in tokens], dtype=np.float64),
    )
    return [labels[c] if c >= 0 else outside for c in codes.tolist()]


def token_kappa(
    spans_a: Sequence[Span], spans_b: Sequence[Span], tokens: Sequence[tuple[int, int]] | str
) -> float:
    """Cohen's kappa over tokens, each token labelled by the span covering it or "O".

    `tokens` is a list of (start_char, end_char) offsets or the text itself (split on whitespace).
    Token level rather than span level because kappa needs a fixed set of items both annotators
    rated, which spans (different in number and extent) do not provide. NaN when undefined.
    """
    toks = tokenize(tokens) if isinstance(tokens, str) else list(tokens)
    return cohen_kappa(token_labels(spans_a, toks), token_labels(spans_b, toks))


def normalize_transcript(text: str) -> str:
    """Lower case, punctuation dropped, whitespace collapsed: what WER between annotators compares."""
    return " ".join(_PUNCT.sub(" ", text.lower()).split())


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word error rate (S + D + I) / N of `hypothesis` against `reference`, via jiwer.

    Both empty is 0.0; an empty reference with words in the hypothesis raises ValueError (no N).
    """
    if not reference.split():
        if not hypothesis.split():
            return 0.0
        raise ValueError("word error rate is undefined for an empty reference")
    if not hypothesis.split():
        return 1.0
    return float(jiwer.wer(reference, hypothesis))
