"""Chance-corrected agreement coefficients on coded data: Krippendorff's alpha, Cohen's and Fleiss' kappa.

Alpha is computed through its coincidence matrix: that matrix is a sufficient statistic, so the
time-sliced timeline measure, per-label binary alphas and project-level pooling can all reuse it
without revisiting the raw data.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import Any, Literal, cast

import krippendorff
import numpy as np
from numpy.typing import NDArray

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")


def is_missing(value: Any) -> bool:
    """True for None and float NaN: the two spellings of 'no value' in reliability data."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")


def encode_values(
    rows: Sequence[Sequence[Any]], level: str = "nominal"
) -> tuple[NDArray[np.float64], list[Any]]:
    """Turn reliability data with numbers or strings into a float matrix with NaN for missing.

    Numbers stay numbers (their distances matter for interval and ratio data). Strings become codes:
    for nominal data any injective coding works; for ordinal data the sorted order of the strings is
    taken as the rank order, because ordinal alpha depends only on ranks. Interval and ratio data
    need numeric values, so strings there are refused.
    """
    _check_level(level)
    width = max((len(r) for r in rows), default=0)
    if any(len(r) != width for r in rows):
        raise ValueError("every annotator row must have one entry per unit")
    present = [v for r in rows for v in r if not is_missing(v)]
    has_str = any(isinstance(v, str) for v in present)
    out = np.full((len(rows), width), np.nan)
    if not has_str:
        for i, r in enumerate(rows):
            for j, v in enumerate(r):
                if not is_missing(v):
                    out[i, j] = float(v)
        return out, sorted(set(float(v) for v in present))
    if level in ("interval", "ratio"):
        raise ValueError(f"{level} alpha needs numeric values; got strings")
    if not all(isinstance(v, str) for v in present):
        raise ValueError("values must be all numbers or all strings")
    domain = sorted(set(present))
    code = {v: float(k) for k, v in enumerate(domain)}
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            if not is_missing(v):
                out[i, j] = code[v]
    return out, domain


def krippendorff_alpha(reliability_data: Sequence[Sequence[Any]] | NDArray[Any], level: str = "nominal") -> float:
    """Krippendorff's alpha for annotators (rows) by units (columns); None or NaN is missing.

    The arithmetic is the `krippendorff` package's; this wrapper adds string values (coded as
    described in `encode_values`) and a nominal default, which suits label data.
    """
    rows = np.asarray(reliability_data, dtype=object).tolist() if isinstance(reliability_data, np.ndarray) else reliability_data
    data, domain = encode_values(rows, level)
    if len(domain) < 2:
        raise ValueError("alpha needs at least two distinct values in the data")
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement=cast(Level, level)))


def coincidence_matrix(
    codes: NDArray[np.int64], n_categories: int, weights: NDArray[np.float64] | None = None
) -> NDArray[np.float64]:
    """Weighted coincidence matrix from integer codes (annotators x units, -1 = missing).

    o[c, k] = sum_u w_u (n_uc n_uk - [c = k] n_uc) / (m_u - 1) over units with m_u >= 2 values.
    The weight lets one row stand for many identical units (a run of equal timeline ticks).
    """
    n_units = codes.shape[1]
    w = np.ones(n_units) if weights is None else np.asarray(weights, dtype=np.float64)
    valid = codes >= 0
    unit_idx = np.broadcast_to(np.arange(n_units), codes.shape)[valid]
    counts = np.bincount(unit_idx * n_categories + codes[valid], minlength=n_units * n_categories).reshape(
        n_units, n_categories
    ).astype(np.float64)
    m = counts.sum(axis=1)
    keep = m >= 2
    scale = np.zeros(n_units)
    scale[keep] = w[keep] / (m[keep] - 1.0)
    scaled = counts * scale[:, None]
    o = counts.T @ scaled
    o[np.diag_indices(n_categories)] -= scaled.sum(axis=0)
    return o


def delta_matrix(n_c: NDArray[np.float64], level: str, values: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
    """Squared distance between categories for each level of measurement (Krippendorff 2011).

    Ordinal distances depend on the marginal counts n_c of the ranks in between, which is why the
    marginals are an input; interval and ratio distances need the categories' numeric values.
    """
    _check_level(level)
    k = len(n_c)
    if level == "nominal":
        return 1.0 - np.eye(k)
    if level == "ordinal":
        cum = np.concatenate([[0.0], np.cumsum(n_c)])
        lo = np.minimum.outer(np.arange(k), np.arange(k))
        hi = np.maximum.outer(np.arange(k), np.arange(k))
        between = cum[hi + 1] - cum[lo] - (n_c[:, None] + n_c[None, :]) / 2.0
        return np.asarray(between**2, dtype=np.float64)
    v = np.arange(k, dtype=np.float64) if values is None else np.asarray(values, dtype=np.float64)
    diff = np.subtract.outer(v, v)
    if level == "interval":
        return np.asarray(diff**2, dtype=np.float64)
    total = np.add.outer(v, v)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(total == 0, 0.0, diff / np.where(total == 0, 1.0, total))
    return np.asarray(r**2, dtype=np.float64)


def alpha_from_coincidences(
    o: NDArray[np.float64], level: str = "nominal", values: NDArray[np.float64] | None = None
) -> float:
    """Alpha = 1 - D_o / D_e from a coincidence matrix; NaN when chance disagreement is zero.

    NaN (not an exception) because a report over thousands of tasks meets tasks where every
    annotator used one category throughout, and alpha is undefined there rather than an error.
    """
    n_c = o.sum(axis=1)
    n = n_c.sum()
    if n <= 1:
        return float("nan")
    if level == "nominal":
        d_e_nom = (n * n - float((n_c * n_c).sum())) / (n - 1.0)
        return 1.0 - (n - float(np.trace(o))) / d_e_nom if d_e_nom > 0 else float("nan")
    d = delta_matrix(n_c, level, values)
    d_o = float((o * d).sum())
    d_e: float = float((np.outer(n_c, n_c) * d).sum()) / (n - 1.0)
    if d_e <= 0:
        return float("nan")
    return 1.0 - d_o / d_e


def binary_alphas(o: NDArray[np.float64], n_labels: int) -> list[float | None]:
    """Nominal alpha of 'this label vs anything else' for each of the first `n_labels` categories.

    Collapsing to two categories gives D_o = 2 (r - a) and D_e = 2 r (n - r) / (n - 1), where a is
    the label's diagonal cell and r its row total, so every label costs a few array operations.
    None where a label's alpha is undefined (it covers nothing, or everything).
    """
    rows = o.sum(axis=1)[:n_labels]
    n = float(o.sum())
    a = np.diag(o)[:n_labels]
    denom = rows * (n - rows)
    ok = denom > 0
    alpha = np.full(n_labels, np.nan)
    alpha[ok] = 1.0 - (rows[ok] - a[ok]) * (n - 1.0) / denom[ok]
    return [None if math.isnan(x) else x for x in alpha.tolist()]


def _category_index(labels: Sequence[Hashable]) -> list[Any]:
    present = [v for v in labels if not is_missing(v)]
    try:
        return sorted(set(present))
    except TypeError:
        return sorted(set(present), key=repr)


def cohen_kappa(
    labels_a: Sequence[Hashable], labels_b: Sequence[Hashable], weights: str | None = None
) -> float:
    """Cohen's kappa for two annotators over the same items; pairs with a missing label are skipped.

    Weighted variants place categories by their sorted order (rank positions, as in Cohen 1968), so
    "linear" and "quadratic" are meaningful for ordered labels only. NaN when chance agreement is 1.
    """
    if len(labels_a) != len(labels_b):
        raise ValueError("both annotators must label the same items")
    if weights not in (None, "linear", "quadratic"):
        raise ValueError("weights must be None, 'linear' or 'quadratic'")
    pairs = [(a, b) for a, b in zip(labels_a, labels_b) if not (is_missing(a) or is_missing(b))]
    if not pairs:
        return float("nan")
    cats = _category_index([p[0] for p in pairs] + [p[1] for p in pairs])
    index = {c: i for i, c in enumerate(cats)}
    k = len(cats)
    ia = np.fromiter((index[a] for a, _ in pairs), dtype=np.int64, count=len(pairs))
    ib = np.fromiter((index[b] for _, b in pairs), dtype=np.int64, count=len(pairs))
    observed = np.bincount(ia * k + ib, minlength=k * k).reshape(k, k).astype(np.float64)
    return kappa_from_confusion(observed, weights)


def kappa_from_confusion(observed: NDArray[np.float64], weights: str | None = None) -> float:
    """Cohen's kappa from a k x k confusion matrix of counts (rows annotator A, columns B)."""
    k = observed.shape[0]
    total = observed.sum()
    if total == 0:
        return float("nan")
    p = observed / total
    expected = np.outer(p.sum(axis=1), p.sum(axis=0))
    pos = np.arange(k, dtype=np.float64)
    span = max(k - 1, 1)
    if weights is None:
        w = 1.0 - np.eye(k)
    elif weights == "linear":
        w = np.abs(np.subtract.outer(pos, pos)) / span
    else:
        w = (np.subtract.outer(pos, pos) / span) ** 2
    denom = float((w * expected).sum())
    if denom <= 0:
        return float("nan")
    return 1.0 - float((w * p).sum()) / denom


def fleiss_kappa(table: Sequence[Sequence[float]] | NDArray[Any]) -> float:
    """Fleiss' kappa from a units x categories table of rater counts (same number of raters per unit).

    Fleiss (1971): mean per-unit pairwise agreement P_bar against chance sum_j p_j^2.
    """
    t = np.asarray(table, dtype=np.float64)
    if t.ndim != 2 or t.shape[0] == 0:
        raise ValueError("table must be a non-empty units x categories matrix")
    n = t.sum(axis=1)
    if not np.all(n == n[0]) or n[0] < 2:
        raise ValueError("every unit needs the same number (>= 2) of ratings")
    raters = n[0]
    p_j = t.sum(axis=0) / t.sum()
    p_i = ((t * t).sum(axis=1) - raters) / (raters * (raters - 1))
    p_bar = float(p_i.mean())
    p_e = float((p_j**2).sum())
    if p_e >= 1.0:
        return float("nan")
    return (p_bar - p_e) / (1.0 - p_e)
