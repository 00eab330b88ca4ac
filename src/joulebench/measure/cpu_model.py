"""Model-based CPU and DRAM energy, for machines without a hardware counter.

These are **estimates** (``Method.MODEL``) with a low-high band, never measurements.

CPU: a linear utilisation curve between idle and maximum power,
``E = idle_w * elapsed_s + (max_w - idle_w) * busy_cpu_s / logical_cpus``, where
``busy_cpu_s`` is system-wide busy CPU time from ``psutil.cpu_times()`` (cumulative, so a
read needs no sampling). ``max_w`` comes, in this order, from the user (``tdp_w=``), the
CPU TDP table derived from CodeCarbon's ``cpu_power.csv`` (see ``data/SOURCES.md``), or
``DEFAULT_W_PER_THREAD`` per logical CPU. In a virtual machine the table's TDP is for the
whole host chip, not our share of it, so the per-thread default is used instead.
``idle_w = IDLE_FRACTION * max_w``.

DRAM: a constant ``DRAM_W_PER_GB`` per GB installed, from Green Algorithms
(Lannelongue, Grealey and Inouye, Advanced Science 2021, 0.3725 W/GB).
"""

from __future__ import annotations

import csv
import functools
import os
import re
import threading
import time
from collections.abc import Callable
from importlib import resources
from typing import Any

from .sensor import Domain, Method, Reading, SensorInfo

IDLE_FRACTION = 0.3  # idle package power / TDP; typical of current server and desktop parts
DEFAULT_W_PER_THREAD = 8.0  # e.g. a 32-thread 250 W server part is ~7.8 W per thread
CPU_BAND = (0.5, 1.5)
DRAM_W_PER_GB = 0.3725  # Green Algorithms (Lannelongue et al. 2021), after Karyakin & Salem 2017
DRAM_BAND = (0.4, 1.6)
_BUSY_FIELDS = ("user", "nice", "system", "irq", "softirq", "interrupt", "dpc")
_NOISE = re.compile(
    r"\(r\)|\(tm\)|®|™|\bcpu\b|\bprocessor\b|@.*$|\b\d+(st|nd|rd|th) gen\b|\b\d+-core\b"
    r"|\bwith radeon .*$|\bwith .* graphics\b"
)


def normalize_cpu_name(name: str) -> str:
    """A matching key: lower case, no trade marks, clock speed, core counts or 'CPU'."""
    key = _NOISE.sub(" ", name.lower())
    return " ".join(key.replace(",", " ").split())


@functools.lru_cache(maxsize=1)
def _tdp_table() -> dict[str, float]:
    table: dict[str, float] = {}
    path = resources.files("joulebench.measure") / "data" / "cpu_tdp.csv"
    with path.open(encoding="utf-8") as handle:
        rows = csv.reader(line for line in handle if not line.startswith("#"))
        next(rows, None)
        for key, tdp in rows:
            table[key] = float(tdp)
    return table


def lookup_tdp_w(cpu_name: str) -> tuple[float, str] | None:
    """(TDP in W, matched table key) for a CPU model name, or None.

    An exact key wins; else the longest key whose words all appear in the name and which
    shares a word containing a digit (a model number), so 'Intel Xeon Processor' matches
    nothing rather than some Xeon.
    """
    key = normalize_cpu_name(cpu_name)
    table = _tdp_table()
    if key in table:
        return table[key], key
    words = set(key.split())
    best: str | None = None
    for candidate in table:
        cwords = candidate.split()
        if not any(any(c.isdigit() for c in w) and w in words for w in cwords):
            continue
        if all(w in words for w in cwords) and (best is None or len(candidate) > len(best)):
            best = candidate
    return (table[best], best) if best else None


def read_cpu_name(cpuinfo: str = "/proc/cpuinfo") -> str:
    """The CPU model name (Linux /proc/cpuinfo, else platform.processor())."""
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith(("model name", "Model")) and ":" in line:
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine() or "unknown CPU"


def in_virtual_machine(cpuinfo: str = "/proc/cpuinfo") -> bool:
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as handle:
            return any(line.startswith("flags") and " hypervisor" in line for line in handle)
    except OSError:
        return False


def cpu_max_power(
    *, tdp_w: float | None, cpu_name: str, logical_cpus: int, virtual: bool
) -> tuple[float, str]:
    """(max power in W, where it came from) by user setting, TDP table or per-thread default."""
    if tdp_w is not None:
        if tdp_w <= 0:
            raise ValueError("tdp_w must be positive")
        return tdp_w, f"max {tdp_w:g} W set by the user (tdp_w)"
    match = lookup_tdp_w(cpu_name)
    default_w = DEFAULT_W_PER_THREAD * logical_cpus
    default = f"{DEFAULT_W_PER_THREAD:g} W per logical CPU x {logical_cpus} (default)"
    if match and not virtual:
        return match[0], f"max {match[0]:g} W = TDP of '{match[1]}' (CodeCarbon CPU table)"
    if match:
        return default_w, (
            f"max {default_w:g} W = {default}; virtual machine, so the host chip's TDP "
            f"({match[0]:g} W, '{match[1]}') is not ours"
        )
    return default_w, f"max {default_w:g} W = {default}; '{cpu_name}' not in the TDP table"


def _busy_s(times: Any) -> float:
    return float(sum(getattr(times, field, 0.0) for field in _BUSY_FIELDS))


class ProcStatBusy:
    """System-wide busy CPU seconds from ``/proc/stat``, read with ``os.pread`` on a kept fd.

    Same fields as ``psutil.cpu_times()`` counts busy (user, nice, system, irq, softirq)
    at a fraction of the cost (no open/close per read), so a meter window stays cheap.
    """

    def __init__(self, path: str = "/proc/stat") -> None:
        self._fd = os.open(path, os.O_RDONLY)
        self._tick_s = 1.0 / os.sysconf("SC_CLK_TCK")

    def __call__(self) -> float:
        first = os.pread(self._fd, 512, 0).split(b"\n", 1)[0].split()
        # cpu user nice system idle iowait irq softirq ...
        ticks = int(first[1]) + int(first[2]) + int(first[3]) + int(first[6]) + int(first[7])
        return ticks * self._tick_s

    def close(self) -> None:
        os.close(self._fd)


def _fast_busy() -> ProcStatBusy | None:
    try:
        reader = ProcStatBusy()
        reader()
    except (OSError, ValueError, IndexError):
        return None
    return reader


class CpuModelSensor:
    """CPU energy estimated from CPU time. ``scope``: "machine" (default) or "process".

    The process scope charges ``max_w / logical_cpus`` per CPU-second of this process
    and its waited-for children; the machine scope charges idle power all the time.
    """

    def __init__(
        self,
        *,
        tdp_w: float | None = None,
        cpu_name: str | None = None,
        logical_cpus: int | None = None,
        virtual: bool | None = None,
        scope: str = "machine",
        cpu_times: Callable[[], Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        import psutil

        if scope not in ("machine", "process"):
            raise ValueError("scope must be 'machine' or 'process'")
        self.cpu_name = cpu_name or read_cpu_name()
        self.logical_cpus = logical_cpus or psutil.cpu_count(logical=True) or 1
        virtual = in_virtual_machine() if virtual is None else virtual
        self.max_w, origin = cpu_max_power(
            tdp_w=tdp_w, cpu_name=self.cpu_name, logical_cpus=self.logical_cpus, virtual=virtual
        )
        self.idle_w = IDLE_FRACTION * self.max_w
        self.scope = scope
        self._fast = _fast_busy() if cpu_times is None and scope == "machine" else None
        if cpu_times is None:
            cpu_times = psutil.cpu_times if scope == "machine" else psutil.Process().cpu_times
        self._cpu_times = cpu_times
        self._clock = clock
        self._lock = threading.Lock()
        self._t0 = clock()
        self._busy0 = self._busy_now()
        self._busy_max = self._busy0
        what = "machine-level, all processes" if scope == "machine" else "this process and children"
        self.info = SensorInfo(
            source="model:cpu-utilization" if scope == "machine" else "model:cpu-process",
            domain=Domain.CPU_PACKAGE,
            device=self.cpu_name,
            method=Method.MODEL,
            covers=f"CPU package, {what} (model estimate, not measured)",
            update_period_s=0.01,
            band=CPU_BAND,
            details=(
                f"model: {origin}; idle {IDLE_FRACTION:.0%} of max = {self.idle_w:g} W; linear "
                f"in busy CPU time (psutil) over {self.logical_cpus} logical CPUs"
            ),
        )

    def _busy_now(self) -> float:
        if self._fast is not None:
            return self._fast()
        times = self._cpu_times()
        busy = _busy_s(times)
        if self.scope == "process":
            busy = float(
                times.user + times.system
                + getattr(times, "children_user", 0.0) + getattr(times, "children_system", 0.0)
            )
        return busy

    @property
    def poll_interval_s(self) -> float | None:
        return None

    def poll(self) -> None:
        return None

    def read(self) -> Reading:
        with self._lock:
            now = self._clock()
            self._busy_max = max(self._busy_max, self._busy_now())  # kernels can jitter back
            elapsed_s = max(0.0, now - self._t0)
            busy_s = min(self._busy_max - self._busy0, elapsed_s * self.logical_cpus)
            per_cpu_w = self.max_w / self.logical_cpus
            if self.scope == "process":
                energy_j = per_cpu_w * busy_s
            else:
                dynamic_w = (self.max_w - self.idle_w) / self.logical_cpus
                energy_j = self.idle_w * elapsed_s + dynamic_w * busy_s
            return Reading(timestamp_s=now, energy_j=energy_j)

    def close(self) -> None:
        if self._fast is not None:
            self._fast.close()
            self._fast = None


class DramModelSensor:
    """DRAM energy as a constant power per GB installed (machine-level)."""

    def __init__(
        self,
        *,
        total_bytes: int | None = None,
        w_per_gb: float = DRAM_W_PER_GB,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if total_bytes is None:
            import psutil

            total_bytes = int(psutil.virtual_memory().total)
        self.total_gb = total_bytes / 1e9
        self.power_w = w_per_gb * self.total_gb
        self._clock = clock
        self._t0 = clock()
        self.info = SensorInfo(
            source="model:dram",
            domain=Domain.DRAM,
            device="dram",
            method=Method.MODEL,
            covers="all installed DRAM, machine-level (model estimate, not measured)",
            band=DRAM_BAND,
            details=(
                f"model: {w_per_gb:g} W per GB x {self.total_gb:.1f} GB = {self.power_w:.2f} W, "
                "constant; figure from Green Algorithms (Lannelongue et al., Adv. Sci. 2021)"
            ),
        )

    @property
    def poll_interval_s(self) -> float | None:
        return None

    def poll(self) -> None:
        return None

    def read(self) -> Reading:
        now = self._clock()
        return Reading(timestamp_s=now, energy_j=self.power_w * max(0.0, now - self._t0))

    def close(self) -> None:
        return None
