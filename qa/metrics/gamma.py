"""Mathet et al. (2015) gamma for unitizing plus categorizing, computed by `pygamma-agreement`.

The package implements the published algorithm (positional-categorical dissimilarity, best
alignment as an integer linear program, expected disorder from sampled continua) and reproduces
the reference implementation's figures in its test suite, so this module only adapts plain tuples
to it, fixes the random state for reproducibility and silences the solver's console output.
It is imported lazily: the package pulls in numba/cvxpy and takes seconds to load.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

_LOCK = threading.Lock()


class _DropSolverNotice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("CBC solver not installed")


def gamma_agreement(
    units: Sequence[tuple[Hashable, float, float, Hashable]],
    alpha: float = 1.0,
    beta: float = 1.0,
    seed: int | None = None,
    *,
    delta_empty: float = 1.0,
    precision_level: float | None = 0.05,
    n_samples: int = 30,
    sampler: str = "shuffle",
) -> dict[str, Any]:
    """Gamma agreement of units (annotator, start, end, category); same seed, same result.

    alpha weighs positional, beta categorical dissimilarity. `sampler="shuffle"` draws chance
    continua by shuffling the observed units across annotators and positions (the paper's
    corpus-shuffling scheme); "statistical" draws them from fitted distributions instead.
    Returns gamma, the best alignment's disorder, the expected (chance) disorder, the number of
    chance samples and of unitary alignments.
    """
    annotators = {u[0] for u in units}
    if len(annotators) < 2:
        raise ValueError("gamma needs units from at least two annotators")
    if sampler not in ("shuffle", "statistical"):
        raise ValueError("sampler must be 'shuffle' or 'statistical'")
    import cvxopt.glpk
    import pygamma_agreement as pa
    from pyannote.core import Segment

    continuum = pa.Continuum()
    for annotator, start, end, category in units:
        if not end > start:
            raise ValueError(f"unit ({start}, {end}) must have end > start")
        continuum.add(str(annotator), Segment(float(start), float(end)), str(category))
    dissim = pa.CombinedCategoricalDissimilarity(alpha=alpha, beta=beta, delta_empty=delta_empty)
    chance: Any = pa.ShuffleContinuumSampler() if sampler == "shuffle" else pa.StatisticalContinuumSampler()
    root = logging.getLogger()
    notice = _DropSolverNotice()
    with _LOCK:
        state = np.random.get_state()
        old_msg = cvxopt.glpk.options.get("msg_lev")
        # The solver threads restore options they did not set; a global 'off' survives that race.
        cvxopt.glpk.options["msg_lev"] = "GLP_MSG_OFF"
        root.addFilter(notice)
        try:
            if seed is not None:
                np.random.seed(seed)
            result = continuum.compute_gamma(
                dissim, n_samples=n_samples, precision_level=precision_level, sampler=chance
            )
        finally:
            root.removeFilter(notice)
            if old_msg is None:
                cvxopt.glpk.options.pop("msg_lev", None)
            else:
                cvxopt.glpk.options["msg_lev"] = old_msg
            np.random.set_state(state)
    return {
        "gamma": float(result.gamma),
        "observed_disorder": float(result.observed_disorder),
        "expected_disorder": float(result.expected_disorder),
        "n_samples": int(result.n_samples),
        "n_unitary_alignments": int(result.alignments_nb),
    }
