"""Training vs inference: how many queries until inference has used as much energy as
training and fine-tuning (the study's Section 5 comparison). Energies in kWh, as the
study states them; ``days`` needs a query rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import UsageError


@dataclass(frozen=True)
class BreakEven:
    """``inferences``: queries whose energy equals training + fine-tuning energy;
    ``days``: how long that takes at ``queries_per_day`` (``None`` without a rate)."""

    inferences: float
    days: float | None
    training_kwh: float
    finetune_kwh: float
    kwh_per_query: float
    queries_per_day: float | None


def _check(name: str, value: float, *, positive: bool = False) -> float:
    v = float(value)
    if math.isnan(v) or math.isinf(v):
        raise UsageError(f"{name} must be a finite number, got {value!r}")
    if v < 0 or (positive and v == 0):
        raise UsageError(f"{name} must be {'positive' if positive else 'non-negative'}, got {v:g}")
    return v


def breakeven(
    training_kwh: float,
    finetune_kwh: float = 0.0,
    *,
    kwh_per_query: float,
    queries_per_day: float | None = None,
) -> BreakEven:
    """Queries (and days at ``queries_per_day``) for inference to equal training energy.

    ``training_kwh`` and ``finetune_kwh`` >= 0; ``kwh_per_query`` > 0;
    ``queries_per_day`` > 0 when given. Bad values raise :class:`UsageError`.
    """
    t = _check("training_kwh", training_kwh)
    f = _check("finetune_kwh", finetune_kwh)
    q = _check("kwh_per_query", kwh_per_query, positive=True)
    rate = (
        None
        if queries_per_day is None
        else _check("queries_per_day", queries_per_day, positive=True)
    )
    n = (t + f) / q
    return BreakEven(n, None if rate is None else n / rate, t, f, q, rate)
