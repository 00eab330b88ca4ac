"""Find the energy sensors of this machine: non-overlapping, each with a status.

Candidates, in order: ``nvml`` (NVIDIA GPUs), ``amdsmi`` (AMD GPUs), ``rapl`` (CPU
package, DRAM or platform through Linux powercap), ``cpu-model`` and ``dram-model``
(estimates). A RAPL package (or psys) zone replaces the CPU model, a RAPL dram (or psys)
zone replaces the DRAM model, so no energy is counted twice. Every candidate gets a
:class:`SensorStatus` saying whether it is usable, how it measures, why, and how to fix
it; ``joulebench doctor`` prints them. Nothing here raises for missing hardware; a
model sensor that cannot be built (a bad ``cpu_tdp_w``, an unreadable ``/proc/cpuinfo``)
raises, because a CPU left out without a word would make every total wrong.

``scope`` ("machine" or "process") chooses the model sensors' scope; hardware counters
cover their whole device either way (their ``covers`` says so).

:func:`shared` discovers once per process and set of arguments and keeps the sensors
open: ``joulebench.measure()``, ``@track`` and the runner reuse them, so a measured
window costs sensor reads, not hardware probes. :func:`rediscover` closes and forgets
them (after a driver load, a GPU hot-plug, or a changed ``CUDA_VISIBLE_DEVICES``).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from ..errors import SensorError, UsageError, closest
from .cpu_model import CpuModelSensor, DramModelSensor
from .sensor import Domain, Method, Sensor, SensorStatus, check_scope

NAMES = ("nvml", "amdsmi", "rapl", "cpu-model", "dram-model")
TITLES = {
    "nvml": "NVIDIA GPU (NVML)",
    "amdsmi": "AMD GPU (amdsmi)",
    "rapl": "Intel/AMD RAPL (powercap)",
    "cpu-model": "CPU model",
    "dram-model": "DRAM model",
}
_SOURCE_PREFIX = {"nvml": "nvml", "amdsmi": "amdsmi", "rapl": "rapl"}
_MODEL_SOURCES = {
    "model:cpu-utilization": "cpu-model",
    "model:cpu-process": "cpu-model",
    "model:dram": "dram-model",
    "model:dram-process": "dram-model",
}
DEFAULT_RAPL_ROOT = "/sys/class/powercap"  # = rapl_topology.DEFAULT_ROOT, without importing it
_RAPL_FIX = (
    "on bare-metal Linux with an Intel or AMD Zen CPU: `sudo modprobe intel_rapl_msr`; in a "
    "container, mount /sys/class/powercap read-only; virtual machines do not expose RAPL"
)


@dataclass
class Discovery:
    """The sensors to read (the caller owns and closes them) and one status per candidate."""

    sensors: list[Sensor] = field(default_factory=list)
    statuses: list[SensorStatus] = field(default_factory=list)

    def status(self, name: str) -> SensorStatus:
        for status in self.statuses:
            if status.name in (name, TITLES.get(name)):
                return status
        raise KeyError(name)

    def close(self) -> None:
        for sensor in self.sensors:
            sensor.close()

    def __enter__(self) -> Discovery:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _family(source: str) -> str:
    return _MODEL_SOURCES.get(source) or _SOURCE_PREFIX.get(source.partition(":")[0], "")


def _families(select: Iterable[str] | None) -> tuple[set[str], set[str]]:
    """(families named in ``select``, sources named in it); UsageError on unknown names."""
    if select is None:
        return set(NAMES), set()
    families: set[str] = set()
    sources: set[str] = set()
    for item in select:
        if item in NAMES:
            families.add(item)
        elif item in _MODEL_SOURCES or (":" in item and _family(item)):
            sources.add(item)
        else:
            valid = [*NAMES, *_MODEL_SOURCES, "rapl:<zone>", "nvml:<index>", "amdsmi:<index>"]
            raise UsageError(
                f"unknown sensor {item!r}{closest(item, [*NAMES, *_MODEL_SOURCES])}",
                hint="valid names: " + ", ".join(valid),
            )
    return families, sources


def _failed(name: str, exc: BaseException) -> SensorStatus:
    if isinstance(exc, SensorError):
        fix = exc.hint or (_RAPL_FIX if name == "rapl" else None)
        return SensorStatus(TITLES[name], False, None, str(exc), fix)
    return SensorStatus(TITLES[name], False, None, f"unexpected {type(exc).__name__}: {exc}")


def _describe(sensors: list[Any], extra: str = "") -> str:
    parts = [f"{s.info.source} ({s.info.method.value}, {s.info.covers})" for s in sensors]
    return "reading " + "; ".join(parts) + extra


def _used(name: str, sensors: list[Any], extra: str = "") -> SensorStatus:
    methods = {s.info.method for s in sensors}
    method = Method.POWER_INTEGRATION if Method.POWER_INTEGRATION in methods else min(methods)
    sources = tuple(s.info.source for s in sensors)
    return SensorStatus(TITLES[name], True, method, _describe(sensors, extra), None, sources)


def discover(
    *,
    rapl_root: str | os.PathLike[str] = DEFAULT_RAPL_ROOT,
    nvml: Any = None,
    amdsmi: Any = None,
    cpu_tdp_w: float | None = None,
    dram_w_per_gb: float | None = None,
    scope: str = "machine",
    select: Iterable[str] | None = None,
    environ: Mapping[str, str] | None = None,
    rapl_opener: Callable[[str], int] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Discovery:
    """Probe every candidate (or those in ``select``: names or sources) and choose sensors.

    ``nvml`` / ``amdsmi`` are the modules to use (default: import ``pynvml`` / ``amdsmi``).
    """
    check_scope(scope)
    named, wanted_sources = _families(select)
    families = named | {_family(source) for source in wanted_sources}
    found: dict[str, list[Any]] = {}
    statuses: dict[str, SensorStatus] = {}
    for name in NAMES:
        if name not in families:
            statuses[name] = SensorStatus(TITLES[name], False, None, "not selected")
    env = os.environ if environ is None else environ
    if "nvml" in families:
        try:
            from .nvml_devices import open_nvml  # lazy: each probe imports only what it uses

            found["nvml"], notes = open_nvml(nvml, environ=env, clock=clock)
            statuses["nvml"] = _used("nvml", found["nvml"], "".join(f"; {n}" for n in notes))
        except Exception as exc:
            statuses["nvml"] = _failed("nvml", exc)
    if "amdsmi" in families:
        try:
            from .amd import open_amdsmi

            found["amdsmi"] = open_amdsmi(amdsmi, environ=env, clock=clock)
            statuses["amdsmi"] = _used("amdsmi", found["amdsmi"])
        except Exception as exc:
            statuses["amdsmi"] = _failed("amdsmi", exc)
    if "rapl" in families:
        try:
            if not os.path.isdir(rapl_root):  # most VMs: say so without importing the reader
                raise SensorError(
                    f"no {os.fspath(rapl_root)}/intel-rapl zones (not an Intel/AMD RAPL system, "
                    "or running in a VM/container)"
                )
            from .rapl import open_rapl
            from .rapl_topology import default_opener

            found["rapl"], plan = open_rapl(
                rapl_root, opener=rapl_opener or default_opener, clock=clock
            )
            skipped = "".join(f"; skipped {zone}: {why}" for zone, why in plan.dropped)
            statuses["rapl"] = _used("rapl", found["rapl"], skipped)
        except Exception as exc:
            statuses["rapl"] = _failed("rapl", exc)
    for name in ("nvml", "amdsmi", "rapl"):
        if name in found and name not in named:  # only some of its sources were selected
            keep = [s for s in found[name] if s.info.source in wanted_sources]
            for sensor in found[name]:
                if sensor not in keep:
                    sensor.close()
            found[name] = keep
    dram_kw: dict[str, Any] = {} if dram_w_per_gb is None else {"w_per_gb": dram_w_per_gb}
    for name, covered_by, build in (
        ("cpu-model", {Domain.CPU_PACKAGE, Domain.PSYS},
         lambda: CpuModelSensor(tdp_w=cpu_tdp_w, scope=scope, clock=clock)),
        ("dram-model", {Domain.DRAM, Domain.PSYS},
         lambda: DramModelSensor(scope=scope, clock=clock, **dram_kw)),
    ):
        if name not in families:
            continue
        replaced = [s.info.source for s in found.get("rapl", []) if s.info.domain in covered_by]
        if replaced:
            reason = f"not used: measured by {', '.join(replaced)}"
            statuses[name] = SensorStatus(TITLES[name], True, Method.MODEL, reason)
            continue
        try:
            sensor = build()
        except BaseException:  # a bad setting or an unreadable /proc/cpuinfo: say so
            for sensors_of in found.values():
                for opened in sensors_of:
                    opened.close()
            raise
        found[name] = [sensor]
        fix = (
            "give --cpu-tdp-w W (cpu_tdp_w=; the CPU's TDP, all sockets) for a better estimate; "
            if name == "cpu-model"
            else "give --dram-w-per-gb W (dram_w_per_gb=) for your memory's figure; "
        )
        statuses[name] = SensorStatus(
            TITLES[name], True, Method.MODEL,
            f"estimate, not measured (no RAPL counter for it): {sensor.info.details}",
            f"{fix}a RAPL counter (bare-metal Linux, readable energy_uj) replaces it",
            (sensor.info.source,),
        )
    sensors = [s for name in NAMES for s in found.get(name, [])]
    missing = wanted_sources - {s.info.source for s in sensors}
    if missing:
        for sensor in sensors:
            sensor.close()
        available = sorted({s.info.source for s in sensors} | set(NAMES))
        first = sorted(missing)[0]
        raise UsageError(
            f"no sensor with source {', '.join(sorted(missing))}{closest(first, available)}",
            hint="available here: " + ", ".join(available),
        )
    return Discovery(sensors=sensors, statuses=[statuses[n] for n in NAMES])


_SHARED: dict[tuple[Any, ...], Discovery] = {}
_SHARED_LOCK = threading.Lock()


def shared(
    *,
    scope: str = "machine",
    cpu_tdp_w: float | None = None,
    dram_w_per_gb: float | None = None,
    select: Iterable[str] | None = None,
) -> Discovery:
    """This process's discovery for these arguments: probed on first use, then reused.

    The sensors stay open for the life of the process (or until :func:`rediscover`);
    callers must not close them.
    """
    check_scope(scope)
    key = (scope, cpu_tdp_w, dram_w_per_gb, None if select is None else tuple(select))
    found = _SHARED.get(key)
    if found is not None and os.getpid() == _SHARED_PID[0]:
        return found
    with _SHARED_LOCK:
        if os.getpid() != _SHARED_PID[0]:  # forked: the parent's handles are not ours
            _SHARED.clear()
            _SHARED_PID[0] = os.getpid()
        found = _SHARED.get(key)
        if found is None:
            found = discover(
                scope=scope, cpu_tdp_w=cpu_tdp_w, dram_w_per_gb=dram_w_per_gb, select=select
            )
            _SHARED[key] = found
    return found


_SHARED_PID = [os.getpid()]


def rediscover() -> None:
    """Close and forget the shared sensors; the next :func:`shared` call probes afresh."""
    with _SHARED_LOCK:
        for found in _SHARED.values():
            found.close()
        _SHARED.clear()
