"""Aggregates of run samples per (task, model, dataset) cell and per task (the study's Table 2).

Every statistic is over runs (one value per repetition): mean, sample std, median and the
95% Student-t interval of the mean (:class:`~joulebench.stats.Summary`).
Units are in the field names: joules per 1,000 queries (``*_j_per_1000_queries``), grams
CO2eq per 1,000 queries, seconds per query, joules per output token or image. Use
``Summary.scaled(1 / units.J_PER_KWH)`` for the study's kWh.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..bench.records import RunRecord
from ..carbon.context import CarbonContext
from ..stats import Summary, summarize, summarize_or_none
from .samples import RunSample, run_sample


@dataclass(frozen=True)
class CellSummary:
    """One (task, model, dataset) cell over its usable runs.

    ``components_j_per_1000_queries`` maps a component (sensor domain) to its summary
    over the runs that measured it. ``quality`` is (metric, mean value) when runs carry
    one. ``parameters`` is the model's parameter count when known.
    ``output_tokens_per_query`` summarises the runs' mean output tokens per query.
    """

    task: str | None
    model: str | None
    dataset: str | None
    n_runs: int
    energy_j_per_1000_queries: Summary
    net_energy_j_per_1000_queries: Summary | None
    components_j_per_1000_queries: Mapping[str, Summary]
    net_components_j_per_1000_queries: Mapping[str, Summary]
    emissions_g_per_1000_queries: Summary | None
    latency_s_per_query: Summary
    energy_j_per_output_token: Summary | None
    energy_j_per_image: Summary | None
    parameters: int | None
    zero_shot: bool
    quality: tuple[str, float] | None
    run_ids: tuple[str, ...]
    output_tokens_per_query: Summary | None = None  # over the runs that counted tokens


@dataclass(frozen=True)
class TaskSummary:
    """All runs of all models and datasets of one task (the study's Table 2 row)."""

    task: str | None
    n_runs: int
    n_models: int
    n_datasets: int
    energy_j_per_1000_queries: Summary
    net_energy_j_per_1000_queries: Summary | None
    components_j_per_1000_queries: Mapping[str, Summary]
    emissions_g_per_1000_queries: Summary | None
    latency_s_per_query: Summary


RecordFilter = Callable[[RunRecord], bool]


def samples(
    records: Iterable[RunRecord],
    carbon: CarbonContext | None = None,
    where: RecordFilter | None = None,
) -> list[RunSample]:
    """Usable runs' samples (see :func:`~joulebench.analysis.samples.run_sample`)."""
    out = []
    for r in records:
        if where is not None and not where(r):
            continue
        s = run_sample(r, carbon)
        if s is not None:
            out.append(s)
    return out


def _components(group: Sequence[RunSample], net: bool) -> dict[str, Summary]:
    keys: dict[str, list[float]] = defaultdict(list)
    for s in group:
        comps = s.net_components_j_per_1000_queries if net else s.components_j_per_1000_queries
        for k, v in comps.items():
            keys[k].append(v)
    return {k: summarize(v) for k, v in sorted(keys.items())}


def _quality(group: Sequence[RunSample]) -> tuple[str, float] | None:
    qs = [s.quality for s in group if s.quality is not None]
    if not qs:
        return None
    return (qs[0][0], sum(q[1] for q in qs) / len(qs))


def summarize_cell(group: Sequence[RunSample]) -> CellSummary:
    """One cell from its samples (all of the same task, model and dataset; at least one)."""
    if not group:
        raise ValueError("summarize_cell() needs at least one run")
    first = group[0]
    params = [s.parameters for s in group if s.parameters is not None]
    return CellSummary(
        task=first.task,
        model=first.model,
        dataset=first.dataset,
        n_runs=len(group),
        energy_j_per_1000_queries=summarize(s.energy_j_per_1000_queries for s in group),
        net_energy_j_per_1000_queries=summarize_or_none(
            s.net_energy_j_per_1000_queries for s in group
        ),
        components_j_per_1000_queries=_components(group, net=False),
        net_components_j_per_1000_queries=_components(group, net=True),
        emissions_g_per_1000_queries=summarize_or_none(
            s.emissions_g_per_1000_queries for s in group
        ),
        latency_s_per_query=summarize(s.latency_s_per_query for s in group),
        energy_j_per_output_token=summarize_or_none(s.energy_j_per_output_token for s in group),
        energy_j_per_image=summarize_or_none(s.energy_j_per_image for s in group),
        parameters=max(params) if params else None,
        zero_shot=any(s.zero_shot for s in group),
        quality=_quality(group),
        run_ids=tuple(s.run_id for s in group),
        output_tokens_per_query=summarize_or_none(s.output_tokens_per_query for s in group),
    )


def cell_summaries(
    records: Iterable[RunRecord],
    carbon: CarbonContext | None = None,
    where: RecordFilter | None = None,
) -> list[CellSummary]:
    """One :class:`CellSummary` per (task, model, dataset), sorted by those names.

    ``carbon`` overrides each record's own context for the emissions; ``where`` keeps
    only the records it accepts. Failed and unmeasured runs are left out.
    """
    groups: dict[tuple[str, str, str], list[RunSample]] = defaultdict(list)
    for s in samples(records, carbon, where):
        groups[(s.task or "", s.model or "", s.dataset or "")].append(s)
    return [summarize_cell(groups[k]) for k in sorted(groups)]


def summarize_task(group: Sequence[RunSample]) -> TaskSummary:
    """One task from the samples of all its runs (at least one)."""
    if not group:
        raise ValueError("summarize_task() needs at least one run")
    return TaskSummary(
        task=group[0].task,
        n_runs=len(group),
        n_models=len({s.model for s in group}),
        n_datasets=len({s.dataset for s in group}),
        energy_j_per_1000_queries=summarize(s.energy_j_per_1000_queries for s in group),
        net_energy_j_per_1000_queries=summarize_or_none(
            s.net_energy_j_per_1000_queries for s in group
        ),
        components_j_per_1000_queries=_components(group, net=False),
        emissions_g_per_1000_queries=summarize_or_none(
            s.emissions_g_per_1000_queries for s in group
        ),
        latency_s_per_query=summarize(s.latency_s_per_query for s in group),
    )


def task_summaries(
    records: Iterable[RunRecord],
    carbon: CarbonContext | None = None,
    where: RecordFilter | None = None,
) -> list[TaskSummary]:
    """Per task, mean and std across all runs of all its models and datasets (Table 2).

    Sorted by mean energy, lowest first, as the study's Table 2.
    """
    groups: dict[str, list[RunSample]] = defaultdict(list)
    for s in samples(records, carbon, where):
        groups[s.task or ""].append(s)
    out = [summarize_task(g) for g in groups.values()]
    return sorted(out, key=lambda t: (t.energy_j_per_1000_queries.mean, t.task or ""))


EquivalentsFn = Callable[[float | None, float | None], Sequence[Any]]


def equivalents_per_1000_queries(
    cell: CellSummary | TaskSummary, fn: EquivalentsFn | None = None
) -> Sequence[Any]:
    """Everyday equivalents of the mean energy and emissions per 1,000 queries.

    ``fn(energy_j, emissions_g)`` defaults to :func:`joulebench.carbon.equivalents`
    (which returns ``carbon.Equivalent`` items).
    """
    if fn is None:
        from ..carbon import equivalents

        fn = equivalents
    em = cell.emissions_g_per_1000_queries
    return fn(cell.energy_j_per_1000_queries.mean, None if em is None else em.mean)
