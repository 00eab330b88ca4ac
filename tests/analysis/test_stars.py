from __future__ import annotations

import pytest

from joulebench.analysis import cell_summaries, percentile, rate_models, size_class, star_ratings
from joulebench.analysis.stars import ONE_MODEL, rate_cells

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
    # a size class with one model is not rated: five stars among itself says nothing
    assert cohorts[1].ratings.stars == {} and cohorts[1].unrated == ONE_MODEL
    assert cohorts[1].members == ("small",)
    # values are J per query: 1 J / 10 queries = 0.1 J
    assert cohorts[0].ratings.cut_points[0] == pytest.approx(0.12)


def _cells(rows: list[tuple[str, str, float]], task: str = "text-classification"):
    recs = [
        record(f"{m}|{d}", gpu_j=j, model=m, dataset=d, task=task) for m, d, j in rows
    ]
    return cell_summaries(recs)


def test_rate_cells_follows_the_rank_where_model_means_do_not() -> None:
    # model x is cheap on one dataset and dear on another; per-model averaging would rate
    # its cheap row below a dearer row of y (the study report's "rank 10 four stars,
    # rank 11 five"); per-row rating cannot.
    rows = [
        ("x", "d1", 1.0), ("x", "d2", 9.0), ("y", "d1", 3.0), ("y", "d2", 3.2),
        ("z", "d1", 5.0), ("z", "d2", 6.0), ("w", "d1", 7.0), ("w", "d2", 8.0),
    ]  # fmt: skip
    cells = _cells(rows)
    per_model = rate_models(cells)[0].ratings.stars
    assert per_model["x"] < per_model["y"]  # x's mean 5.0 > y's 3.1
    (cohort,) = rate_cells(cells)
    assert cohort.unrated is None and cohort.n_models == 4
    ranked = sorted(rows, key=lambda r: r[2])
    stars = [cohort.ratings.stars[(m, d)] for m, d, _ in ranked]
    assert stars == sorted(stars, reverse=True)  # monotone in the rank
    assert stars[0] == 5 and stars[-1] == 1
    assert set(cohort.members) == {(m, d) for m, d, _ in rows}


def test_rate_cells_leaves_a_one_model_cohort_unrated() -> None:
    cells = _cells([("only", "d1", 1.0), ("only", "d2", 2.0), ("only", "d3", 3.0)])
    (cohort,) = rate_cells(cells)
    assert cohort.unrated == ONE_MODEL and cohort.ratings.stars == {}
    assert cohort.n_models == 1 and len(cohort.members) == 3
    two = rate_cells(_cells([("a", "d", 1.0), ("b", "d", 2.0)]))[0]
    assert two.unrated is None and two.ratings.stars == {("a", "d"): 5, ("b", "d"): 1}
    assert two.ratings.small_cohort


def test_rate_cells_splits_text_generation_by_size() -> None:
    recs = [
        record("s1", gpu_j=1.0, task="text-generation", model="s", dataset="a",
               parameters=10**9),
        record("s2", gpu_j=2.0, task="text-generation", model="t", dataset="a",
               parameters=2 * 10**9),
        record("l1", gpu_j=9.0, task="text-generation", model="l", dataset="a",
               parameters=70 * 10**9),
    ]  # fmt: skip
    cohorts = rate_cells(cell_summaries(recs))
    assert [(c.size_class, c.unrated) for c in cohorts] == [("A", None), ("C", ONE_MODEL)]
