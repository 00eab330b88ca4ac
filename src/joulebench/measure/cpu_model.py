"""Model-based CPU energy, for machines without a hardware counter (and the DRAM re-export).

These are **estimates** (``Method.MODEL``) with a low-high band, never measurements.

A linear utilisation curve between idle and maximum power, ``idle_w = IDLE_FRACTION x
max_w``. Machine scope: ``E = idle_w x t + (max_w - idle_w) / logical_cpus x busy CPU s``
of the whole machine (``/proc/stat``, cumulative, so a read needs no sampling). Process
scope: the same with the CPU seconds of this process and the children it has waited for
(``os.times()``): the machine's idle power in full plus only this process tree's
dynamic power, so a busy neighbour does not change it.

``max_w`` (see :func:`cpu_max_power`), in this order:
1. the user's ``tdp_w`` (all the CPUs the sensor covers), used as given;
2. bare metal, name in the TDP table (CodeCarbon): sockets x the chip's TDP;
3. virtual machine, name in the table and the chip's core count in its name ("64-Core"):
   host TDP / host threads x our vCPUs, host threads = cores x 2 (2-way SMT assumed);
4. else Green Algorithms' per-core default for an unknown CPU, 12 W per core: x physical
   cores on bare metal, x vCPUs / 2 in a VM (a vCPU is one thread of a 2-way SMT core).
Sources are in ``data/SOURCES.md``; each sensor's ``info.details`` states its figures.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from .cpu_info import DEFAULT_CPUINFO, CpuInfo, platform_cpu_info, read_cpu_info, read_cpu_name
from .dram_model import DRAM_BAND, DRAM_W_PER_GB, DramModelSensor
from .host_load import ProcStatBusy, shared_machine_busy
from .model_checks import positive_finite
from .sensor import Domain, Method, Reading, SensorInfo
from .tdp_table import lookup_tdp_w, normalize_cpu_name

__all__ = [
    "CPU_BAND", "DEFAULT_W_PER_CORE", "DRAM_BAND", "DRAM_W_PER_GB", "IDLE_FRACTION",
    "SMT_THREADS_PER_CORE", "CpuInfo", "CpuModelSensor", "DramModelSensor", "ProcStatBusy",
    "cpu_max_power", "lookup_tdp_w", "normalize_cpu_name", "read_cpu_info", "read_cpu_name",
]

IDLE_FRACTION = 0.3  # idle package power / max: an engineering assumption, in the band
DEFAULT_W_PER_CORE = 12.0  # Green Algorithms' "Any" CPU, W per core (data/SOURCES.md)
SMT_THREADS_PER_CORE = 2  # assumed for VM hosts; a cloud vCPU is one hardware thread
CPU_BAND = (0.5, 1.5)
TDP_SETTING = "--cpu-tdp-w (tdp_w)"
_BUSY_FIELDS = ("user", "nice", "system", "irq", "softirq", "interrupt", "dpc")
_TABLE = "CodeCarbon CPU table"
_DEFAULT = f"{DEFAULT_W_PER_CORE:g} W per core (Green Algorithms default for an unknown CPU)"


def _sockets(info: CpuInfo) -> str:
    return f"{info.sockets} socket{_s(info.sockets)}"


def _s(count: float) -> str:
    return "" if count == 1 else "s"


def cpu_max_power(*, tdp_w: float | None, info: CpuInfo) -> tuple[float, str]:
    """(max power in W, where it came from, in words) for the CPUs ``info`` describes."""
    n = info.logical_cpus
    if tdp_w is not None:
        watts = positive_finite(tdp_w, TDP_SETTING, "watts")
        return watts, f"max {watts:g} W set by the user (tdp_w, all of {_sockets(info)})"
    match = lookup_tdp_w(info.model_name)
    if match and not info.hypervisor:
        chip_w, key = match
        watts = info.sockets * chip_w
        return watts, f"max {watts:g} W = {_sockets(info)} x TDP {chip_w:g} W of '{key}' ({_TABLE})"
    if match and info.cores_in_name:
        chip_w, key = match
        threads = info.cores_in_name * SMT_THREADS_PER_CORE
        watts = chip_w / threads * n
        return watts, (
            f"max {watts:g} W = {n} vCPUs x host TDP {chip_w:g} W of '{key}' ({_TABLE}) / "
            f"{threads} host threads ({info.cores_in_name} cores from the name x "
            f"{SMT_THREADS_PER_CORE} SMT threads, assumed); virtual machine: our share of the host chip"
        )
    if info.hypervisor:
        cores = n / SMT_THREADS_PER_CORE
        why = (f"host chip '{match[1]}' (TDP {match[0]:g} W) known but not its thread count"
               if match else f"'{info.model_name}' not in the TDP table")
        watts = DEFAULT_W_PER_CORE * cores
        return watts, (
            f"max {watts:g} W = {_DEFAULT} x {cores:g} core{_s(cores)} ({n} vCPUs / "
            f"{SMT_THREADS_PER_CORE} threads per core, assumed); virtual machine, {why}"
        )
    cores_known = info.physical_cores
    cores = cores_known or n
    counted = "physical cores" if cores_known else "logical CPUs (core count unknown)"
    watts = DEFAULT_W_PER_CORE * cores
    return watts, f"max {watts:g} W = {_DEFAULT} x {cores} {counted}; '{info.model_name}' not in the TDP table"


def process_cpu_s() -> float:
    """CPU seconds of this process and its waited-for children (one ``times()`` syscall)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _psutil_busy_s() -> float:  # machine scope where there is no /proc/stat (macOS, Windows)
    import psutil

    times: Any = psutil.cpu_times()
    return float(sum(getattr(times, field, 0.0) for field in _BUSY_FIELDS))


def _machine_reader(path: str) -> tuple[Callable[[], float], ProcStatBusy | None, str]:
    if path == "/proc/stat":  # the process's shared, memoised reader (also the load probe's)
        shared = shared_machine_busy()
        if shared is not None:
            return shared, None, path
        return _psutil_busy_s, None, "psutil.cpu_times"
    try:
        reader = ProcStatBusy(path)
    except FileNotFoundError:
        return _psutil_busy_s, None, "psutil.cpu_times"
    try:
        reader()
    except (OSError, ValueError, IndexError):
        reader.close()
        return _psutil_busy_s, None, "psutil.cpu_times"
    return reader, reader, path


@dataclass(frozen=True)
class CpuPower:
    """The CPU model's power curve for one machine: max and idle watts, and where from."""

    info: CpuInfo
    max_w: float
    idle_w: float
    origin: str

    @property
    def dynamic_w_per_cpu(self) -> float:
        return (self.max_w - self.idle_w) / self.info.logical_cpus

    def energy_j(self, elapsed_s: float, busy_cpu_s: float) -> float:
        """``idle_w x t + (max_w - idle_w) / logical_cpus x busy CPU s`` (busy capped)."""
        busy_cpu_s = min(busy_cpu_s, elapsed_s * self.info.logical_cpus)
        return self.idle_w * elapsed_s + self.dynamic_w_per_cpu * busy_cpu_s


def cpu_power(
    *, tdp_w: float | None, cpuinfo_path: str = DEFAULT_CPUINFO, cpu_info: CpuInfo | None = None,
    logical_cpus: int | None = None,
) -> CpuPower:
    """The power curve from ``tdp_w`` (checked) or the CPU table, before anything is read.

    An unreadable /proc/cpuinfo is a :class:`~joulebench.errors.SensorError` unless
    ``tdp_w`` is given (the user's TDP needs only the CPU count).
    """
    from ..errors import SensorError

    if tdp_w is not None:
        positive_finite(tdp_w, TDP_SETTING, "watts")
    if cpu_info is None:
        try:
            cpu_info = read_cpu_info(cpuinfo_path)
        except SensorError:
            if tdp_w is None:
                raise
            cpu_info = platform_cpu_info()
    if logical_cpus is not None:
        cpu_info = replace(cpu_info, logical_cpus=logical_cpus)
    max_w, origin = cpu_max_power(tdp_w=tdp_w, info=cpu_info)
    return CpuPower(cpu_info, max_w, IDLE_FRACTION * max_w, origin)


class CpuModelSensor:
    """CPU energy estimated from CPU time. ``scope``: "machine" (default) or "process".

    Injectable for exact tests: ``cpuinfo_path`` (or a ready ``cpu_info``), ``stat_path``,
    ``cpu_s`` (cumulative CPU seconds: machine busy or this process tree's) and ``clock``.
    Raises :class:`~joulebench.errors.UsageError` for a bad ``tdp_w`` or ``scope`` and
    :class:`~joulebench.errors.SensorError` when /proc/cpuinfo exists but cannot be read
    and no ``tdp_w`` is given; both before anything is measured.
    """

    def __init__(
        self,
        *,
        tdp_w: float | None = None,
        scope: str = "machine",
        cpuinfo_path: str = DEFAULT_CPUINFO,
        cpu_info: CpuInfo | None = None,
        logical_cpus: int | None = None,
        stat_path: str = "/proc/stat",
        cpu_s: Callable[[], float] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        from ..errors import UsageError

        if scope not in ("machine", "process"):
            raise UsageError(f"CPU model scope must be 'machine' or 'process', got {scope!r}")
        self.power = power = cpu_power(
            tdp_w=tdp_w, cpuinfo_path=cpuinfo_path, cpu_info=cpu_info, logical_cpus=logical_cpus
        )
        self.cpu_info = info = power.info
        self.cpu_name = info.model_name
        self.logical_cpus = info.logical_cpus
        self.max_w, self.idle_w, origin = power.max_w, power.idle_w, power.origin
        self.scope = scope
        self._stat: ProcStatBusy | None = None
        if cpu_s is not None:
            what = "injected CPU-time reader"
        elif scope == "process":
            cpu_s, what = process_cpu_s, "os.times(): this process + waited-for children"
        else:
            cpu_s, self._stat, what = _machine_reader(stat_path)
        self._cpu_s = cpu_s
        self._clock = clock
        self._lock = threading.Lock()
        self._t0 = clock()
        self._busy0 = self._busy_max = cpu_s()
        self._last = Reading(timestamp_s=self._t0, energy_j=0.0)
        busy = "busy CPU s of the machine" if scope == "machine" else "CPU s of this process tree"
        self.info = SensorInfo(
            source="model:cpu-utilization" if scope == "machine" else "model:cpu-process",
            domain=Domain.CPU_PACKAGE,
            device=self.cpu_name,
            method=Method.MODEL,
            covers=(
                "CPU package(s), machine-level: all processes (model estimate, not measured)"
                if scope == "machine" else
                "CPU package(s): the machine's idle power in full plus the dynamic power of "
                "this process and its waited-for children only (model estimate, not measured)"
            ),
            update_period_s=0.01,
            band=CPU_BAND,
            details=(
                f"model: {origin}; idle {IDLE_FRACTION:.0%} of max = {self.idle_w:g} W; "
                f"E = idle_w x t + (max_w - idle_w)/{self.logical_cpus} x {busy} ({what})"
            ),
        )

    @property
    def poll_interval_s(self) -> float | None:
        return None

    def poll(self) -> None:
        return None

    def read(self) -> Reading:
        with self._lock:
            now = self._clock()
            try:
                busy_now = self._cpu_s()
            except (OSError, ValueError, IndexError):
                return replace(self._last, stale=True)  # cumulative: the next read recovers it
            self._busy_max = max(self._busy_max, busy_now)  # kernels can jitter back
            elapsed_s = max(0.0, now - self._t0)
            energy_j = self.power.energy_j(elapsed_s, self._busy_max - self._busy0)
            self._last = Reading(timestamp_s=now, energy_j=energy_j)
            return self._last

    def close(self) -> None:
        with self._lock:
            if self._stat is not None:
                self._stat.close()
                self._stat = None
