"""A configuration sweep's points: energy against latency (and quality), the Pareto front,
the cheapest point under a latency limit, and a verdict a user can act on.

Pure functions over :class:`SweepPoint` s built from stored runs: energy is the query
phase's joules per query (mean over repetitions), latency the per-query p50 or p90 (the
median over repetitions of each repetition's percentile), quality the study's metric when
the runs measured one (with its 95 % interval).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..stats import summarize
from .samples import run_sample

LATENCY_STATS = ("p50", "p90")
_LATENCY_FIELD = {"p50": "median_ms", "p90": "p90_ms"}  # Throughput attributes


@dataclass(frozen=True)
class SweepPoint:
    """One configuration: its settings (axis -> value), runs and figures."""

    settings: Mapping[str, Any]
    n_runs: int
    energy_j_per_query: float
    energy_ci95: tuple[float, float] | None
    latency_ms: Mapping[str, float]  # "p50", "p90"
    quality: tuple[str, float, float | None, float | None] | None  # metric, value, low, high
    estimate: bool  # includes model estimates

    def label(self) -> str:
        return ", ".join(f"{_axis_word(k)} {v}" for k, v in self.settings.items()) or "default"


def _axis_word(axis: str) -> str:
    return {"batch_size": "batch", "power_limit_w": "power limit W"}.get(axis, axis)


def point_from_runs(settings: Mapping[str, Any], records: Sequence[Any]) -> SweepPoint | None:
    """The point of ``settings`` from its stored runs (None when none is usable)."""
    samples = [(r, run_sample(r)) for r in records]
    usable = [(r, s) for r, s in samples if s is not None]
    if not usable:
        return None
    per_query = [s.energy_j_per_1000_queries / 1000.0 for _, s in usable]
    summary = summarize(per_query)
    ci = None
    if summary.ci95_low is not None and summary.ci95_high is not None:
        ci = (max(0.0, summary.ci95_low), summary.ci95_high)
    latency = {}
    throughputs = [s.parts.throughput for _, s in usable]
    for stat, field in _LATENCY_FIELD.items():
        values = [float(v) for t in throughputs if (v := getattr(t, field, None)) is not None]
        if values:
            latency[stat] = statistics.median(values)
    quality = None
    first = usable[0][1].parts.quality
    q = None if first is None else first.figure
    if isinstance(q, Mapping) and isinstance(q.get("value"), int | float):
        quality = (str(q.get("metric")), float(q["value"]), q.get("ci95_low"), q.get("ci95_high"))
    estimate = any(
        c.method.value == "model"
        for r, _ in usable
        for c in ((r.measurement.phase("query") or r.measurement).components)
    )
    return SweepPoint(dict(settings), len(usable), summary.mean, ci, latency, quality, estimate)


def pareto_front(points: Sequence[SweepPoint], stat: str = "p50") -> list[SweepPoint]:
    """Points no other point beats on energy and latency (and quality, where measured)."""

    def key(p: SweepPoint) -> tuple[float, float, float]:
        quality = p.quality[1] if p.quality is not None else 0.0
        return (p.energy_j_per_query, p.latency_ms.get(stat, float("inf")), -quality)

    front = []
    for p in points:
        kp = key(p)
        dominated = any(
            all(a <= b for a, b in zip(key(o), kp, strict=True)) and key(o) != kp
            for o in points
            if o is not p
        )
        if not dominated:
            front.append(p)
    return sorted(front, key=lambda p: p.energy_j_per_query)


def best_point(
    points: Sequence[SweepPoint],
    *,
    latency_ms: float | None = None,
    stat: str = "p50",
    min_quality: float | None = None,
) -> SweepPoint | None:
    """The lowest-energy point within the latency limit and above the quality floor."""
    ok = []
    for p in points:
        if latency_ms is not None and p.latency_ms.get(stat, float("inf")) > latency_ms:
            continue
        if min_quality is not None and (p.quality is None or p.quality[1] < min_quality):
            continue
        ok.append(p)
    return min(ok, key=lambda p: p.energy_j_per_query) if ok else None


def _quality_words(best: SweepPoint, base: SweepPoint) -> str:
    if best.quality is None or base.quality is None:
        return ""
    metric, value, low, high = best.quality
    _, base_value, base_low, base_high = base.quality
    if None not in (low, high, base_low, base_high) and not (
        high < base_low or base_high < low  # type: ignore[operator]
    ):
        return f"; {metric} unchanged within its interval ({value:.3g} vs {base_value:.3g})"
    return f"; {metric} {value:.3g} against {base_value:.3g}"


def verdict(
    points: Sequence[SweepPoint],
    best: SweepPoint | None,
    *,
    stat: str = "p50",
    latency_ms: float | None = None,
    min_quality: float | None = None,
) -> str:
    """One sentence: the best point against the first (the sweep's baseline)."""
    if not points:
        return "no point of the sweep has a usable measurement"
    if best is None:
        limits = []
        if latency_ms is not None:
            limits.append(f"{stat} latency <= {latency_ms:g} ms")
        if min_quality is not None:
            limits.append(f"quality >= {min_quality:g}")
        return f"no point meets {' and '.join(limits)}; relax the limits or add points"
    base = points[0]
    if best is base:
        return f"{best.label()} (the first point) uses the least energy" + (
            f" within {stat} <= {latency_ms:g} ms" if latency_ms is not None else ""
        )
    energy = best.energy_j_per_query / base.energy_j_per_query
    lat_b, lat_a = best.latency_ms.get(stat), base.latency_ms.get(stat)
    latency = f" at {lat_b / lat_a:.2g}x the {stat} latency" if lat_a and lat_b else ""
    return (
        f"{best.label()} uses {energy:.2g}x the energy per query of {base.label()}{latency}"
        + _quality_words(best, base)
    )
