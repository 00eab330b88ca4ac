from __future__ import annotations

from typing import Any

from joulebench.bench.records import RunRecord
from joulebench.carbon.context import CarbonContext
from joulebench.measure.results import ComponentEnergy, Measurement, PhaseResult
from joulebench.measure.sensor import Domain, Method


def comp(domain: Domain, energy_j: float | None, net_j: float | None = None) -> ComponentEnergy:
    return ComponentEnergy(
        source=f"test:{domain.value}",
        domain=domain,
        device="0",
        method=Method.COUNTER,
        covers="test",
        energy_j=energy_j,
        net_energy_j=net_j,
    )


def record(
    run_id: str,
    *,
    gpu_j: float,
    cpu_j: float = 0.0,
    gpu_net_j: float | None = None,
    query_s: float = 10.0,
    load_j: float | None = 100.0,
    n_queries: int | None = 10,
    task: str = "text-classification",
    model: str = "m",
    dataset: str = "d",
    **kw: Any,
) -> RunRecord:
    query = PhaseResult(
        name="query",
        path="query",
        duration_s=query_s,
        components=(comp(Domain.GPU, gpu_j, gpu_net_j), comp(Domain.CPU_PACKAGE, cpu_j)),
    )
    phases = (query,)
    total = gpu_j + cpu_j
    if load_j is not None:
        phases = (
            PhaseResult("load", "load", 1.0, (comp(Domain.GPU, load_j),)),
            query,
        )
        total += load_j
    m = Measurement(
        started_at="2024-01-01T00:00:00+00:00",
        duration_s=query_s + 1.0,
        components=(comp(Domain.GPU, total),),
        phases=phases,
    )
    return RunRecord(
        run_id=run_id,
        kind="benchmark",
        status=kw.pop("status", "ok"),
        started_at=m.started_at,
        measurement=m,
        task=task,
        model=model,
        dataset=dataset,
        n_queries=n_queries,
        **kw,
    )


CTX = CarbonContext(intensity_g_per_kwh=360.0, source="test")
