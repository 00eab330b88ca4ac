"""Sensor probes: how each family of sensors is found and opened, the built-ins included.

A :class:`SensorProbe` is one family (``nvml``, ``rapl``, ``cpu-model`` ... or a plugin's,
say Apple Silicon): its name and title, ``open(ctx) -> (sensors, status)``, the sources
``select=`` may name, and ``replaced_by``: the domains whose counter, found by another
probe, makes this one unnecessary (a RAPL package or psys zone replaces the CPU model).
:func:`~joulebench.measure.discovery.discover` runs the probes registered in
:data:`~joulebench.measure.discovery.SENSORS`; ``joulebench doctor`` prints their statuses.

``open`` raises when its hardware is absent or unreadable (a :class:`SensorError` with a
hint, ideally); discovery turns that into an unusable status, except for a ``required``
probe (the models: a CPU left out without a word would make every total wrong), whose
error propagates. Probes import their readers inside ``open``, so probing is lazy.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import SensorError
from .sensor import Domain, Method, Sensor, SensorStatus

DEFAULT_RAPL_ROOT = "/sys/class/powercap"  # = rapl_topology.DEFAULT_ROOT, without importing it
RAPL_FIX = (
    "on bare-metal Linux with an Intel or AMD Zen CPU: `sudo modprobe intel_rapl_msr`; in a "
    "container, mount /sys/class/powercap read-only; virtual machines do not expose RAPL"
)


@dataclass(frozen=True)
class ProbeContext:
    """What :func:`discover` was given; each probe reads the fields it needs.

    ``nvml``/``amdsmi``/``rapl_root``/``rapl_opener`` inject fakes into the built-in
    probes; ``options`` carries anything else (a plugin's own settings).
    """

    scope: str = "machine"
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    clock: Callable[[], float] = time.monotonic
    cpu_tdp_w: float | None = None
    dram_w_per_gb: float | None = None
    rapl_root: str | os.PathLike[str] = DEFAULT_RAPL_ROOT
    rapl_opener: Callable[[str], int] | None = None
    nvml: Any = None
    amdsmi: Any = None
    options: Mapping[str, Any] = field(default_factory=dict)


OpenProbe = Callable[[ProbeContext], tuple[list[Sensor], SensorStatus]]


@dataclass(frozen=True)
class SensorProbe:
    """One sensor family. ``sources``: exact sources (``model:dram``) or patterns
    (``nvml:<index>``: any ``nvml:...``) that ``select=`` may name to pick single sensors."""

    name: str
    title: str
    open: OpenProbe
    sources: tuple[str, ...] = ()
    replaced_by: frozenset[Domain] = frozenset()
    fix: str | None = None  # shown when ``open`` fails with no hint of its own
    required: bool = False

    def owns(self, source: str) -> bool:
        """Whether ``source`` (``nvml:1``, ``model:dram``) belongs to this family."""
        for pattern in self.sources:
            if "<" not in pattern:
                if source == pattern:
                    return True
            else:
                prefix = pattern.partition(":")[0]
                head, sep, rest = source.partition(":")
                if sep and rest and head == prefix:
                    return True
        return False


def reading(title: str, sensors: Sequence[Sensor], extra: str = "") -> SensorStatus:
    """The status of a probe that opened ``sensors``: usable, the weakest method, sources."""
    methods = {s.info.method for s in sensors}
    method = Method.POWER_INTEGRATION if Method.POWER_INTEGRATION in methods else min(methods)
    parts = [f"{s.info.source} ({s.info.method.value}, {s.info.covers})" for s in sensors]
    sources = tuple(s.info.source for s in sensors)
    return SensorStatus(title, True, method, "reading " + "; ".join(parts) + extra, None, sources)


def _estimate(title: str, sensor: Sensor, fix: str) -> SensorStatus:
    return SensorStatus(
        title, True, Method.MODEL,
        f"estimate, not measured (no RAPL counter for it): {sensor.info.details}",
        f"{fix}a RAPL counter (bare-metal Linux, readable energy_uj) replaces it",
        (sensor.info.source,),
    )


# --- the built-ins ---------------------------------------------------------------------


def _open_nvml(ctx: ProbeContext) -> tuple[list[Sensor], SensorStatus]:
    from .nvml_devices import open_nvml

    sensors, notes = open_nvml(ctx.nvml, environ=ctx.environ, clock=ctx.clock)
    return list(sensors), reading(NVML.title, sensors, "".join(f"; {n}" for n in notes))


def _open_amdsmi(ctx: ProbeContext) -> tuple[list[Sensor], SensorStatus]:
    from .amd import open_amdsmi

    sensors: list[Sensor] = list(open_amdsmi(ctx.amdsmi, environ=ctx.environ, clock=ctx.clock))
    return sensors, reading(AMDSMI.title, sensors)


def _open_rapl(ctx: ProbeContext) -> tuple[list[Sensor], SensorStatus]:
    if not os.path.isdir(ctx.rapl_root):  # most VMs: say so without importing the reader
        raise SensorError(
            f"no {os.fspath(ctx.rapl_root)}/intel-rapl zones (not an Intel/AMD RAPL system, "
            "or running in a VM/container)"
        )
    from .rapl import open_rapl
    from .rapl_topology import default_opener

    sensors, plan = open_rapl(ctx.rapl_root, opener=ctx.rapl_opener or default_opener,
                              clock=ctx.clock)
    skipped = "".join(f"; skipped {zone}: {why}" for zone, why in plan.dropped)
    return list(sensors), reading(RAPL.title, sensors, skipped)


def _open_cpu_model(ctx: ProbeContext) -> tuple[list[Sensor], SensorStatus]:
    from .cpu_model import CpuModelSensor

    sensor = CpuModelSensor(tdp_w=ctx.cpu_tdp_w, scope=ctx.scope, clock=ctx.clock)
    fix = "give --cpu-tdp-w W (cpu_tdp_w=; the CPU's TDP, all sockets) for a better estimate; "
    return [sensor], _estimate(CPU_MODEL.title, sensor, fix)


def _open_dram_model(ctx: ProbeContext) -> tuple[list[Sensor], SensorStatus]:
    from .cpu_model import DramModelSensor

    kw: dict[str, Any] = {} if ctx.dram_w_per_gb is None else {"w_per_gb": ctx.dram_w_per_gb}
    sensor = DramModelSensor(scope=ctx.scope, clock=ctx.clock, **kw)
    fix = "give --dram-w-per-gb W (dram_w_per_gb=) for your memory's figure; "
    return [sensor], _estimate(DRAM_MODEL.title, sensor, fix)


NVML = SensorProbe("nvml", "NVIDIA GPU (NVML)", _open_nvml, sources=("nvml:<index>",))
AMDSMI = SensorProbe("amdsmi", "AMD GPU (amdsmi)", _open_amdsmi, sources=("amdsmi:<index>",))
RAPL = SensorProbe("rapl", "Intel/AMD RAPL (powercap)", _open_rapl, sources=("rapl:<zone>",),
                   fix=RAPL_FIX)
CPU_MODEL = SensorProbe(
    "cpu-model", "CPU model", _open_cpu_model,
    sources=("model:cpu-utilization", "model:cpu-process"),
    replaced_by=frozenset({Domain.CPU_PACKAGE, Domain.PSYS}), required=True,
)
DRAM_MODEL = SensorProbe(
    "dram-model", "DRAM model", _open_dram_model,
    sources=("model:dram", "model:dram-process"),
    replaced_by=frozenset({Domain.DRAM, Domain.PSYS}), required=True,
)

__all__ = ["DEFAULT_RAPL_ROOT", "OpenProbe", "ProbeContext", "SensorProbe", "reading"]
