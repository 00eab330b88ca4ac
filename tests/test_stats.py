"""joulebench.stats: summaries, exact Student t, Welch, percentiles, adaptive-stop width."""

from __future__ import annotations

import math
import statistics

import pytest

from joulebench.stats import (
    MIN_RUNS_FOR_INTERVAL,
    TOO_FEW_FOR_INTERVAL,
    Summary,
    ci_half_width_pct,
    latency_summary,
    percentile,
    positive_interval,
    summarize,
    summarize_or_none,
    t_cdf,
    t_ppf,
    welch,
)


def test_summarize_four_values() -> None:
    s = summarize([1.0, 2.0, 3.0, 4.0])
    assert s.n == 4
    assert s.mean == 2.5
    assert s.median == 2.5
    assert s.std == pytest.approx(1.2909944487, rel=1e-9)  # sqrt(5/3)
    # t(0.975, 3) = 3.182446305; half width = 3.182446305 * 1.290994449 / 2 = 2.054260257
    assert s.ci95_low == pytest.approx(0.445739743, rel=1e-6)
    assert s.ci95_high == pytest.approx(4.554260257, rel=1e-6)
    assert s.ci95_half_width == pytest.approx(2.054260257, rel=1e-6)


def test_summarize_one_value_has_no_spread() -> None:
    assert summarize([7.0]) == Summary(1, 7.0, None, 7.0, None, None)


def test_summarize_rejects_empty_and_nan() -> None:
    with pytest.raises(ValueError):
        summarize([])
    with pytest.raises(ValueError):
        summarize([1.0, math.nan])


def test_scaled_converts_units() -> None:
    s = summarize([3600.0, 7200.0]).scaled(1 / 3600.0)
    assert s.mean == pytest.approx(1.5)
    assert s.std == pytest.approx(math.sqrt(0.5))


def test_summarize_or_none_skips_unknown_values() -> None:
    assert summarize_or_none([None, None]) is None
    assert summarize_or_none([None, 2.0, 4.0]) == summarize([2.0, 4.0])


# Published two-sided 95% quantiles t(0.975, df); past df 30 they are not 1.96.
@pytest.mark.parametrize(
    ("df", "expected"),
    [
        (1, 12.7062047),
        (2, 4.30265273),
        (5, 2.57058184),
        (9, 2.2621572),
        (30, 2.04227246),
        (31, 2.03951345),
        (40, 2.02107539),
        (100, 1.98397152),
        (1000, 1.96233908),
        (1e9, 1.9599640),
    ],
)
def test_t_quantile_975(df: float, expected: float) -> None:
    assert t_ppf(0.975, df) == pytest.approx(expected, abs=1e-6)


def test_t_cdf_symmetry_and_known_value() -> None:
    assert t_cdf(0.0, 5) == pytest.approx(0.5)
    assert t_cdf(2.015048, 5) == pytest.approx(0.95, abs=1e-6)
    assert t_ppf(0.025, 5) == pytest.approx(-t_ppf(0.975, 5))


def test_welch_known_case() -> None:
    w = welch([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
    assert w is not None
    assert w.t == pytest.approx(3.6742346, rel=1e-6)  # 3 / sqrt(1/3 + 1/3)
    assert w.df == pytest.approx(4.0)
    assert w.p_value == pytest.approx(0.0213116, abs=1e-6)
    assert w.significant


def test_welch_unequal_variances_df() -> None:
    # va = 1/3, vb = 4/3 (variances 1 and 4 over n = 3): df = (5/3)^2 / ((1/9 + 16/9) / 2)
    w = welch([1.0, 2.0, 3.0], [2.0, 4.0, 6.0])
    assert w is not None
    assert w.df == pytest.approx((25 / 9) / (17 / 18), rel=1e-9)
    assert not w.significant


def test_welch_needs_two_values_and_handles_zero_spread() -> None:
    assert welch([1.0], [1.0, 2.0]) is None
    same = welch([2.0, 2.0], [2.0, 2.0])
    assert same is not None and same.p_value == 1.0 and not same.significant
    apart = welch([2.0, 2.0], [3.0, 3.0])
    assert apart is not None and apart.significant


def test_ci_half_width_pct_is_summarize_interval_past_df_30() -> None:
    values = [10.0 + 0.5 * (i % 7) for i in range(35)]  # df 34: the table used 1.96 here
    s = summarize(values)
    assert s.ci95_half_width is not None
    assert ci_half_width_pct(values) == pytest.approx(100.0 * s.ci95_half_width / s.mean, rel=1e-12)
    # By hand with the published t(0.975, 34) = 2.03224451.
    by_hand = (
        100.0 * 2.03224451 * statistics.stdev(values) / math.sqrt(35) / statistics.fmean(values)
    )
    assert ci_half_width_pct(values) == pytest.approx(by_hand, rel=1e-7)


def test_ci_half_width_pct_undefined_cases() -> None:
    assert ci_half_width_pct([1.0]) is None
    assert ci_half_width_pct([1.0, 1.0]) == 0.0
    assert ci_half_width_pct([-1.0, -2.0]) is None  # mean <= 0
    assert ci_half_width_pct([1.0, math.nan]) is None


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([1, 2, 3, 4], 90, 3.7),  # pos 2.7: 3 + 0.7 * (4 - 3)
        ([1, 2, 3, 4], 50, 2.5),
        ([1, 2, 3, 4, 5], 20, 1.8),  # pos 0.8
        ([4, 1, 3, 2], 25, 1.75),  # unsorted input; pos 0.75
        ([10.0], 80, 10.0),
        ([1, 2, 3, 4], 0, 1.0),
        ([1, 2, 3, 4], 100, 4.0),
    ],
)
def test_percentile_linear_interpolation(values: list[float], q: float, expected: float) -> None:
    assert percentile(values, q) == pytest.approx(expected)


def test_percentile_rejects_empty_and_out_of_range() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_latency_summary_splits_batched_calls() -> None:
    # Two queries per call: per-query times 0.05, 0.10, 0.15, 0.20 s.
    got = latency_summary([0.1, 0.2, 0.3, 0.4], queries_per_call=2)
    assert got == pytest.approx(
        {
            "latency_median_ms": 125.0,
            "latency_mean_ms": 125.0,
            "latency_p90_ms": 185.0,  # 0.15 + 0.7 * 0.05 s
            "latency_min_ms": 50.0,
            "latency_max_ms": 200.0,
            "latency_total_s": 1.0,
        }
    )


def test_positive_interval_keeps_a_positive_t_interval() -> None:
    s = summarize([1.0, 2.0, 3.0, 4.0])
    ci = positive_interval(s)
    assert ci.shown and not ci.clipped and ci.reason is None
    assert (ci.low, ci.high) == (s.ci95_low, s.ci95_high)


def test_positive_interval_clips_at_zero_and_says_so() -> None:
    # mean 4, std 5.196, t(0.975, 2) = 4.303: the t interval is -8.91 to 16.9
    s = summarize([1.0, 1.0, 10.0])
    assert s.ci95_low is not None and s.ci95_low < 0
    ci = positive_interval(s)
    assert ci.shown and ci.clipped
    assert ci.low == 0.0 and ci.high == pytest.approx(s.ci95_high)


def test_positive_interval_needs_three_values() -> None:
    assert MIN_RUNS_FOR_INTERVAL == 3
    two = positive_interval(summarize([50.0 * 0.9, 50.0 * 1.1]))  # t would give -13.5 to 114
    assert not two.shown and two.low is None and two.high is None
    assert two.reason == TOO_FEW_FOR_INTERVAL == "n too small for an interval"
    assert two.n == 2
    one = positive_interval(summarize([3.0]))
    assert not one.shown and one.reason == "single run"
    assert positive_interval(summarize([1.0, 2.0]), min_n=2).shown
    with pytest.raises(ValueError):
        positive_interval(summarize([1.0, 2.0]), min_n=1)
