"""Krippendorff's alpha against the worked examples of Krippendorff (2011)."""

import math

import krippendorff
import numpy as np
import pytest

from qa.metrics import alpha_from_coincidences, coincidence_matrix, krippendorff_alpha
from qa.metrics.reliability import encode_values

NAN = float("nan")
# Krippendorff, K. (2011). "Computing Krippendorff's Alpha-Reliability", section C:
# four observers, twelve units, values 1..5, with missing data.
KRIPPENDORFF_2011_C = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
]


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_alpha_reproduces_krippendorff_2011_example_with_missing_data(level: str, published: float) -> None:
    assert round(krippendorff_alpha(KRIPPENDORFF_2011_C, level=level), 3) == published


def test_alpha_reproduces_krippendorff_2011_binary_two_observer_example() -> None:
    # Krippendorff (2011), section A: two observers, ten units, binary data, alpha = 0.095.
    data = [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]
    assert round(krippendorff_alpha(data), 3) == 0.095


def test_string_values_with_none_give_the_same_nominal_alpha_as_their_numeric_codes() -> None:
    names = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}
    as_text = [[None if math.isnan(v) else names[int(v)] for v in row] for row in KRIPPENDORFF_2011_C]
    assert krippendorff_alpha(as_text) == krippendorff_alpha(KRIPPENDORFF_2011_C)


def test_ordinal_strings_are_ranked_by_their_sorted_order() -> None:
    letters = {1: "a", 2: "b", 3: "c", 4: "d", 5: "e"}
    as_text = [[None if math.isnan(v) else letters[int(v)] for v in row] for row in KRIPPENDORFF_2011_C]
    assert krippendorff_alpha(as_text, level="ordinal") == pytest.approx(
        krippendorff_alpha(KRIPPENDORFF_2011_C, level="ordinal"), abs=1e-12
    )


def test_interval_alpha_on_strings_is_refused_with_a_clear_error() -> None:
    with pytest.raises(ValueError, match="interval alpha needs numeric values"):
        krippendorff_alpha([["a", "b"], ["a", "c"]], level="interval")


def test_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="level must be one of"):
        krippendorff_alpha([[1, 2], [1, 2]], level="circular")


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_coincidence_formula_equals_the_krippendorff_package_on_random_data(level: str) -> None:
    rng = np.random.default_rng(11)
    for _ in range(20):
        data = rng.integers(1, 6, size=(4, 30)).astype(float)
        data[rng.random(data.shape) < 0.2] = np.nan
        coded, domain = encode_values(data.tolist(), level)
        index = {v: i for i, v in enumerate(domain)}
        codes = np.vectorize(lambda v, index=index: -1 if math.isnan(v) else index[v])(coded).astype(np.int64)
        o = coincidence_matrix(codes, len(domain))
        mine = alpha_from_coincidences(o, level, np.array(domain))
        assert mine == pytest.approx(krippendorff.alpha(reliability_data=data, level_of_measurement=level), abs=1e-12)  # type: ignore[arg-type]


def test_unit_weights_equal_repeating_the_unit() -> None:
    codes = np.array([[0, 1, 1], [0, 1, 0], [1, 1, -1]])
    weighted = coincidence_matrix(codes, 2, np.array([3.0, 1.0, 2.0]))
    repeated = coincidence_matrix(np.repeat(codes, [3, 1, 2], axis=1), 2)
    assert np.array_equal(weighted, repeated)


def test_alpha_is_nan_when_everyone_uses_one_category() -> None:
    assert math.isnan(alpha_from_coincidences(coincidence_matrix(np.zeros((3, 5), np.int64), 2)))
