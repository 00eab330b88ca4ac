"""SVG helpers: escaping, log-scale ticks and mapping, number formats."""

from __future__ import annotations

import math

import pytest

from joulebench.report.svg import LogScale, esc, fmt_num, fmt_params, log_ticks


def test_esc_covers_text_and_both_quote_styles() -> None:
    assert esc("<a href='x'>\"&\"</a>") == (
        "&lt;a href=&#x27;x&#x27;&gt;&quot;&amp;&quot;&lt;/a&gt;"
    )


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (1.0, 1000.0, [1.0, 10.0, 100.0, 1000.0]),
        (0.002, 2907.0, [1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1e3, 1e4]),
        (3.0, 7.0, [1.0, 2.0, 5.0, 10.0]),  # under one decade: 2x and 5x steps
        (5.0, 5.0, [1.0, 2.0, 5.0, 10.0]),  # one value
        (10.0, 10.0, [10.0, 20.0, 50.0, 100.0]),  # exactly on a decade
        (2.0, 40.0, [1.0, 10.0, 100.0]),
    ],
)
def test_log_ticks(low: float, high: float, expected: list[float]) -> None:
    ticks = log_ticks(low, high)
    assert ticks == pytest.approx(expected)
    assert ticks[0] <= low and ticks[-1] >= high


def test_log_ticks_swapped_bounds() -> None:
    assert log_ticks(1000.0, 1.0) == log_ticks(1.0, 1000.0)


@pytest.mark.parametrize("bad", [(0.0, 1.0), (-1.0, 10.0), (1.0, math.inf), (math.nan, 1.0)])
def test_log_ticks_rejects_non_positive(bad: tuple[float, float]) -> None:
    with pytest.raises(ValueError):
        log_ticks(*bad)


def test_log_scale_maps_decades_evenly_and_clamps() -> None:
    s = LogScale.covering([1.0, 1000.0], 100.0, 400.0)
    assert (s.domain_low, s.domain_high) == (1.0, 1000.0)
    assert s(1.0) == pytest.approx(100.0)
    assert s(10.0) == pytest.approx(200.0)
    assert s(100.0) == pytest.approx(300.0)
    assert s(1e6) == pytest.approx(400.0)  # clamped
    inverted = LogScale(1.0, 100.0, 300.0, 100.0)  # y axes grow upwards
    assert inverted(10.0) == pytest.approx(200.0)


def test_log_scale_ignores_non_positive_values() -> None:
    s = LogScale.covering([0.0, -3.0, 5.0, 50.0], 0.0, 1.0)
    assert (s.domain_low, s.domain_high) == (1.0, 100.0)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (2.0, "2"),
        (0.00234567, "0.00235"),
        (1234.6, "1,235"),  # integers keep all their digits
        (12.5, "12.5"),
        (2907.0, "2,907"),
        (1e-8, "1.00e-08"),
    ],
)
def test_fmt_num(value: float, text: str) -> None:
    assert fmt_num(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(66_000_000, "66M"), (1_070_000_000, "1.07B"), (340_000, "340k"), (999, "999")],
)
def test_fmt_params(value: int, text: str) -> None:
    assert fmt_params(value) == text
