"""Is anything else running? Other processes' CPU load over a window (the busy-machine guard).

A figure taken while other processes keep the cores busy is not the workload's: an idle
baseline taken on a busy machine is not idle (net figures come out near zero), and a
machine-scope CPU model charges the neighbours' CPU time to the benchmark. So every idle
baseline and every measured window records how much CPU *other* processes used:

    other_cpus = (machine busy CPU s - this process tree's CPU s) / elapsed s

machine busy CPU time from ``/proc/stat`` (user, nice, system, irq, softirq: what
``psutil.cpu_times()`` counts busy; read with one ``os.pread`` on a kept descriptor),
this process tree's from :func:`os.times` (this process and the children it has waited
for). ``busy`` is set when ``other_cpus`` exceeds :data:`BUSY_THRESHOLD` of the
machine's logical CPUs (and at least :data:`BUSY_MIN_CPUS` CPUs) over an interval of at
least :data:`BUSY_MIN_DURATION_S` (CPU times tick every 10 ms); a busy idle baseline
makes every net figure that uses it unreliable. Where ``/proc/stat`` is missing (not
Linux), ``psutil.cpu_times()`` is used.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "BUSY_MIN_CPUS",
    "BUSY_MIN_DURATION_S",
    "BUSY_THRESHOLD",
    "HostLoad",
    "LoadProbe",
    "ProcStatBusy",
    "describe",
    "shared_machine_busy",
]

BUSY_THRESHOLD = 0.10  # other processes' CPU use, as a fraction of all logical CPUs
BUSY_MIN_CPUS = 0.15  # ... and at least this many CPUs (a 2-core machine: 0.2 CPUs)
BUSY_MIN_DURATION_S = 0.25  # CPU times tick every 10 ms: 25 ticks per CPU at least


@dataclass(frozen=True)
class HostLoad:
    """Other processes' CPU use over one interval."""

    duration_s: float
    other_cpus: float  # mean number of logical CPUs kept busy by other processes
    logical_cpus: int
    threshold: float = BUSY_THRESHOLD

    @property
    def other_fraction(self) -> float:
        return self.other_cpus / self.logical_cpus if self.logical_cpus else 0.0

    @property
    def busy(self) -> bool:
        return (
            self.duration_s >= BUSY_MIN_DURATION_S
            and self.other_fraction > self.threshold
            and self.other_cpus >= BUSY_MIN_CPUS
        )

    def to_dict(self) -> dict[str, float | int | bool]:
        return {
            "duration_s": self.duration_s,
            "other_cpus": self.other_cpus,
            "logical_cpus": self.logical_cpus,
            "threshold": self.threshold,
            "busy": self.busy,
        }

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> HostLoad:
        return cls(
            duration_s=float(d["duration_s"]),  # type: ignore[arg-type]
            other_cpus=float(d["other_cpus"]),  # type: ignore[arg-type]
            logical_cpus=int(d["logical_cpus"]),  # type: ignore[call-overload]
            threshold=float(d.get("threshold", BUSY_THRESHOLD)),  # type: ignore[arg-type]
        )


def describe(load: HostLoad, during: str) -> str:
    """One line for the terminal and the stored warnings."""
    return (
        f"busy machine {during}: other processes kept {load.other_cpus:.2f} of "
        f"{load.logical_cpus} CPUs busy ({load.other_fraction:.0%}, threshold "
        f"{load.threshold:.0%})"
    )


def _own_cpu_s() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class ProcStatBusy:
    """Machine busy CPU seconds from ``/proc/stat``'s first line, on a kept descriptor.

    Counts as busy what ``psutil.cpu_times()`` does (user, nice, system, irq, softirq),
    with one ``os.pread`` and no open/close per read.
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
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class _Memo:
    """A reader whose value is reused for ``max_age_s``: the CPU model and the load probe
    read /proc/stat at the same window edge, and the kernel builds the whole file (about
    8 us here, far more on a many-core server) for each read. CPU times tick every 10 ms,
    so a value 100 us old is the same value."""

    def __init__(self, read: Callable[[], float], max_age_s: float = 1e-4) -> None:
        self._read = read
        self._max_age_s = max_age_s
        self._t = -1.0
        self._value = 0.0

    def __call__(self) -> float:
        now = time.monotonic()
        if now - self._t > self._max_age_s:
            self._value = self._read()
            self._t = now
        return self._value


_SHARED_BUSY: dict[int, Callable[[], float] | None] = {}


def shared_machine_busy() -> Callable[[], float] | None:
    """This process's /proc/stat busy-time reader (memoised, kept open); None off Linux."""
    pid = os.getpid()
    if pid not in _SHARED_BUSY:
        _SHARED_BUSY.clear()  # a forked child opens its own descriptor
        try:
            stat = ProcStatBusy()
            stat()
            _SHARED_BUSY[pid] = _Memo(stat)
        except (OSError, ValueError, IndexError):
            _SHARED_BUSY[pid] = None
    return _SHARED_BUSY[pid]


def _psutil_busy_s() -> float:
    import psutil

    t = psutil.cpu_times()
    return float(
        sum(getattr(t, f, 0.0) for f in ("user", "nice", "system", "irq", "softirq"))
    )


class LoadProbe:
    """Reads (machine busy CPU s, own CPU s) cheaply; two marks give a :class:`HostLoad`.

    ``machine_busy_s``, ``own_cpu_s``, ``logical_cpus`` and ``clock`` are injectable.
    """

    def __init__(
        self,
        *,
        machine_busy_s: Callable[[], float] | None = None,
        own_cpu_s: Callable[[], float] = _own_cpu_s,
        logical_cpus: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if machine_busy_s is None:
            machine_busy_s = shared_machine_busy() or _psutil_busy_s
        self._machine = machine_busy_s
        self._own = own_cpu_s
        self.logical_cpus = logical_cpus or os.cpu_count() or 1
        self._clock = clock
        self.pid = os.getpid()  # a forked child makes its own probe

    def mark(self) -> tuple[float, float, float]:
        """(time, machine busy CPU s, own CPU s) now."""
        return self._clock(), self._machine(), self._own()

    def load(self, begin: tuple[float, float, float], end: tuple[float, float, float]) -> HostLoad:
        elapsed = end[0] - begin[0]
        other_s = (end[1] - begin[1]) - (end[2] - begin[2])
        other = max(0.0, other_s / elapsed) if elapsed > 0 else 0.0
        other = min(other, float(self.logical_cpus))
        return HostLoad(duration_s=elapsed, other_cpus=other, logical_cpus=self.logical_cpus)

