from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from joulebench.bench.records import RunRecord
from joulebench.carbon.context import CarbonContext
from joulebench.measure.results import ComponentEnergy, Measurement, PhaseResult
from joulebench.measure.sensor import Domain, Method


def component(source: str, domain: Domain, energy_j: float | None, **kw: Any) -> ComponentEnergy:
    return ComponentEnergy(
        source=source,
        domain=domain,
        device=kw.pop("device", "0"),
        method=kw.pop("method", Method.COUNTER),
        covers=kw.pop("covers", f"whole {source}"),
        energy_j=energy_j,
        **kw,
    )


def make_record(run_id: str = "run-1", **overrides: Any) -> RunRecord:
    gpu = component("nvml:0", Domain.GPU, 123.456789, idle_power_w=61.5, net_energy_j=80.25)
    cpu = component(
        "model:cpu-utilization",
        Domain.CPU_PACKAGE,
        40.0,
        method=Method.MODEL,
        low_j=24.0,
        high_j=60.0,
        details="TDP table",
    )
    ram = component("rapl:dram", Domain.DRAM, None, gap="counter ran backwards")
    decode = PhaseResult(
        name="decode",
        path="query/decode",
        duration_s=0.75,
        components=(component("nvml:0", Domain.GPU, 50.0), ram),
        count=10,
    )
    query = PhaseResult(
        name="query",
        path="query",
        duration_s=1.5,
        components=(component("nvml:0", Domain.GPU, 100.0), cpu),
        children=(decode,),
    )
    load = PhaseResult(name="load", path="load", duration_s=0.5, components=())
    measurement = Measurement(
        started_at="2024-05-01T10:00:00.000+00:00",
        duration_s=2.25,
        components=(gpu, cpu, ram),
        phases=(load, query),
        warnings=("window shorter than NVML update period",),
        idle_s=5.0,
        meter_cpu_s=0.01,
        extra={"sampler": {"hz": 10}},
    )
    fields: dict[str, Any] = {
        "run_id": run_id,
        "kind": "benchmark",
        "status": "ok",
        "started_at": "2024-05-01T10:00:00.000+00:00",
        "measurement": measurement,
        "task": "text-classification",
        "model": "distilbert-base-uncased",
        "dataset": "imdb",
        "suite": "quick",
        "job_key": "job-a",
        "repetition": 0,
        "n_queries": 1000,
        "parameters": 66_955_010,
        "units": {"input_tokens": 12345, "output_tokens": 0},
        "config": {"batch_size": 1, "dtype": "float32", "nested": {"a": [1, 2.5, None]}},
        "environment": {"os": "Linux", "gpu_model": "NVIDIA A100", "cpu_count": 8},
        "carbon": CarbonContext(56.039, "Ember 2023 (FRA)", region="FRA", year=2023, pue=1.1),
        "input_fingerprint": "sha256:abc",
        "command": ("python", "x.py"),
        "exit_code": 0,
        "producer": "joulebench 0.1.0",
        "extra": {"note": "é"},
    }
    fields.update(overrides)
    return RunRecord(**fields)


@pytest.fixture
def record_factory() -> Callable[..., RunRecord]:
    return make_record
