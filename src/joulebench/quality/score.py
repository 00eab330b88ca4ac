"""A quality figure with its 95% interval: :class:`QualityScore` and the bootstrap behind it.

Every metric is a statistic over per-query items (a 0/1 hit, a per-query F1, entity
counts). Its interval is the **percentile bootstrap over queries**: draw the queries with
replacement ``resamples`` times (default 1,000) from a seeded :class:`random.Random`,
recompute the statistic on each draw, and take the 2.5th and 97.5th percentiles
(:func:`joulebench.stats.percentile`). Pure Python, so the interval is the same with and
without numpy for a given seed; 1,000 resamples of 1,000 queries take well under a second.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from ..errors import DataError, UsageError
from ..stats import CONFIDENCE, percentile

T = TypeVar("T")

RESAMPLES = 1000
SEED = 0


@dataclass(frozen=True)
class QualityScore:
    """One quality metric of one run, as a fraction in [0, 1] (not %).

    ``n`` is the number of queries the value is computed over; ``ci95_low``/``ci95_high``
    bound its 95% percentile-bootstrap interval (``None`` with fewer than two queries).
    ``n_unmapped`` counts queries whose output could not be mapped to a label (counted as
    wrong, inside ``n``); ``n_excluded`` counts queries left out of ``n`` (no reference,
    or an unanswerable SQuAD v2 question in the has-answer subset). ``note`` says how the
    figure was computed (library, normalisation, subset, bootstrap).
    """

    metric: str
    value: float
    n: int
    ci95_low: float | None
    ci95_high: float | None
    n_unmapped: int = 0
    n_excluded: int = 0
    higher_is_better: bool = True
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the form of a run's quality part's ``figure``)."""
        return asdict(self)


def mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def bootstrap_ci(
    items: Sequence[T],
    statistic: Callable[[Sequence[T]], float],
    *,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> tuple[float, float] | None:
    """The 95% percentile-bootstrap interval of ``statistic`` over ``items`` (the queries).

    ``None`` with fewer than two items. Deterministic for a given ``seed``.
    """
    if resamples < 1:
        raise ValueError("resamples must be >= 1")
    n = len(items)
    if n < 2:
        return None
    rng = random.Random(seed)
    draws = [statistic(rng.choices(items, k=n)) for _ in range(resamples)]
    tail = 100.0 * (1.0 - CONFIDENCE) / 2.0
    return percentile(draws, tail), percentile(draws, 100.0 - tail)


def score(
    metric: str,
    items: Sequence[T],
    statistic: Callable[[Sequence[T]], float],
    *,
    n_unmapped: int = 0,
    n_excluded: int = 0,
    note: str = "",
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> QualityScore:
    """:class:`QualityScore` of ``statistic`` over the per-query ``items``, with its interval.

    No items (every query excluded, or none given) is a :class:`DataError`: a quality
    figure over nothing is not zero, it is missing.
    """
    if not items:
        why = f" ({n_excluded} excluded)" if n_excluded else ""
        raise DataError(f"no queries with a reference to compute {metric} over{why}")
    ci = bootstrap_ci(items, statistic, resamples=resamples, seed=seed)
    bootstrap = f"95% percentile bootstrap over queries, {resamples} resamples, seed {seed}"
    return QualityScore(
        metric=metric,
        value=statistic(items),
        n=len(items),
        ci95_low=None if ci is None else ci[0],
        ci95_high=None if ci is None else ci[1],
        n_unmapped=n_unmapped,
        n_excluded=n_excluded,
        note=f"{note}; {bootstrap}" if note else bootstrap,
    )


def check_aligned(outputs: Sequence[Any], references: Sequence[Any]) -> None:
    """Outputs and references must be the same queries in the same order."""
    if len(outputs) != len(references):
        raise UsageError(f"{len(outputs)} outputs but {len(references)} references: "
                         "they must be the same queries, in the same order")
