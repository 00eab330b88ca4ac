from __future__ import annotations

import pytest

from joulebench.errors import DataError
from joulebench.quality.score import QualityScore, bootstrap_ci, mean, score


def test_interval_contains_the_value_and_is_deterministic_with_a_seed():
    hits = [1.0] * 70 + [0.0] * 30  # accuracy 70/100 = 0.7
    a = score("accuracy", hits, mean, seed=7)
    b = score("accuracy", hits, mean, seed=7)
    assert a == b
    assert a.value == pytest.approx(0.7)
    assert a.ci95_low is not None and a.ci95_high is not None
    assert a.ci95_low < a.value < a.ci95_high
    # The normal approximation, 0.7 +/- 1.96 * sqrt(0.7 * 0.3 / 100) = 0.7 +/- 0.0898: the
    # percentile bootstrap lands close to it.
    assert a.ci95_low == pytest.approx(0.61, abs=0.03)
    assert a.ci95_high == pytest.approx(0.79, abs=0.03)
    assert score("accuracy", hits, mean, seed=8) != a  # another seed, other resamples
    assert "1000 resamples, seed 7" in a.note


def test_constant_values_have_a_point_interval():
    assert bootstrap_ci([1.0, 1.0, 1.0, 1.0], mean) == (1.0, 1.0)


def test_one_query_has_no_interval_and_none_is_an_error():
    one = score("accuracy", [1.0], mean)
    assert (one.value, one.n, one.ci95_low, one.ci95_high) == (1.0, 1, None, None)
    with pytest.raises(DataError, match=r"no queries with a reference.*3 excluded"):
        score("accuracy", [], mean, n_excluded=3)
    with pytest.raises(ValueError):
        bootstrap_ci([1.0, 0.0], mean, resamples=0)


def test_as_dict_has_the_metric_and_value_a_record_stores():
    d = QualityScore("f1", 0.5, 2, 0.0, 1.0).as_dict()
    assert d["metric"] == "f1" and d["value"] == 0.5 and d["n_unmapped"] == 0
