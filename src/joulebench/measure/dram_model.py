"""Model-based DRAM energy: a power per GB of memory **in use**, integrated over time.

Green Algorithms (Lannelongue, Grealey and Inouye, Advanced Science 2021) gives 0.3725 W
per GB of memory *allocated to a job*, after Karyakin and Salem (DaMoN 2017); the figure
is written "W/GB", so it is applied per GB of 10^9 bytes (read as per GiB it would be
7.4 % higher, inside the band). Not per GB installed: a 2 TB host running a 10 GB job
is charged for 10 GB.

Memory in use: machine scope, ``MemTotal - MemAvailable`` of ``/proc/meminfo``; process
scope, this process's resident set (``/proc/self/statm`` resident pages x page size;
shared pages included). Both are read with ``os.pread`` on a kept fd; ``psutil`` is the
fallback where there is no /proc. Each read (and each poll, when ``poll_interval_s`` is
set) samples memory, and energy grows by the trapezoid rule:
``E += w_per_gb x (gb_prev + gb_now) / 2 x dt``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import replace

from .model_checks import positive_finite
from .sensor import Domain, Method, Reading, SensorInfo

DRAM_W_PER_GB = 0.3725  # W per GB (10^9 bytes) in use: Green Algorithms, data/SOURCES.md
DRAM_BAND = (0.4, 1.6)
BYTES_PER_GB = 10**9
W_PER_GB_SETTING = "--dram-w-per-gb (w_per_gb)"
_MEMINFO_KEYS = (b"MemTotal", b"MemAvailable", b"MemFree", b"Buffers", b"Cached")
_CITATION = ("Green Algorithms (Lannelongue et al., Adv. Sci. 2021, after Karyakin & Salem, "
             "DaMoN 2017), per GB of memory in use")


class MeminfoInUse:
    """Bytes of memory in use, machine-wide: ``MemTotal - MemAvailable`` (kB = KiB).

    Kernels older than 3.14 have no ``MemAvailable``; then ``MemFree + Buffers + Cached``
    counts as available. ``total_bytes`` is MemTotal at the last read.
    """

    def __init__(self, path: str = "/proc/meminfo") -> None:
        self._fd = os.open(path, os.O_RDONLY)
        self.total_bytes = 0

    def __call__(self) -> int:
        fields: dict[bytes, int] = {}
        # the first five lines (MemTotal, MemFree, MemAvailable, Buffers, Cached) hold all
        # we need, in the first ~150 bytes
        for line in os.pread(self._fd, 512, 0).split(b"\n")[:6]:
            key, _, rest = line.partition(b":")
            if key in _MEMINFO_KEYS:
                fields[key] = int(rest.split()[0]) * 1024
        total = fields[b"MemTotal"]
        available = fields.get(b"MemAvailable")
        if available is None:
            available = fields[b"MemFree"] + fields.get(b"Buffers", 0) + fields.get(b"Cached", 0)
        self.total_bytes = total
        return max(0, total - available)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class StatmRss:
    """Resident bytes of one process: ``statm`` field 2 (pages) x the page size."""

    def __init__(self, path: str = "/proc/self/statm") -> None:
        self._fd = os.open(path, os.O_RDONLY)
        self._page_bytes = os.sysconf("SC_PAGE_SIZE")

    def __call__(self) -> int:
        return int(os.pread(self._fd, 256, 0).split()[1]) * self._page_bytes

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def _psutil_in_use_bytes() -> int:
    import psutil

    vm = psutil.virtual_memory()
    return int(vm.total - vm.available)


def _psutil_rss_bytes() -> int:
    import psutil

    return int(psutil.Process().memory_info().rss)


def _open_reader(scope: str, path: str) -> tuple[Callable[[], int], MeminfoInUse | StatmRss | None, str]:
    from ..errors import SensorError

    kind = MeminfoInUse if scope == "machine" else StatmRss
    try:
        reader = kind(path)
        reader()
    except FileNotFoundError:
        if scope == "machine":
            return _psutil_in_use_bytes, None, "psutil: total - available"
        return _psutil_rss_bytes, None, "psutil: resident set of this process"
    except (OSError, ValueError, IndexError, KeyError) as exc:
        raise SensorError(
            f"cannot read memory in use from {path} ({type(exc).__name__}: {exc})",
            hint="use a counter (RAPL dram) or leave out the dram-model sensor",
        ) from exc
    if scope == "machine":
        return reader, reader, f"MemTotal - MemAvailable of {path}"
    return reader, reader, f"resident pages of {path} x page size"


MIN_SAMPLE_S = 0.01  # reads closer than this reuse the last memory sample


class DramModelSensor:
    """DRAM energy from memory in use. ``scope``: "machine" (default) or "process".

    Injectable for exact tests: ``meminfo_path``, ``statm_path``, ``in_use_bytes`` (a
    callable returning bytes in use now) and ``clock``. Memory is sampled at a read
    at most every ``min_sample_s`` (10 ms): reads closer together hold the last sample,
    so an empty window does not pay for two /proc/meminfo reads. ``w_per_gb`` is W per GB (10^9
    bytes) in use; a bad one raises :class:`~joulebench.errors.UsageError` at once.
    """

    def __init__(
        self,
        *,
        scope: str = "machine",
        w_per_gb: float = DRAM_W_PER_GB,
        meminfo_path: str = "/proc/meminfo",
        statm_path: str = "/proc/self/statm",
        in_use_bytes: Callable[[], float] | None = None,
        poll_interval_s: float | None = None,
        min_sample_s: float = MIN_SAMPLE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        from ..errors import UsageError

        if scope not in ("machine", "process"):
            raise UsageError(f"DRAM model scope must be 'machine' or 'process', got {scope!r}")
        self.w_per_gb = positive_finite(w_per_gb, W_PER_GB_SETTING, "W per GB")
        if poll_interval_s is not None:
            positive_finite(poll_interval_s, "DRAM poll_interval_s", "seconds")
        self.scope = scope
        self._reader: MeminfoInUse | StatmRss | None = None
        if in_use_bytes is not None:
            what = "injected reader"
        else:
            path = meminfo_path if scope == "machine" else statm_path
            in_use_bytes, self._reader, what = _open_reader(scope, path)
        self._in_use_bytes = in_use_bytes
        self._poll_interval_s = poll_interval_s
        self.min_sample_s = min_sample_s
        self._clock = clock
        self._lock = threading.Lock()
        self._t_prev = clock()
        self._gb_prev = float(in_use_bytes()) / BYTES_PER_GB
        self._energy_j = 0.0
        self._last = Reading(timestamp_s=self._t_prev, energy_j=0.0)
        total = getattr(self._reader, "total_bytes", 0)
        installed = f" of {total / BYTES_PER_GB:.1f} GB installed" if total else ""
        machine = scope == "machine"
        self.info = SensorInfo(
            source="model:dram" if machine else "model:dram-process",
            domain=Domain.DRAM,
            device="dram",
            method=Method.MODEL,
            covers=(
                "DRAM, machine-level: memory in use by all processes (model estimate, not measured)"
                if machine else
                "DRAM: resident memory of this process only (model estimate, not measured)"
            ),
            band=DRAM_BAND,
            details=(
                f"model: P = {self.w_per_gb:g} W per GB (10^9 bytes) x GB in use ({what}); "
                f"E by the trapezoid rule between samples; figure from {_CITATION}; at open "
                f"{self._gb_prev:.2f} GB in use{installed} = {self.w_per_gb * self._gb_prev:.2f} W"
            ),
        )

    @property
    def poll_interval_s(self) -> float | None:
        """None by default (samples at reads only); set it to follow memory within windows."""
        return self._poll_interval_s

    def _sample(self) -> Reading:
        with self._lock:
            now = self._clock()
            dt = max(0.0, now - self._t_prev)
            if dt < self.min_sample_s:  # memory in use moves slowly: hold, skip the read
                gb_now = self._gb_prev
            else:
                try:
                    gb_now = float(self._in_use_bytes()) / BYTES_PER_GB
                except (OSError, ValueError, IndexError, KeyError):
                    return replace(self._last, stale=True)
            self._energy_j += self.w_per_gb * (self._gb_prev + gb_now) / 2.0 * dt
            self._t_prev, self._gb_prev = max(now, self._t_prev), gb_now
            self._last = Reading(timestamp_s=now, energy_j=self._energy_j)
            return self._last

    def poll(self) -> None:
        if self._poll_interval_s is not None:
            self._sample()

    def read(self) -> Reading:
        return self._sample()

    def close(self) -> None:
        with self._lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None
