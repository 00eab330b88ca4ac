"""Find the energy sensors of this machine: non-overlapping, each with a status.

Candidates are the sensor probes (:class:`~joulebench.measure.probes.SensorProbe`)
registered in :data:`SENSORS`, in order: ``nvml`` (NVIDIA GPUs), ``amdsmi`` (AMD GPUs),
``rapl`` (CPU package, DRAM or platform through Linux powercap), ``cpu-model`` and
``dram-model`` (estimates), then any from other packages (entry-point group
``joulebench.sensors``). A probe's ``replaced_by`` domains say which counters replace it:
a RAPL package (or psys) zone replaces the CPU model, a RAPL dram (or psys) zone replaces
the DRAM model, so no energy is counted twice. Every candidate gets a
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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from ..errors import SensorError, UsageError, closest
from ..registry import Registry
from .probes import DEFAULT_RAPL_ROOT, ProbeContext, SensorProbe
from .sensor import Method, Sensor, SensorStatus, check_scope


def _check_probe(name: str, obj: Any) -> SensorProbe:
    if not isinstance(obj, SensorProbe):
        raise TypeError(f"{obj!r} is not a joulebench.measure.probes.SensorProbe")
    if obj.name != name:
        raise ValueError(f"the probe is named {obj.name!r}, not {name!r}")
    return obj


SENSORS: Registry[SensorProbe] = Registry("sensor", group="joulebench.sensors", check=_check_probe)
SENSORS.add("nvml", "joulebench.measure.probes:NVML")
SENSORS.add("amdsmi", "joulebench.measure.probes:AMDSMI")
SENSORS.add("rapl", "joulebench.measure.probes:RAPL")
SENSORS.add("cpu-model", "joulebench.measure.probes:CPU_MODEL")
SENSORS.add("dram-model", "joulebench.measure.probes:DRAM_MODEL")

NAMES: tuple[str, ...] = tuple(e.name for e in SENSORS.built_ins())  # the built-in families


def registered_probes() -> list[SensorProbe]:
    """Every registered probe, built-ins first (imports plugins' probes)."""
    return [probe for _, probe in SENSORS.load_all()]


@dataclass
class Discovery:
    """The sensors to read (the caller owns and closes them) and one status per candidate."""

    sensors: list[Sensor] = field(default_factory=list)
    statuses: list[SensorStatus] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)  # probe name → its status's name

    def status(self, name: str) -> SensorStatus:
        for status in self.statuses:
            if status.name in (name, self.titles.get(name)):
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


def _family(source: str, candidates: Sequence[SensorProbe]) -> str:
    return next((p.name for p in candidates if p.owns(source)), "")


def _families(
    select: Iterable[str] | None, candidates: Sequence[SensorProbe]
) -> tuple[set[str], set[str]]:
    """(families named in ``select``, sources named in it); UsageError on unknown names."""
    names = [p.name for p in candidates]
    if select is None:
        return set(names), set()
    families: set[str] = set()
    sources: set[str] = set()
    for item in select:
        if item in names:
            families.add(item)
        elif _family(item, candidates):
            sources.add(item)
        else:
            patterns = [s for p in candidates for s in p.sources]
            exact = [s for s in patterns if "<" not in s]
            raise UsageError(
                f"unknown sensor {item!r}{closest(item, [*names, *exact])}",
                hint="valid names: " + ", ".join([*names, *patterns]),
            )
    return families, sources


def _failed(probe: SensorProbe, exc: BaseException) -> SensorStatus:
    if isinstance(exc, SensorError):
        return SensorStatus(probe.title, False, None, str(exc), exc.hint or probe.fix)
    return SensorStatus(probe.title, False, None, f"unexpected {type(exc).__name__}: {exc}")


def _close_all(found: Mapping[str, list[Sensor]]) -> None:
    for sensors_of in found.values():
        for opened in sensors_of:
            opened.close()


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
    probes: Sequence[SensorProbe] | None = None,
) -> Discovery:
    """Probe every candidate (or those in ``select``: names or sources) and choose sensors.

    ``nvml`` / ``amdsmi`` are the modules to use (default: import ``pynvml`` / ``amdsmi``).
    ``probes``: the candidates (default: every probe registered in :data:`SENSORS`).
    """
    check_scope(scope)
    candidates = list(probes) if probes is not None else registered_probes()
    named, wanted_sources = _families(select, candidates)
    families = named | {_family(source, candidates) for source in wanted_sources}
    ctx = ProbeContext(
        scope=scope, environ=os.environ if environ is None else environ, clock=clock,
        cpu_tdp_w=cpu_tdp_w, dram_w_per_gb=dram_w_per_gb, rapl_root=rapl_root,
        rapl_opener=rapl_opener, nvml=nvml, amdsmi=amdsmi,
    )
    found: dict[str, list[Sensor]] = {}
    statuses: dict[str, SensorStatus] = {}
    for probe in candidates:
        if probe.name not in families:
            statuses[probe.name] = SensorStatus(probe.title, False, None, "not selected")
    # Counters first; then the probes a counter can replace (the models), which look at them.
    for probe in sorted(candidates, key=lambda p: bool(p.replaced_by)):
        if probe.name not in families:
            continue
        replaced = [s.info.source for opened in found.values() for s in opened
                    if s.info.domain in probe.replaced_by]
        if replaced:
            reason = f"not used: measured by {', '.join(replaced)}"  # an estimate's fallback
            statuses[probe.name] = SensorStatus(probe.title, True, Method.MODEL, reason)
            continue
        try:
            opened, statuses[probe.name] = probe.open(ctx)
        except BaseException as exc:
            if probe.required or not isinstance(exc, Exception):
                _close_all(found)  # a bad setting or an unreadable /proc/cpuinfo: say so
                raise
            statuses[probe.name] = _failed(probe, exc)
            continue
        if probe.name not in named:  # only some of its sources were selected
            keep = [s for s in opened if s.info.source in wanted_sources]
            for sensor in opened:
                if sensor not in keep:
                    sensor.close()
            opened = keep
        found[probe.name] = opened
    sensors = [s for probe in candidates for s in found.get(probe.name, [])]
    missing = wanted_sources - {s.info.source for s in sensors}
    if missing:
        for sensor in sensors:
            sensor.close()
        available = sorted({s.info.source for s in sensors} | {p.name for p in candidates})
        first = sorted(missing)[0]
        raise UsageError(
            f"no sensor with source {', '.join(sorted(missing))}{closest(first, available)}",
            hint="available here: " + ", ".join(available),
        )
    return Discovery(sensors=sensors, statuses=[statuses[p.name] for p in candidates],
                     titles={p.name: p.title for p in candidates})


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
