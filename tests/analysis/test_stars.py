from __future__ import annotations

import pytest

from joulebench.analysis import cell_summaries, percentile, rate_models, size_class, star_ratings

from .conftest import record


def test_percentile_linear_interpolation() -> None:
    assert percentile([1, 2, 3, 4, 5], 20) == pytest.approx(1.8)
    assert percentile([10.0], 80) == 10.0


def test_ten_values_quintiles() -> None:
    r = star_ratings({f"m{i}": float(i) for i in range(1, 11)})
    # positions 1.8, 3.6, 5.4, 7.2 -> 2.8, 4.6, 6.4, 8.2
    assert r.cut_points == pytest.approx((2.8, 4.6, 6.4, 8.2))
    assert [r.stars[f"m{i}"] for i in range(1, 11)] == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert r.n == 10 and not r.small_cohort


def test_ties_get_equal_stars_and_identical_cohort_is_all_five() -> None:
    r = star_ratings({"a": 1.0, "b": 1.0, "c": 1.0, "d": 5.0, "e": 5.0})
    assert r.stars["a"] == r.stars["b"] == r.stars["c"] == 5
    # cut points 1, 1, 2.6, 5: the top value sits on the last cut -> 2 stars, not 1
    assert r.cut_points == pytest.approx((1.0, 1.0, 2.6, 5.0))
    assert r.stars["d"] == r.stars["e"] == 2
    same = star_ratings({"a": 2.0, "b": 2.0})
    assert set(same.stars.values()) == {5}


def test_small_cohorts() -> None:
    one = star_ratings({"a": 3.0})
    assert one.stars == {"a": 5} and one.small_cohort
    two = star_ratings({"a": 1.0, "b": 2.0})
    assert two.stars == {"a": 5, "b": 1} and two.small_cohort


def test_size_classes() -> None:
    assert size_class(20_000_000_000) == "A"
    assert size_class(20_000_000_001) == "B"
    assert size_class(66_000_000_000) == "B"
    assert size_class(70_000_000_000) == "C"
    assert size_class(None) is None


def test_rate_models_splits_text_generation_by_size() -> None:
    recs = [
        record("s", gpu_j=1.0, task="text-generation", model="small", parameters=1_000_000_000),
        record("l", gpu_j=9.0, task="text-generation", model="large", parameters=70_000_000_000),
        record("a", gpu_j=1.0, model="a"),
        record("b", gpu_j=2.0, model="b"),
    ]
    cohorts = rate_models(cell_summaries(recs))
    keys = [(c.task, c.size_class) for c in cohorts]
    assert keys == [
        ("text-classification", None),
        ("text-generation", "A"),
        ("text-generation", "C"),
    ]
    assert cohorts[0].ratings.stars == {"a": 5, "b": 1}
    assert cohorts[1].ratings.stars == {"small": 5}
    # values are J per query: 1 J / 10 queries = 0.1 J
    assert cohorts[0].ratings.cut_points[0] == pytest.approx(0.12)
