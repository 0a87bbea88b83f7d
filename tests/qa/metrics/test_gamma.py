"""Gamma (Mathet et al. 2015) through pygamma-agreement."""

import pytest

from qa.metrics import gamma_agreement

# The Alex/Paul/Suzan continuum used by pygamma-agreement's test suite (tests/test_gammas.py,
# test_gamma_alexpaulsuzan), whose published figures for alpha=3, beta=1, delta_empty=1 with the
# shuffling sampler are: 6 unitary alignments, best-alignment disorder 0.96, gamma in [0.44, 0.47].
ALEX_PAUL_SUZAN = [
    ("Alex", 2, 9, "1"), ("Alex", 11, 17, "2"), ("Alex", 24, 30, "5"), ("Alex", 32, 36, "6"),
    ("Alex", 36, 44, "6"), ("Alex", 44, 60, "7"),
    ("Paul", 2, 9, "1"), ("Paul", 11, 17, "3"), ("Paul", 19, 25, "5"), ("Paul", 32, 44, "6"),
    ("Suzan", 2, 9, "1"), ("Suzan", 11, 17, "4"), ("Suzan", 21, 27, "5"), ("Suzan", 32, 36, "6"),
    ("Suzan", 36, 40, "6"), ("Suzan", 40, 44, "6"),
]


@pytest.mark.slow
def test_gamma_reproduces_the_pygamma_agreement_alex_paul_suzan_figures() -> None:
    result = gamma_agreement(ALEX_PAUL_SUZAN, alpha=3, beta=1, seed=4772)
    assert result["n_unitary_alignments"] == 6
    assert result["observed_disorder"] == pytest.approx(0.96, rel=0.01)
    assert 0.44 <= result["gamma"] <= 0.47


@pytest.mark.slow
def test_gamma_is_deterministic_for_a_seed() -> None:
    first = gamma_agreement(ALEX_PAUL_SUZAN, seed=3)
    assert gamma_agreement(ALEX_PAUL_SUZAN, seed=3) == first


@pytest.mark.slow
def test_identical_annotators_have_zero_disorder_and_gamma_one() -> None:
    units = [(a, s, e, c) for a in ("x", "y") for s, e, c in [(0, 10, "p"), (20, 35, "q"), (40, 50, "p")]]
    result = gamma_agreement(units, seed=0)
    assert result["observed_disorder"] == 0.0
    assert result["gamma"] == 1.0


def test_gamma_needs_two_annotators() -> None:
    with pytest.raises(ValueError, match="two annotators"):
        gamma_agreement([("x", 0, 1, "a")])
