"""SVG building blocks: escaping, log-scale axes, number formats, the task palette.

Everything here returns strings of markup with every user-provided string escaped;
``charts`` composes them into the report's figures.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any

# Ten distinguishable colours (Tableau 10, colour-blind friendly order), one per task.
PALETTE = (
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
)  # fmt: skip
REFERENCE_COLOUR = "#222222"


def esc(value: object) -> str:
    """Escape text for HTML/SVG text and double- or single-quoted attribute values."""
    return html.escape(str(value), quote=True)


def fmt_num(value: float, digits: int = 3) -> str:
    """``digits`` significant digits (whole numbers keep all theirs), thousands
    separated; an exponent only below 1e-6 or from 1e9."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    mag = abs(value)
    if mag >= 1e9 or mag < 1e-6:
        return f"{value:.{digits - 1}e}"
    decimals = max(0, digits - 1 - math.floor(math.log10(mag)))
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def fmt_wh(wh: float) -> str:
    """An energy in words: "2.29 Wh", or in kWh from 1,000 Wh ("2.91 kWh", the study's unit)."""
    if abs(wh) >= 1000.0:
        return f"{fmt_num(wh / 1000.0)} kWh"
    return f"{fmt_num(wh)} Wh"


def fmt_params(value: float) -> str:
    """Parameter counts the way model cards say them: 66M, 1.5B, 340k."""
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{fmt_num(value / limit, 3)}{suffix}"
    return fmt_num(value, 3)


def log_ticks(low: float, high: float) -> list[float]:
    """Tick values for a log axis covering [low, high] (both > 0).

    Decades (1, 10, 100 ...) from the decade at or below ``low`` to the one at or above
    ``high``; when that gives fewer than three ticks, 2x and 5x steps are added.
    """
    if low <= 0 or high <= 0 or not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError("log axis bounds must be finite and positive")
    if high < low:
        low, high = high, low
    lo_exp = math.floor(math.log10(low) + 1e-9)
    hi_exp = math.ceil(math.log10(high) - 1e-9)
    if hi_exp == lo_exp:
        hi_exp += 1
    decades = [10.0**e for e in range(lo_exp, hi_exp + 1)]
    if len(decades) >= 3:
        return decades
    ticks = []
    for d in decades:
        for m in (1.0, 2.0, 5.0):
            v = d * m
            if v <= decades[-1] * (1 + 1e-9):
                ticks.append(v)
    return ticks


@dataclass(frozen=True)
class LogScale:
    """Maps values in [domain_low, domain_high] (log10) onto [range_low, range_high] pixels."""

    domain_low: float
    domain_high: float
    range_low: float
    range_high: float

    @classmethod
    def covering(cls, values: list[float], range_low: float, range_high: float) -> LogScale:
        positive = [v for v in values if v > 0 and math.isfinite(v)] or [1.0]
        ticks = log_ticks(min(positive), max(positive))
        return cls(ticks[0], ticks[-1], range_low, range_high)

    @property
    def ticks(self) -> list[float]:
        return log_ticks(self.domain_low, self.domain_high)

    def __call__(self, value: float) -> float:
        v = min(max(value, self.domain_low), self.domain_high)
        lo, hi = math.log10(self.domain_low), math.log10(self.domain_high)
        frac = (math.log10(v) - lo) / (hi - lo)
        return self.range_low + frac * (self.range_high - self.range_low)


@dataclass(frozen=True)
class LinearScale:
    """Maps values in [domain_low, domain_high] linearly onto [range_low, range_high] pixels;
    ``ticks`` at a round step (0.05, 0.1, 0.2, ...) giving 3 to 6 ticks."""

    domain_low: float
    domain_high: float
    range_low: float
    range_high: float

    @classmethod
    def covering(
        cls, values: list[float], range_low: float, range_high: float, *, clamp: tuple[float, float]
    ) -> LinearScale:
        """A domain covering ``values`` on round steps, within ``clamp`` (e.g. (0, 1))."""
        known = [v for v in values if math.isfinite(v)] or [clamp[0], clamp[1]]
        lo, hi = min(known), max(known)
        if hi - lo < 1e-6:  # one value: a band around it
            lo, hi = lo - 0.05 * (abs(lo) or 1.0), hi + 0.05 * (abs(hi) or 1.0)
        step = _linear_step(hi - lo)
        lo = max(clamp[0], round(math.floor(lo / step + 1e-9) * step, 10))
        hi = min(clamp[1], round(math.ceil(hi / step - 1e-9) * step, 10))
        return cls(lo, hi, range_low, range_high)

    @property
    def ticks(self) -> list[float]:
        step = _linear_step(self.domain_high - self.domain_low)
        first = math.ceil(self.domain_low / step - 1e-9)
        last = math.floor(self.domain_high / step + 1e-9)
        return [round(k * step, 10) for k in range(first, last + 1)]

    def __call__(self, value: float) -> float:
        v = min(max(value, self.domain_low), self.domain_high)
        span = self.domain_high - self.domain_low or 1.0
        return self.range_low + (v - self.domain_low) / span * (self.range_high - self.range_low)


def _linear_step(span: float) -> float:
    """The round step (1, 2 or 5 x 10^k) that cuts ``span`` into 2 to 5 intervals."""
    exp = math.floor(math.log10(span))
    for m in (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0):
        step = m * 10.0**exp
        if span / step <= 5 + 1e-9:
            return step
    return 10.0 ** (exp + 1)


def text(x: float, y: float, content: str, *, cls: str = "", anchor: str = "start",
         extra: str = "") -> str:  # fmt: skip
    c = f' class="{esc(cls)}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{c}{extra}>{esc(content)}</text>'


def x_log_axis(
    scale: LogScale, y_top: float, y_bottom: float, label: str, fmt=fmt_num
) -> list[str]:
    """Vertical grid lines, tick labels under the plot and the axis title."""
    out = []
    for t in scale.ticks:
        x = scale(t)
        out.append(
            f'<line class="grid" x1="{x:.1f}" y1="{y_top:.1f}" x2="{x:.1f}" y2="{y_bottom:.1f}"/>'
        )
        out.append(text(x, y_bottom + 16, fmt(t), cls="tick", anchor="middle"))
    mid = (scale.range_low + scale.range_high) / 2
    out.append(text(mid, y_bottom + 36, label, cls="axis-title", anchor="middle"))
    return out


def _y_axis(scale: Any, x_left: float, x_right: float, label: str, fmt: Any,
            title_dx: float) -> list[str]:
    """Horizontal grid lines, tick labels left of the plot and the rotated axis title."""
    out = []
    for t in scale.ticks:
        y = scale(t)
        out.append(
            f'<line class="grid" x1="{x_left:.1f}" y1="{y:.1f}" x2="{x_right:.1f}" y2="{y:.1f}"/>'
        )
        out.append(text(x_left - 6, y + 4, fmt(t), cls="tick", anchor="end"))
    mid = (scale.range_low + scale.range_high) / 2
    out.append(
        f'<text class="axis-title" text-anchor="middle" '
        f'transform="translate({x_left - title_dx:.1f},{mid:.1f}) rotate(-90)">{esc(label)}</text>'
    )
    return out


def y_log_axis(
    scale: LogScale, x_left: float, x_right: float, label: str, fmt=fmt_num
) -> list[str]:
    return _y_axis(scale, x_left, x_right, label, fmt, title_dx=52)


def y_linear_axis(
    scale: LinearScale, x_left: float, x_right: float, label: str, fmt=fmt_num
) -> list[str]:
    return _y_axis(scale, x_left, x_right, label, fmt, title_dx=38)


def svg_open(width: int, height: int, chart_id: str, title: str) -> str:
    """The chart's ``<svg>``: it scales with the page but never below its own width (in
    CSS px), so its text keeps its font size on a phone and the chart scrolls sideways
    (the report wraps it in ``.chart-scroll``)."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{esc(chart_id)}" '
        f'viewBox="0 0 {width} {height}" style="min-width:{width}px" role="img" '
        f'aria-label="{esc(title)}">'
    )
