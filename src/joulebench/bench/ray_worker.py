"""What runs on a Ray worker: a per-node probe (idle baseline, inventory) and one job.

Plain functions, no Ray import at module level: :mod:`ray_executor` wraps them with
``ray.remote`` when it submits them. Both run *on the worker*, so sensors are opened
there: a GPU job sees only the GPU(s) Ray gave it through ``CUDA_VISIBLE_DEVICES``, and
the NVML sensor selection follows that variable, so its GPU energy is its own device's
counter. CPU (RAPL) and RAM sensors cover the whole machine; the executor labels them.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..carbon.context import CarbonContext
from ..measure.results import IdleBaseline
from ..measure.sensor import Sensor
from .records import RunRecord, amend_record
from .runner import RunnerSettings, execute_job
from .spec import JobSpec

SensorFactory = Callable[[], Sequence[Sensor]]


@dataclass(frozen=True)
class NodeProbe:
    """What the probe task found on one node."""

    node_id: str
    hostname: str
    baseline: IdleBaseline | None  # idle power by sensor source (all GPUs of the node)
    environment: dict[str, Any]


def current_node_id() -> str:
    import ray

    return str(ray.get_runtime_context().get_node_id())


def _open_sensors(factory: SensorFactory | None, *, all_gpus: bool) -> list[Sensor]:
    if factory is not None:
        return list(factory())
    from ..measure.discovery import discover

    environ: Mapping[str, str] | None = None
    if all_gpus:  # the probe measures every GPU's idle power, whatever Ray gave it
        environ = {k: v for k, v in os.environ.items() if k != "CUDA_VISIBLE_DEVICES"}
    return list(discover(environ=environ).sensors)


def probe_node(idle_s: float, sensor_factory: SensorFactory | None = None) -> NodeProbe:
    """Measure this node's idle power for ``idle_s`` seconds (0: none) and its inventory."""
    from ..measure.inventory import collect
    from ..measure.meter import Meter

    sensors = _open_sensors(sensor_factory, all_gpus=True)
    try:
        baseline = Meter(sensors).measure_idle(idle_s) if idle_s > 0 else None
        env = collect(sensors)
    finally:
        for s in sensors:
            s.close()
    return NodeProbe(current_node_id(), socket.gethostname(), baseline, env)


def run_job(
    job: JobSpec,
    *,
    start_repetition: int,
    attempt: int,
    probes: Mapping[str, NodeProbe],
    carbon: CarbonContext | None,
    suite: str | None,
    settings: RunnerSettings,
    sensor_factory: SensorFactory | None = None,
) -> Iterator[RunRecord]:
    """Run ``job`` here; yield each repetition's record (tagged with this node and attempt)
    as soon as it ends, so the driver stores it before the next one starts.

    Submitted as a Ray streaming generator. Anything raised outside the job itself
    (sensors cannot be opened, the worker is killed) reaches the driver, which retries
    after the last record it received; failures inside the job are ``failed`` records,
    as with the local executor.
    """
    node_id = current_node_id()
    probe = probes.get(node_id)
    sensors = _open_sensors(sensor_factory, all_gpus=False)
    tags = {
        "executor": "ray",
        "node_id": node_id,
        "attempt": attempt,
        "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
        "baseline": "per-node idle probe" if probe is not None and probe.baseline else None,
    }
    try:
        if probe is not None:
            env = dict(probe.environment)
        else:  # a node that joined after the probes ran: no baseline
            from ..measure.inventory import collect

            env = collect(sensors)
        env["hostname"] = socket.gethostname()
        for record in execute_job(
            job,
            baseline=probe.baseline if probe is not None else None,
            env=env,
            carbon=carbon,
            suite=suite,
            sensors=sensors,
            start_repetition=start_repetition,
            settings=settings,
        ):
            yield amend_record(record, **tags)
    finally:
        for s in sensors:
            s.close()
