"""Headline findings in sentences: plain numbers in, sentences out (pure, no I/O).

:func:`headlines` states what a reader should take away, in words, from the aggregates a
report already has: how far apart the tasks are, the most and least efficient models of
the cheapest and the dearest task, how multi-purpose models run zero-shot compare with
task-specific ones on the same dataset (the study's Section 4.3), what quality that energy
bought (the study's cost-benefit finding, where quality was measured or imported), and
an everyday equivalent. Inputs are in joules per 1,000 queries; sentences show Wh, or kWh from
1,000 Wh (the study's unit), with three significant digits.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from .. import units
from ..carbon.equivalents import SMARTPHONE_CHARGE_KWH
from .multipurpose import MultiPurposeRow
from .quality import QualityPanel, QualityPoint


@dataclass(frozen=True)
class TaskFigure:
    """A task's headline figure: the mean over its task-specific models' runs."""

    task: str
    energy_j_per_1000_queries: float
    n_models: int


@dataclass(frozen=True)
class CellFigure:
    """One (task, model, dataset) cell's mean energy; ``in_task_mean`` when its runs count
    in the task's headline mean (task-specific models, not zero-shot ones)."""

    task: str
    model: str
    dataset: str
    energy_j_per_1000_queries: float
    in_task_mean: bool = True


@dataclass(frozen=True)
class Headline:
    kind: str  # "task-range", "task", "model-range", "multi-purpose", "cost-benefit", "equivalent"
    text: str


def sig(value: float, digits: int = 3) -> str:
    """``value`` rounded to ``digits`` significant digits, thousands separated:
    1269.4 -> "1,270", 4.586 -> "4.59", 0.0213 -> "0.0213"."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    exp = math.floor(math.log10(abs(value)))
    decimals = digits - 1 - exp
    rounded = round(value, decimals)
    text = f"{rounded:,.{max(decimals, 0)}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def energy_text(j_per_1000_queries: float) -> str:
    """Energy per 1,000 queries in words: "2.29 Wh", or "2.91 kWh" from 1,000 Wh."""
    wh = j_per_1000_queries / units.J_PER_WH
    if wh >= 1000.0:
        return f"{sig(wh / 1000.0)} kWh"
    return f"{sig(wh)} Wh"


def _times(ratio: float) -> str:
    return f"{sig(ratio)}x"


def _task_range(tasks: Sequence[TaskFigure]) -> list[Headline]:
    ranked = sorted(tasks, key=lambda t: t.energy_j_per_1000_queries)
    lo, hi = ranked[0], ranked[-1]
    if len(ranked) == 1:
        return [
            Headline(
                "task",
                f"{lo.task} used {energy_text(lo.energy_j_per_1000_queries)} per 1,000 "
                f"queries (mean of {lo.n_models} model{'s' if lo.n_models != 1 else ''}).",
            )
        ]
    if lo.energy_j_per_1000_queries <= 0:
        return []
    ratio = hi.energy_j_per_1000_queries / lo.energy_j_per_1000_queries
    return [
        Headline(
            "task-range",
            f"Of the {len(ranked)} tasks, {hi.task} used {_times(ratio)} the energy of "
            f"{lo.task} per query ({energy_text(hi.energy_j_per_1000_queries)} against "
            f"{energy_text(lo.energy_j_per_1000_queries)} per 1,000 queries, each the mean "
            "of the task's task-specific models).",
        )
    ]


def _model_range(task: str, cells: Sequence[CellFigure]) -> Headline | None:
    mine = [c for c in cells if c.task == task]
    specific = [c for c in mine if c.in_task_mean] or mine
    if len({c.model for c in specific}) < 2:
        return None
    ranked = sorted(specific, key=lambda c: (c.energy_j_per_1000_queries, c.model, c.dataset))
    best, worst = ranked[0], ranked[-1]
    text = (
        f"The most efficient {task} model, {best.model} on {best.dataset}, used "
        f"{energy_text(best.energy_j_per_1000_queries)} per 1,000 queries; the least "
        f"efficient, {worst.model} on {worst.dataset}, used "
        f"{energy_text(worst.energy_j_per_1000_queries)}"
    )
    if best.energy_j_per_1000_queries > 0:
        ratio = worst.energy_j_per_1000_queries / best.energy_j_per_1000_queries
        text += f" ({_times(ratio)} as much)"
    return Headline("model-range", text + ".")


def _multi_purpose(rows: Sequence[MultiPurposeRow]) -> list[Headline]:
    pairs = [r for r in rows if r.energy_multiple is not None]
    if not pairs:
        return []
    ratios = [r.energy_multiple for r in pairs if r.energy_multiple is not None]
    if len(pairs) == 1:
        r = pairs[0]
        return [
            Headline(
                "multi-purpose",
                f"{r.model}, a multi-purpose model run zero-shot, used {_times(ratios[0])} the "
                f"energy of the median task-specific model on {r.dataset}.",
            )
        ]
    n = len(ratios)
    more = sum(1 for x in ratios if x > 1.0)
    n_datasets = len({(r.task, r.dataset) for r in pairs})
    where = f"all {n}" if more == n else f"{more} of {n}"
    return [
        Headline(
            "multi-purpose",
            "Multi-purpose models run zero-shot used more energy than the median "
            f"task-specific model on the same dataset in {where} model x dataset pairs "
            f"({n_datasets} dataset{'s' if n_datasets != 1 else ''}): a median "
            f"{_times(statistics.median(ratios))} as much (from {_times(min(ratios))} to "
            f"{_times(max(ratios))}).",
        )
    ]


def _best(points: Sequence[QualityPoint]) -> QualityPoint:
    """The highest quality (the lowest energy among equals)."""
    return min(points, key=lambda p: (-p.quality.value, p.energy_j_per_1000_queries, p.model or ""))


def _cost_benefit(panels: Sequence[QualityPanel]) -> Headline | None:
    """What the energy bought, on the dataset where it cost the most. With zero-shot runs:
    the most accurate multi-purpose model against the most accurate task-specific one
    (the study's finding); else the most accurate model against the cheapest model on the
    energy-quality Pareto front."""
    pairs: list[tuple[float, QualityPanel, QualityPoint, QualityPoint, bool]] = []
    for panel in panels:
        if not all(p.quality.higher_is_better for p in panel.points):
            continue
        multi = [p for p in panel.points if p.zero_shot]
        specific = [p for p in panel.points if not p.zero_shot]
        if multi and specific:
            a, b, zs = _best(multi), _best(specific), True
        elif len(panel.front) > 1:
            a, b, zs = _best(panel.points), panel.front[0], False
        else:
            continue
        if b.energy_j_per_1000_queries > 0:
            pairs.append((a.energy_j_per_1000_queries / b.energy_j_per_1000_queries, panel, a, b, zs))
    if not pairs:
        return None
    with_zs = [p for p in pairs if p[4]] or pairs  # the study's comparison first
    ratio, panel, a, b, zs = max(with_zs, key=lambda p: (p[0], p[1].dataset or ""))
    metric = panel.label
    if zs:
        text = (
            f"On {panel.dataset}, the most accurate multi-purpose model run zero-shot, {a.model}, "
            f"reached {sig(a.quality.value)} {metric} at {_times(ratio)} the energy of the most "
            f"accurate task-specific model, {b.model} ({sig(b.quality.value)})."
        )
    else:
        text = (
            f"On {panel.dataset}, the most accurate {panel.task} model, {a.model}, reached "
            f"{sig(a.quality.value)} {metric} at {_times(ratio)} the energy of {b.model} "
            f"({sig(b.quality.value)}), the cheapest model on the energy-quality Pareto front."
        )
    return Headline("cost-benefit", text)


def _equivalent(task: TaskFigure) -> Headline | None:
    kwh = units.j_to_kwh(task.energy_j_per_1000_queries)
    charges = kwh / SMARTPHONE_CHARGE_KWH
    if charges < 0.01:
        return None
    return Headline(
        "equivalent",
        f"1,000 {task.task} queries used as much energy as {sig(charges)} smartphone "
        f"charge{'' if sig(charges) == '1' else 's'} ({SMARTPHONE_CHARGE_KWH} kWh each).",
    )


def headlines(
    tasks: Sequence[TaskFigure],
    cells: Sequence[CellFigure] = (),
    multi_purpose: Sequence[MultiPurposeRow] = (),
    quality: Sequence[QualityPanel] = (),
) -> tuple[Headline, ...]:
    """The report's headline findings, most general first; none without tasks.

    ``tasks``: each task's headline mean (task-specific models); ``cells``: every shown
    (task, model, dataset) mean; ``multi_purpose``: the zero-shot comparison rows;
    ``quality``: the energy-quality panels (:func:`~.quality.quality_panels`).
    """
    if not tasks:
        return ()
    out = _task_range(tasks)
    ranked = sorted(tasks, key=lambda t: t.energy_j_per_1000_queries)
    lo, hi = ranked[0], ranked[-1]
    for task in dict.fromkeys((lo.task, hi.task)):  # the cheapest and the dearest task
        h = _model_range(task, cells)
        if h is not None:
            out.append(h)
    out += _multi_purpose(multi_purpose)
    cost = _cost_benefit(quality)
    if cost is not None:
        out.append(cost)
    eq = _equivalent(hi)
    if eq is not None:
        out.append(eq)
    return tuple(out)
