"""One run's figures, normalised per 1,000 queries: what every aggregate is built from.

The study's unit is the **query phase**: a record's phase ``"query"`` when it has one,
else its whole measured window (loading excluded when it was measured apart). Energies
are joules per 1,000 queries; emissions grams CO2eq per 1,000 queries; latency seconds
per query. Per-token and per-image figures divide the query phase's energy by the run's
``units["output_tokens"]`` / ``units["images"]`` (totals over the run's queries);
``output_tokens_per_query`` is that token total over ``n_queries``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import units
from ..bench.record_parts import Parts, parts_of
from ..bench.records import STATUS_OK, RunRecord
from ..carbon.context import CarbonContext
from ..measure.results import ComponentEnergy
from .lengths import output_tokens_per_query

QUERY_PHASE = "query"


@dataclass(frozen=True)
class RunSample:
    """The figures of one usable run (status ok, a measurement, ``n_queries`` > 0).

    ``components_j_per_1000_queries`` maps a component (the sensor domain: ``gpu``,
    ``cpu-package``, ``dram``, ...; several sensors of one domain are summed) to its
    gross energy. ``net_*`` is energy above the idle baseline, ``None`` without one.
    ``emissions_g_per_1000_queries`` is ``None`` without a carbon context.
    """

    run_id: str
    task: str | None
    model: str | None
    dataset: str | None
    n_queries: int
    energy_j_per_1000_queries: float
    net_energy_j_per_1000_queries: float | None
    components_j_per_1000_queries: Mapping[str, float]
    net_components_j_per_1000_queries: Mapping[str, float]
    emissions_g_per_1000_queries: float | None
    latency_s_per_query: float
    energy_j_per_output_token: float | None
    energy_j_per_image: float | None
    parameters: int | None
    zero_shot: bool
    quality: tuple[str, float] | None  # (metric, value), from the record's quality part
    extra: Mapping[str, Any] = field(default_factory=dict)
    parts: Parts = field(default_factory=Parts)  # the record's typed parts (parts_of)
    output_tokens_per_query: float | None = None  # None: no tokens counted (or 0)


def in_task_cohort(record: RunRecord) -> bool:
    """Whether a run counts in its task's headline figure (the study's Table 2 cohort).

    Task-specific models only: zero-shot runs of multi-purpose models are compared per
    dataset instead (:mod:`.multipurpose`), and runs an importer marked as outside the
    study's published cohort (its cohort part's ``study["table2"] is False``, e.g.
    original-size image runs) are kept but not averaged into the task.
    """
    if is_zero_shot(record):
        return False
    cohort = parts_of(record).cohort
    return not (cohort is not None and cohort.outside_table2())


def is_zero_shot(record: RunRecord) -> bool:
    """A multi-purpose model run zero-shot: ``config["zero_shot"]`` or its cohort part."""
    cohort = parts_of(record).cohort
    return bool(record.config.get("zero_shot") or (cohort is not None and cohort.zero_shot))


def quality_of(record: RunRecord) -> tuple[str, float] | None:
    """The quality part as (metric, value): a number, or ``{"metric": .., "value": ..}``."""
    quality = parts_of(record).quality
    return None if quality is None else quality.metric_value()


def _by_domain(components: tuple[ComponentEnergy, ...], net: bool) -> dict[str, float]:
    out: dict[str, float] = {}
    for c in components:
        v = c.net_energy_j if net else c.energy_j
        if v is not None:
            key = c.domain.value
            out[key] = out.get(key, 0.0) + v
    return out


def run_sample(record: RunRecord, carbon: CarbonContext | None = None) -> RunSample | None:
    """The run's query-phase figures; ``None`` for a run that cannot give them.

    ``carbon`` overrides the record's own carbon context; with neither, emissions are
    ``None``. A run is unusable when it failed, has no measurement, no ``n_queries``
    (or 0), or no known energy.
    """
    m = record.measurement
    if record.status != STATUS_OK or m is None or not record.n_queries:
        return None
    phase = m.phase(QUERY_PHASE)
    comps = phase.components if phase is not None else m.components
    duration_s = phase.duration_s if phase is not None else m.duration_s
    energy_j = phase.energy_j if phase is not None else m.energy_j
    net_j = phase.net_energy_j if phase is not None else m.net_energy_j
    if energy_j is None:
        return None
    n = record.n_queries

    def per_k(v: float) -> float:
        return units.per_1000_queries(v, n)

    ctx = carbon or record.carbon
    emissions = (
        None
        if ctx is None
        else per_k(units.emissions_g(energy_j, ctx.intensity_g_per_kwh, ctx.pue))
    )
    tokens = record.units.get("output_tokens")
    images = record.units.get("images")
    return RunSample(
        run_id=record.run_id,
        task=record.task,
        model=record.model,
        dataset=record.dataset,
        n_queries=n,
        energy_j_per_1000_queries=per_k(energy_j),
        net_energy_j_per_1000_queries=None if net_j is None else per_k(net_j),
        components_j_per_1000_queries={k: per_k(v) for k, v in _by_domain(comps, False).items()},
        net_components_j_per_1000_queries={k: per_k(v) for k, v in _by_domain(comps, True).items()},
        emissions_g_per_1000_queries=emissions,
        latency_s_per_query=duration_s / n,
        energy_j_per_output_token=energy_j / tokens if tokens else None,
        energy_j_per_image=energy_j / images if images else None,
        parameters=record.parameters,
        zero_shot=is_zero_shot(record),
        quality=quality_of(record),
        extra=record.extra,
        parts=parts_of(record),
        output_tokens_per_query=output_tokens_per_query(tokens, n),
    )
