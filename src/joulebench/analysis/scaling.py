"""Energy vs model size: a least-squares line through log10(energy per query) vs
log10(parameter count), per task (the study's Figure 3/4 relation).

``energy_per_query_j ~= 10**intercept * parameters**slope``: a slope of 1 means energy
grows in proportion to size. Points with non-positive values cannot be logged and are
rejected.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .aggregate import CellSummary


@dataclass(frozen=True)
class ScalingFit:
    """log10(energy_per_query_j) = intercept_log10_j + slope * log10(parameters).

    ``r_squared`` is the coefficient of determination in log space; ``None`` when all
    points have the same energy (nothing to explain).
    """

    task: str | None
    n_points: int
    slope: float
    intercept_log10_j: float
    r_squared: float | None

    def predict_energy_per_query_j(self, parameters: float) -> float:
        return float(10.0 ** (self.intercept_log10_j + self.slope * math.log10(parameters)))


def loglog_fit(points: Sequence[tuple[float, float]], task: str | None = None) -> ScalingFit:
    """Fit (parameters, energy_per_query_j) points; needs two distinct parameter counts."""
    if len(points) < 2:
        raise ValueError("a scaling fit needs at least two points")
    if any(p <= 0 or e <= 0 or math.isnan(p) or math.isnan(e) for p, e in points):
        raise ValueError("parameters and energy must be positive to take logarithms")
    xs = [math.log10(p) for p, _ in points]
    ys = [math.log10(e) for _, e in points]
    n = len(xs)
    mx, my = math.fsum(xs) / n, math.fsum(ys) / n
    sxx = math.fsum((x - mx) ** 2 for x in xs)
    if sxx == 0.0:
        raise ValueError("a scaling fit needs at least two distinct parameter counts")
    sxy = math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx
    intercept = my - slope * mx
    syy = math.fsum((y - my) ** 2 for y in ys)
    ss_res = math.fsum((y - (intercept + slope * x)) ** 2 for x, y in zip(xs, ys, strict=True))
    r2 = None if syy == 0.0 else 1.0 - ss_res / syy
    return ScalingFit(task, n, slope, intercept, r2)


def scaling_by_task(cells: Iterable[CellSummary]) -> dict[str | None, ScalingFit]:
    """One fit per task over its cells (one point per model x dataset, mean J per query).

    Cells without a parameter count are skipped; tasks with fewer than two distinct
    parameter counts get no fit.
    """
    pts: dict[str | None, list[tuple[float, float]]] = defaultdict(list)
    for c in cells:
        if c.parameters and c.energy_j_per_1000_queries.mean > 0:
            pts[c.task].append((float(c.parameters), c.energy_j_per_1000_queries.mean / 1000.0))
    out = {}
    for task, p in pts.items():
        if len({x for x, _ in p}) >= 2:
            out[task] = loglog_fit(p, task)
    return out
