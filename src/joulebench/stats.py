"""Statistics, in pure Python (no numpy, no scipy): the one place joulebench computes them.

:func:`summarize` gives n, mean, sample standard deviation (n - 1), median and the
two-sided 95% confidence interval of the mean from Student's t with n - 1 degrees of
freedom (exact quantiles, :func:`t_ppf`). :func:`ci_half_width_pct` is the half width of
that same interval as a % of the mean (the runner's adaptive stopping rule).
:func:`welch` compares two samples with Welch's unequal-variance t-test.
:func:`percentile` interpolates linearly between order statistics (numpy's default);
:func:`latency_summary` gives per-query latency figures from per-call times.
:func:`positive_interval` is the interval a report shows for a quantity that cannot be
negative (energy, emissions): clipped at 0, and none with fewer than three values.
All functions are unit-agnostic: a :class:`Summary` has the unit of its inputs, and the
field that holds it names the unit (e.g. ``energy_j_per_1000_queries``).
"""

from __future__ import annotations

import functools
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

CONFIDENCE = 0.95  # the level of every interval joulebench reports


@dataclass(frozen=True)
class Summary:
    """Summary of repeated figures (one value per run), all in the unit of its field name.

    ``std`` is the sample standard deviation (divisor n - 1); ``ci95_low``/``ci95_high``
    bound the 95% Student-t confidence interval of the mean. All three are ``None`` with
    fewer than two values.
    """

    n: int
    mean: float
    std: float | None
    median: float
    ci95_low: float | None
    ci95_high: float | None

    @property
    def ci95_half_width(self) -> float | None:
        if self.ci95_low is None or self.ci95_high is None:
            return None
        return (self.ci95_high - self.ci95_low) / 2.0

    def scaled(self, factor: float) -> Summary:
        """The same summary in another unit (``factor`` > 0), e.g. J -> kWh."""
        if factor <= 0:
            raise ValueError("factor must be positive")

        def s(v: float | None) -> float | None:
            return None if v is None else v * factor

        return Summary(
            self.n,
            self.mean * factor,
            s(self.std),
            self.median * factor,
            s(self.ci95_low),
            s(self.ci95_high),
        )


def summarize(values: Iterable[float]) -> Summary:
    """n, mean, sample std, median and 95% t interval of ``values`` (at least one)."""
    xs = [float(v) for v in values]
    if not xs:
        raise ValueError("summarize() needs at least one value")
    if any(math.isnan(x) for x in xs):
        raise ValueError("summarize() got NaN")
    n = len(xs)
    mean = math.fsum(xs) / n
    median = statistics.median(xs)
    if n < 2:
        return Summary(n, mean, None, median, None, None)
    # Two-pass sample std with fsum: exact enough, and ~50x faster than statistics.stdev
    # (which works in Fractions); it dominated a 10,000-run report.
    std = math.sqrt(math.fsum((x - mean) ** 2 for x in xs) / (n - 1))
    half = t_ppf(0.5 + CONFIDENCE / 2.0, n - 1) * std / math.sqrt(n)
    return Summary(n, mean, std, median, mean - half, mean + half)


def summarize_or_none(values: Iterable[float | None]) -> Summary | None:
    """:func:`summarize` over the known values; ``None`` when none is known."""
    known = [v for v in values if v is not None]
    return summarize(known) if known else None


def ci_half_width_pct(values: Sequence[float]) -> float | None:
    """Half width of :func:`summarize`'s 95% interval of the mean, as a % of the mean.

    ``None`` when undefined: fewer than two values, a NaN among them, or a mean <= 0.
    """
    if len(values) < 2 or any(math.isnan(v) for v in values):
        return None
    s = summarize(values)
    half = s.ci95_half_width
    if half is None or s.mean <= 0:
        return None
    return 100.0 * half / s.mean


# --- Student t --------------------------------------------------------------------------


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 400):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def _betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    ln_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(ln_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with ``df`` > 0 degrees of freedom (df may be fractional)."""
    if df <= 0 or math.isnan(df):
        raise ValueError("df must be positive")
    if math.isinf(t):
        return 1.0 if t > 0 else 0.0
    tail = 0.5 * _betainc(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t > 0 else tail


@functools.lru_cache(maxsize=1024)
def t_ppf(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t with ``df`` degrees of freedom (0 < p < 1)."""
    if not 0.0 < p < 1.0:
        raise ValueError("p must be in (0, 1)")
    if p == 0.5:
        return 0.0
    if p < 0.5:
        return -t_ppf(1.0 - p, df)
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        hi *= 2.0
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12 * max(1.0, hi):
            break
    return (lo + hi) / 2.0


@dataclass(frozen=True)
class WelchTest:
    """Welch's unequal-variance t-test of mean(b) - mean(a).

    ``df`` is the Welch-Satterthwaite degrees of freedom; ``p_value`` is two-sided;
    ``significant`` is ``p_value < 0.05``.
    """

    t: float
    df: float
    p_value: float
    significant: bool


def welch(a: Iterable[float], b: Iterable[float]) -> WelchTest | None:
    """Welch's t-test; ``None`` when either sample has fewer than two values.

    Two samples without spread but with different means differ significantly (p = 0);
    two identical constant samples do not (p = 1).
    """
    xa, xb = [float(v) for v in a], [float(v) for v in b]
    if len(xa) < 2 or len(xb) < 2:
        return None
    ma, mb = math.fsum(xa) / len(xa), math.fsum(xb) / len(xb)
    va, vb = statistics.variance(xa) / len(xa), statistics.variance(xb) / len(xb)
    se2 = va + vb
    if se2 == 0.0:
        same = ma == mb
        return WelchTest(
            0.0 if same else math.copysign(math.inf, mb - ma),
            math.inf,
            1.0 if same else 0.0,
            not same,
        )
    t = (mb - ma) / math.sqrt(se2)
    df = se2**2 / ((va**2 / (len(xa) - 1) if va else 0.0) + (vb**2 / (len(xb) - 1) if vb else 0.0))
    p = 2.0 * (1.0 - t_cdf(abs(t), df))
    return WelchTest(t, df, p, p < 1.0 - CONFIDENCE)


# --- Percentiles and latency ------------------------------------------------------------


def percentile(values: Iterable[float], q: float) -> float:
    """The ``q`` (0..100) percentile with linear interpolation (numpy's default, "type 7")."""
    xs = sorted(values)
    if not xs:
        raise ValueError("percentile() needs at least one value")
    if not 0.0 <= q <= 100.0:
        raise ValueError("q must be in [0, 100]")
    pos = (len(xs) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def latency_summary(latencies_s: Sequence[float], queries_per_call: int = 1) -> dict[str, float]:
    """Per-query latency figures in milliseconds, from per-call times in seconds.

    A batched call's time is split evenly over its ``queries_per_call`` queries;
    ``latency_total_s`` is the sum of the call times, in seconds.
    """
    if not latencies_s:
        raise ValueError("latency_summary() needs at least one latency")
    if queries_per_call < 1:
        raise ValueError("queries_per_call must be >= 1")
    per_query = sorted(t / queries_per_call for t in latencies_s)
    return {
        "latency_median_ms": 1e3 * statistics.median(per_query),
        "latency_mean_ms": 1e3 * statistics.fmean(per_query),
        "latency_p90_ms": 1e3 * percentile(per_query, 90),
        "latency_min_ms": 1e3 * per_query[0],
        "latency_max_ms": 1e3 * per_query[-1],
        "latency_total_s": math.fsum(latencies_s),
    }


# --- Intervals of a positive quantity ---------------------------------------------------

MIN_RUNS_FOR_INTERVAL = 3  # with fewer repetitions a report shows no interval
TOO_FEW_FOR_INTERVAL = "n too small for an interval"


@dataclass(frozen=True)
class PositiveInterval:
    """The 95% interval of the mean of a quantity that cannot be negative (energy,
    emissions), as a report shows it.

    Method: :func:`summarize`'s Student-t interval of the arithmetic mean, with its lower
    end clipped at 0 (``clipped`` says so). A t interval on log values would stay
    positive by construction, but it bounds the geometric mean, not the mean that is
    shown beside it; clipping keeps the interval of the figure the report prints and
    says where it was cut. With fewer than ``min_n`` values (default
    :data:`MIN_RUNS_FOR_INTERVAL`) there is no interval: ``low`` and ``high`` are
    ``None`` and ``reason`` says why (two runs give t(0.975, 1) = 12.7 standard errors,
    an interval that says little but looks precise).
    """

    n: int
    low: float | None
    high: float | None
    clipped: bool
    reason: str | None  # why there is no interval: "single run" or TOO_FEW_FOR_INTERVAL

    @property
    def shown(self) -> bool:
        return self.low is not None and self.high is not None


def positive_interval(s: Summary, *, min_n: int = MIN_RUNS_FOR_INTERVAL) -> PositiveInterval:
    """The interval of ``s`` for a quantity >= 0: clipped at 0, none below ``min_n`` values."""
    if min_n < 2:
        raise ValueError("min_n must be at least 2")
    if s.n < 2:
        return PositiveInterval(s.n, None, None, False, "single run")
    if s.n < min_n or s.ci95_low is None or s.ci95_high is None:
        return PositiveInterval(s.n, None, None, False, TOO_FEW_FOR_INTERVAL)
    low = s.ci95_low
    clipped = low < 0.0
    return PositiveInterval(s.n, 0.0 if clipped else low, max(s.ci95_high, 0.0), clipped, None)
