"""Two sets of runs side by side: energy per 1,000 queries, ratio, and whether the
difference exceeds run-to-run noise.

The noise test is **Welch's unequal-variance t-test**, two-sided, at the 5% level
(:func:`~joulebench.stats.welch`). With fewer than two runs on either side
there is no test (``significant`` is ``None``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..stats import Summary, WelchTest, summarize, welch


@dataclass(frozen=True)
class Comparison:
    """``a`` and ``b`` are summaries in J per 1,000 queries; ``ratio_b_over_a`` of means."""

    a: Summary
    b: Summary
    ratio_b_over_a: float | None  # None when a's mean is 0
    test: WelchTest | None
    significant: bool | None


def compare_values(
    a_j_per_1000_queries: Sequence[float], b_j_per_1000_queries: Sequence[float]
) -> Comparison:
    """Compare two samples of per-run energy per 1,000 queries (J); each non-empty."""
    sa, sb = summarize(a_j_per_1000_queries), summarize(b_j_per_1000_queries)
    test = welch(a_j_per_1000_queries, b_j_per_1000_queries)
    ratio = None if sa.mean == 0 else sb.mean / sa.mean
    return Comparison(sa, sb, ratio, test, None if test is None else test.significant)
