from __future__ import annotations

import math

import pytest

from joulebench.analysis import Summary, summarize, t_cdf, t_ppf, welch


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


@pytest.mark.parametrize(
    ("df", "expected"),
    [(1, 12.7062047), (2, 4.3026527), (9, 2.2621572), (30, 2.0422725), (1e9, 1.9599640)],
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
