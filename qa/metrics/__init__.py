"""Agreement mathematics on plain data: no ORM, no I/O.

The names below are the published interface; submodules are free to change behind them.
"""

from qa.metrics.adjudication import find_conflicts, merge_majority
from qa.metrics.gamma import gamma_agreement
from qa.metrics.matching import MatchResult, box_f1, point_f1, segment_f1
from qa.metrics.params import AgreementParams
from qa.metrics.project import distribution, project_report
from qa.metrics.reliability import (
    alpha_from_coincidences,
    cohen_kappa,
    coincidence_matrix,
    fleiss_kappa,
    krippendorff_alpha,
)
from qa.metrics.report import task_report, task_reports
from qa.metrics.text import normalize_transcript, span_f1, token_kappa, tokenize, word_error_rate
from qa.metrics.timeline import time_slice_matrix, time_sliced_alpha

__all__ = [
    "AgreementParams",
    "MatchResult",
    "alpha_from_coincidences",
    "box_f1",
    "cohen_kappa",
    "coincidence_matrix",
    "distribution",
    "find_conflicts",
    "fleiss_kappa",
    "gamma_agreement",
    "krippendorff_alpha",
    "merge_majority",
    "normalize_transcript",
    "point_f1",
    "project_report",
    "segment_f1",
    "span_f1",
    "task_report",
    "task_reports",
    "time_slice_matrix",
    "time_sliced_alpha",
    "token_kappa",
    "tokenize",
    "word_error_rate",
]
