"""Model sensors that follow *another* process tree: a server's CPU time and memory.

The CPU model of :mod:`.cpu_model` in process scope counts this process's own tree
(``os.times()``); a serving benchmark needs the server's. :class:`ProcessTreeCpuSensor`
sums, over the process ``pid`` and its live descendants (``psutil``), user + system CPU
seconds plus the CPU seconds of the children each has already waited for, and applies
the same power curve: ``E = idle_w x t + (max_w - idle_w) / logical_cpus x CPU s``
(``max_w`` from :func:`.cpu_model.cpu_max_power`, ``idle_w = IDLE_FRACTION x max_w``).
A descendant that exits without being waited for takes its last CPU seconds with it
(an undercount, never a negative step: the total is kept monotonic). When ``pid``
itself is gone the sensor reports a gap.

:func:`process_tree_dram_sensor` is the DRAM model over the tree's resident memory.
These are **estimates** (``Method.MODEL``) and say so.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from .cpu_info import DEFAULT_CPUINFO, CpuInfo
from .cpu_model import CPU_BAND, IDLE_FRACTION, cpu_power
from .discovery import Discovery
from .dram_model import DRAM_W_PER_GB, DramModelSensor
from .sensor import Domain, Method, Reading, SensorInfo

__all__ = [
    "ProcessTree", "ProcessTreeCpuSensor", "process_tree_dram_sensor", "server_sensors",
]


class ProcessTree:
    """CPU seconds and resident bytes of ``pid`` and its live descendants (psutil).

    ``LookupError`` when ``pid`` does not exist (or is no longer the process it was).
    """

    def __init__(self, pid: int) -> None:
        import psutil

        self._psutil = psutil
        try:
            self._root = psutil.Process(pid)
            self._root.cpu_times()
        except (psutil.NoSuchProcess, psutil.ZombieProcess) as exc:
            raise LookupError(f"no process with pid {pid}") from exc
        except psutil.AccessDenied as exc:
            raise PermissionError(f"not allowed to read process {pid}") from exc
        self.pid = pid
        self.name = self._root.name()

    def _members(self) -> list[Any]:
        ps = self._psutil
        try:
            if not self._root.is_running():
                raise LookupError(f"process {self.pid} exited")
            return [self._root, *self._root.children(recursive=True)]
        except (ps.NoSuchProcess, ps.ZombieProcess) as exc:
            raise LookupError(f"process {self.pid} exited") from exc

    def cpu_s(self) -> float:
        total = 0.0
        for proc in self._members():
            try:
                t = proc.cpu_times()
            except (self._psutil.NoSuchProcess, self._psutil.AccessDenied):
                continue  # exited between the listing and the read
            total += t.user + t.system + getattr(t, "children_user", 0.0) + getattr(
                t, "children_system", 0.0)
        return total

    def rss_bytes(self) -> int:
        total = 0
        for proc in self._members():
            try:
                total += int(proc.memory_info().rss)
            except (self._psutil.NoSuchProcess, self._psutil.AccessDenied):
                continue
        return total


class ProcessTreeCpuSensor:
    """CPU energy of another process tree, estimated from its CPU time (source
    ``model:cpu-pid:<pid>``). ``cpu_s`` and ``clock`` are injectable for exact tests."""

    def __init__(
        self,
        pid: int,
        *,
        tdp_w: float | None = None,
        cpuinfo_path: str = DEFAULT_CPUINFO,
        cpu_info: CpuInfo | None = None,
        cpu_s: Callable[[], float] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        from ..errors import UsageError

        self.power = power = cpu_power(tdp_w=tdp_w, cpuinfo_path=cpuinfo_path, cpu_info=cpu_info)
        cpu_info = power.info
        name = f"pid {pid}"
        if cpu_s is None:
            try:
                tree = ProcessTree(pid)
            except (LookupError, PermissionError) as exc:
                raise UsageError(f"cannot follow the server process: {exc}",
                                 hint="give the server's pid with --server-pid PID") from exc
            cpu_s, name = tree.cpu_s, f"pid {pid} ({tree.name})"
        self.pid = pid
        self.logical_cpus = cpu_info.logical_cpus
        self.max_w, self.idle_w, origin = power.max_w, power.idle_w, power.origin
        self._cpu_s = cpu_s
        self._clock = clock
        self._lock = threading.Lock()
        self._t0 = clock()
        self._busy0 = self._busy_max = cpu_s()
        self._gaps = 0
        self._gap_reason: str | None = None
        self._last = Reading(timestamp_s=self._t0, energy_j=0.0)
        self.info = SensorInfo(
            source=f"model:cpu-pid:{pid}",
            domain=Domain.CPU_PACKAGE,
            device=cpu_info.model_name,
            method=Method.MODEL,
            covers=(f"CPU package(s): the machine's idle power in full plus the dynamic power "
                    f"of process {name} and its descendants only (model estimate, not measured)"),
            update_period_s=0.01,
            band=CPU_BAND,
            details=(f"model: {origin}; idle {IDLE_FRACTION:.0%} of max = {self.idle_w:g} W; "
                     f"E = idle_w x t + (max_w - idle_w)/{self.logical_cpus} x CPU s of the "
                     f"tree of {name} (psutil, live descendants + their waited-for children)"),
        )

    @property
    def dynamic_w_per_cpu(self) -> float:
        return self.power.dynamic_w_per_cpu

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
            except LookupError as exc:
                if self._gap_reason is None:
                    self._gaps += 1
                    self._gap_reason = f"the followed process is gone ({exc})"
                return replace(self._last, timestamp_s=now, gaps=self._gaps,
                               gap_reason=self._gap_reason)
            except OSError:
                return replace(self._last, stale=True)
            self._busy_max = max(self._busy_max, busy_now)
            elapsed_s = max(0.0, now - self._t0)
            energy_j = self.power.energy_j(elapsed_s, self._busy_max - self._busy0)
            self._last = Reading(timestamp_s=now, energy_j=energy_j, gaps=self._gaps,
                                 gap_reason=self._gap_reason)
            return self._last

    def close(self) -> None:
        return None


def process_tree_dram_sensor(
    pid: int, *, w_per_gb: float = DRAM_W_PER_GB, rss_bytes: Callable[[], float] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> DramModelSensor:
    """The DRAM model over the resident memory of ``pid`` and its descendants."""
    from ..errors import UsageError

    name = f"pid {pid}"
    if rss_bytes is None:
        try:
            tree = ProcessTree(pid)
        except (LookupError, PermissionError) as exc:
            raise UsageError(f"cannot follow the server process: {exc}") from exc
        rss_bytes, name = tree.rss_bytes, f"pid {pid} ({tree.name})"
    sensor = DramModelSensor(scope="process", w_per_gb=w_per_gb, in_use_bytes=rss_bytes, clock=clock)
    sensor.info = replace(
        sensor.info,
        source=f"model:dram-pid:{pid}",
        covers=f"DRAM: resident memory of process {name} and its descendants (model estimate, "
               "not measured)",
        details=sensor.info.details.replace("injected reader", f"psutil RSS of the tree of {name}"),
    )
    return sensor


_GPU_FAMILIES = ("nvml", "amdsmi")


def server_sensors(
    *,
    scope: str,
    server_pid: int | None,
    select: Sequence[str] | None = None,
    cpu_tdp_w: float | None = None,
    dram_w_per_gb: float | None = None,
) -> Discovery:
    """The sensors for a server on this host (the caller closes the Discovery).

    ``machine``: the usual discovery (GPU counters, RAPL or the CPU/DRAM models, all
    machine-level). ``process``: the GPU counters (whole devices, as they always are) plus
    the CPU and DRAM models over the server's process tree ``server_pid``.
    """
    from ..errors import UsageError
    from .discovery import discover

    if scope == "machine":
        return discover(scope="machine", select=select, cpu_tdp_w=cpu_tdp_w,
                        dram_w_per_gb=dram_w_per_gb)
    if server_pid is None:
        raise UsageError("--scope process needs the server's process",
                         hint="give its pid with --server-pid PID")
    gpus = list(select) if select else list(_GPU_FAMILIES)
    other = [s for s in gpus if s.partition(":")[0] not in _GPU_FAMILIES]
    if other:
        raise UsageError(
            f"--scope process follows the server's process tree with the CPU and DRAM models; "
            f"{', '.join(other)} cannot be chosen with it",
            hint="choose GPU sensors only (nvml, amdsmi), or use --scope machine")
    found = discover(scope="process", select=gpus)
    w_per_gb = DRAM_W_PER_GB if dram_w_per_gb is None else dram_w_per_gb
    try:
        found.sensors += [ProcessTreeCpuSensor(server_pid, tdp_w=cpu_tdp_w),
                          process_tree_dram_sensor(server_pid, w_per_gb=w_per_gb)]
    except BaseException:
        found.close()
        raise
    return found
