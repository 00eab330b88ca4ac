"""The meter's edge work: read every sensor (retrying stale reads), subtract two readings,
find CUDA to synchronise, check a seconds setting, keep a phase's running totals.

Plain functions and one small class, so :mod:`.meter` keeps only the window logic.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

from ..errors import UsageError
from .host_load import LoadProbe
from .sensor import Reading, Sensor

Read = Reading | str  # a reading, or why the sensor could not be read
STALE_RETRY_S = (0.002, 0.01, 0.05)  # waits before re-reading a stale sensor at an edge
NOISE = 1e-9  # relative: a net below zero by less than this is float rounding


def read_all(sensors: Sequence[Sensor]) -> tuple[list[Read], bool]:
    """Every sensor's reading (or why it failed), and whether any reading is stale."""
    out: list[Read] = []
    stale = False
    for s in sensors:
        try:
            r = s.read()
        except Exception as exc:  # an unreadable sensor is a gap, not a crash of the workload
            out.append(f"read failed: {exc!r}")
            continue
        stale = stale or r.stale
        out.append(r)
    return out, stale


def delta(begin: Read, end: Read) -> tuple[float | None, float, str | None]:
    """(energy, sensor time between the readings, None) or (None, 0, why not)."""
    if isinstance(begin, str):
        return None, 0.0, begin
    if isinstance(end, str):
        return None, 0.0, end
    for r in (begin, end):
        if r.stale:
            why = r.gap_reason or "the sensor could not be read"
            return None, 0.0, f"unreadable at a window edge ({why})"
    if end.gaps != begin.gaps:
        return None, 0.0, end.gap_reason or begin.gap_reason or "the sensor reported a gap"
    d = end.energy_j - begin.energy_j
    if d < 0:
        return None, 0.0, f"counter ran backwards ({d:.6g} J)"
    return d, end.timestamp_s - begin.timestamp_s, None


def cuda_devices(sync_cuda: bool | None) -> Any:
    """torch.cuda when torch is imported and CUDA initialised, else None; never imports."""
    if sync_cuda is False:
        return None
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    try:
        cuda = torch.cuda
        if cuda.is_initialized():
            return cuda
    except Exception:  # a half-imported or broken torch: nothing to synchronise
        return None
    return None


def check_seconds(name: str, value: float) -> float:
    if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise UsageError(f"{name} must be a finite number of seconds >= 0, got {value!r}")
    return float(value)


_PROBE: list[LoadProbe] = []


def shared_load_probe() -> LoadProbe:
    """The process's load probe (a kept /proc/stat descriptor), made on first use."""
    if not _PROBE or _PROBE[0].pid != os.getpid():
        _PROBE[:] = [LoadProbe()]
    return _PROBE[0]


class PhaseAcc:
    """Running totals of one phase path (entries are summed)."""

    __slots__ = (
        "count", "duration_s", "energy_j", "gaps", "min_entry_s", "name", "path", "sensor_s",
    )  # fmt: skip

    def __init__(self, name: str, path: str, n_sensors: int) -> None:
        self.name = name
        self.path = path
        self.count = 0
        self.duration_s = 0.0
        self.min_entry_s = float("inf")
        self.energy_j = [0.0] * n_sensors
        self.sensor_s = [0.0] * n_sensors  # time between each sensor's own readings
        self.gaps: list[str | None] = [None] * n_sensors


def other_gpu_processes(sensors: Sequence[Sensor]) -> list[int]:
    """PIDs of other processes on the GPUs the sensors read (those that can tell)."""
    own = {os.getpid()}
    pids: list[int] = []
    for s in sensors:
        other = getattr(s, "other_processes", None)
        if other is None:
            continue
        try:
            found = other(own)
        except Exception:  # cannot tell: not a reason to fail the baseline
            continue
        pids.extend(p for p in (found or ()) if p not in pids)
    return pids


def iso_utc(wall_s: float) -> str:
    """ISO 8601 UTC with microseconds, as ``datetime.isoformat`` writes it (no datetime
    import on the first window's path)."""
    whole = int(wall_s)
    micro = round((wall_s - whole) * 1e6)
    if micro == 1_000_000:
        whole, micro = whole + 1, 0
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
    return f"{stamp}.{micro:06d}+00:00" if micro else f"{stamp}+00:00"
