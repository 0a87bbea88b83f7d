"""Cohen's and Fleiss' kappa against published worked examples."""

import math

import pytest

from qa.metrics import cohen_kappa, fleiss_kappa


def _expand(table: dict[tuple[str, str], int]) -> tuple[list[str], list[str]]:
    a: list[str] = []
    b: list[str] = []
    for (x, y), n in table.items():
        a += [x] * n
        b += [y] * n
    return a, b


def test_cohen_kappa_reproduces_the_wikipedia_grant_proposal_example() -> None:
    # Wikipedia, "Cohen's kappa", worked example: 50 proposals, both yes 20, A yes/B no 5,
    # A no/B yes 10, both no 15: p_o = 0.7, p_e = 0.5, kappa = 0.4.
    a, b = _expand({("yes", "yes"): 20, ("yes", "no"): 5, ("no", "yes"): 10, ("no", "no"): 15})
    assert cohen_kappa(a, b) == pytest.approx(0.4, abs=1e-12)


def test_weighted_kappa_equals_plain_kappa_with_two_categories() -> None:
    # With k = 2 the only off-diagonal weight is 1 under every scheme (Cohen 1968).
    a, b = _expand({("yes", "yes"): 20, ("yes", "no"): 5, ("no", "yes"): 10, ("no", "no"): 15})
    assert cohen_kappa(a, b, "linear") == pytest.approx(0.4, abs=1e-12)
    assert cohen_kappa(a, b, "quadratic") == pytest.approx(0.4, abs=1e-12)


def test_weighted_kappa_on_a_three_point_scale_worked_by_hand() -> None:
    # Counts (rows A, cols B) over levels 1,2,3: [[2,1,0],[0,2,1],[0,0,4]], n = 10.
    # Row marginals .3 .3 .4, column marginals .2 .3 .5.
    # Linear weights 0, .5, 1: observed = (.1+.1)*.5 = .1;
    #   expected = .5*(.3*.3+.3*.2+.3*.5+.4*.3) + 1*(.3*.5+.4*.2) = .5*.42 + .23 = .44 -> 1 - .1/.44.
    # Quadratic weights 0, .25, 1: observed = .2*.25 = .05; expected = .25*.42 + .23 = .335.
    table = {("1", "1"): 2, ("1", "2"): 1, ("2", "2"): 2, ("2", "3"): 1, ("3", "3"): 4}
    a, b = _expand(table)
    assert cohen_kappa(a, b, "linear") == pytest.approx(1 - 0.1 / 0.44, abs=1e-12)
    assert cohen_kappa(a, b, "quadratic") == pytest.approx(1 - 0.05 / 0.335, abs=1e-12)


def test_cohen_kappa_skips_pairs_with_a_missing_label() -> None:
    assert cohen_kappa(["x", "y", None, "x"], ["x", "y", "y", float("nan")]) == 1.0


def test_cohen_kappa_is_nan_when_both_use_one_category() -> None:
    assert math.isnan(cohen_kappa(["x", "x"], ["x", "x"]))


def test_fleiss_kappa_reproduces_the_wikipedia_worked_example() -> None:
    # Wikipedia, "Fleiss' kappa", worked example (14 raters, 10 subjects, 5 categories):
    # P_bar = 0.378, P_e = 0.213, kappa = 0.210.
    table = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    assert round(fleiss_kappa(table), 3) == 0.210


def test_fleiss_kappa_refuses_units_with_different_rater_counts() -> None:
    with pytest.raises(ValueError, match="same number"):
        fleiss_kappa([[1, 1], [2, 1]])
