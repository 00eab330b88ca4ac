"""Everyday equivalents per task (per 1,000 queries) and for all measured runs together."""

from __future__ import annotations

from collections.abc import Sequence

from .. import units
from ..carbon import equivalents as carbon_equivalents
from .model import Equivalent, TaskSummary


def _convert(
    task: str | None, energy_wh: float | None, emissions_g: float | None, per: str
) -> list[Equivalent]:
    energy_j = None if energy_wh is None else units.wh_to_j(energy_wh)
    return [
        Equivalent(
            task=task,
            label=e.name,
            value=e.value,
            unit=f"{e.unit}{per}",
            basis=e.basis,
            source=e.source,
        )
        for e in carbon_equivalents(energy_j, emissions_g)
    ]


def equivalents(
    tasks: Sequence[TaskSummary], total_energy_wh: float | None, total_emissions_g: float | None
) -> tuple[Equivalent, ...]:
    """Equivalents of each task's mean per 1,000 queries, then of all runs' total."""
    out: list[Equivalent] = []
    for t in tasks:
        e = t.energy_wh_per_1000_queries
        g = t.emissions_g_per_1000_queries
        out += _convert(t.task, e.mean if e else None, g.mean if g else None, " per 1,000 queries")
    out += _convert(None, total_energy_wh, total_emissions_g, " (all runs)")
    return tuple(out)
