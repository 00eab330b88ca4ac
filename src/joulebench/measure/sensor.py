"""The one sensor interface every energy source implements.

A sensor reports a **cumulative** energy in joules since it was opened, with the
monotonic time of the reading. Counter wrap-around, unit conversion (mJ, uJ) and
device quirks stay inside the sensor; the meter only subtracts readings.

A sensor that cannot give a trustworthy figure for some interval (a counter that ran
backwards, a driver reset, an unreadable range) increments ``Reading.gaps`` and records
why in ``Reading.gap_reason``; a window whose begin and end readings differ in ``gaps``
has no energy for that sensor (``None``), never a silent 0 or a negative number. A read
that failed only for the moment (``Reading.stale``) is not a gap: the meter reads again.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

SCOPES = ("machine", "process")
SCOPE_HELP = (
    "machine: everything the machine drew, all processes (the default; what hardware "
    "counters measure); process: this process and its children, where a sensor can tell "
    "(the CPU and DRAM models: own CPU time and resident memory, plus the idle power); "
    "hardware counters always cover the whole device"
)


def check_scope(scope: str) -> str:
    """``scope`` if it is one of :data:`SCOPES`, else a UsageError naming the valid ones."""
    if scope not in SCOPES:
        from ..errors import UsageError, closest

        raise UsageError(
            f"unknown scope {scope!r}{closest(str(scope), SCOPES)}",
            hint="valid scopes: " + ", ".join(SCOPES),
        )
    return scope


class Domain(str, enum.Enum):
    """What hardware a sensor's energy covers."""

    GPU = "gpu"
    CPU_PACKAGE = "cpu-package"
    CPU_CORE = "cpu-core"
    CPU_UNCORE = "cpu-uncore"
    DRAM = "dram"
    PSYS = "psys"  # whole SoC / platform (Intel RAPL psys)
    OTHER = "other"


class Method(str, enum.Enum):
    """How a sensor obtains energy. Reports show it next to every figure."""

    COUNTER = "counter"  # hardware cumulative energy counter read at window edges
    POWER_INTEGRATION = "power-integration"  # timestamped power samples integrated
    MODEL = "model"  # an estimate from a model (utilisation x power curve); never "measured"
    USER = "user"  # a figure the user supplied


@dataclass(frozen=True)
class SensorInfo:
    """Provenance of one sensor.

    ``source`` names it uniquely, e.g. ``nvml:0``, ``rapl:package-0``,
    ``model:cpu-utilization``. ``update_period_s`` is how often the underlying
    counter refreshes (NVML: about 0.1 s); a window shorter than it gets a warning.
    ``band`` is a (low, high) multiplier pair around the figure for model-based
    sensors (e.g. (0.6, 1.5)); ``None`` for measured ones. ``covers`` says in words
    what the energy includes, e.g. "whole GPU 0, all processes".
    """

    source: str
    domain: Domain
    device: str
    method: Method
    covers: str
    update_period_s: float = 0.0
    band: tuple[float, float] | None = None
    details: str = ""  # e.g. where a model's figures come from


@dataclass(frozen=True)
class Reading:
    """One reading. ``energy_j`` is cumulative since the sensor was opened."""

    timestamp_s: float  # time.monotonic()
    energy_j: float
    gaps: int = 0
    gap_reason: str | None = None
    # True when the device could not be read just now (e.g. a transient NVML error, after
    # retries): ``energy_j`` is the figure of the last good read, at ``timestamp_s``. No
    # energy is lost (the next good read of a cumulative counter recovers it), but this
    # reading cannot mark a window edge; the meter retries or flags the window edge.
    stale: bool = False


@runtime_checkable
class Sensor(Protocol):
    info: SensorInfo

    def read(self) -> Reading:
        """Return the cumulative energy now. Must be cheap (no sleeps, no subprocess)."""
        ...

    @property
    def poll_interval_s(self) -> float | None:
        """How often a background sampler must call :meth:`poll` (None: never).

        Power-integrating sensors need samples; counter sensors that can wrap need a
        read at least every quarter of their wrap period.
        """
        ...

    def poll(self) -> None:
        """Take one background sample (called from the sampler thread)."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class SensorStatus:
    """What ``joulebench doctor`` shows for one candidate sensor."""

    name: str  # e.g. "NVIDIA GPU (NVML)", "Intel RAPL (powercap)"
    usable: bool
    method: Method | None
    reason: str  # why it is or is not usable
    fix: str | None = None  # how to make it usable
    sources: tuple[str, ...] = ()
