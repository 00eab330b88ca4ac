"""Small statistics the runner needs while it runs (adaptive stopping, latency summaries).

Pure functions over floats; no numpy, so a worker needs nothing extra.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

# Two-sided 95% Student t quantiles t(0.975, df) for df = 1..30; 1.96 beyond.
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t975(df: int) -> float:
    if df < 1:
        raise ValueError("df must be >= 1")
    return _T975[df - 1] if df <= len(_T975) else 1.96


def ci_half_width_pct(values: Sequence[float]) -> float | None:
    """Half-width of the 95% interval of the mean, as a % of the mean (None if undefined)."""
    if len(values) < 2:
        return None
    mean = statistics.fmean(values)
    if mean <= 0:
        return None
    half = t975(len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
    return 100.0 * half / mean


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (``q`` in 0..100) of already sorted values."""
    if not sorted_values:
        raise ValueError("no values")
    pos = (len(sorted_values) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def latency_summary(latencies_s: Sequence[float], queries_per_call: int = 1) -> dict[str, float]:
    """Per-query latency figures in milliseconds (a batched call's time is split evenly)."""
    per_query = sorted(t / queries_per_call for t in latencies_s)
    total = sum(latencies_s)
    return {
        "latency_median_ms": 1e3 * statistics.median(per_query),
        "latency_mean_ms": 1e3 * statistics.fmean(per_query),
        "latency_p90_ms": 1e3 * percentile(per_query, 90),
        "latency_min_ms": 1e3 * per_query[0],
        "latency_max_ms": 1e3 * per_query[-1],
        "latency_total_s": total,
    }
