"""NVIDIA GPU energy through NVML (the ``pynvml`` module of nvidia-ml-py), injectable.

Counter first: ``nvmlDeviceGetTotalEnergyConsumption`` (mJ, Volta and newer) read at
window edges. Without it, ``poll()`` samples power every ``poll_interval_s`` (the field
``NVML_FI_DEV_POWER_INSTANT`` when it reads at open, else ``nvmlDeviceGetPowerUsage``, "power
averaged over 1 sec interval" on Ampere (except GA100) and newer; ``info`` says which) and
integrates with the trapezoid rule; ``read()`` holds the last sample's power up to now
(sampling first when the last sample is older than two poll intervals).

A failed NVML read is retried twice at once (no sleep); if it still fails the reading is
``stale`` (last good energy and time, why in ``gap_reason``, ``gaps`` unchanged). The next
good counter read recovers the energy; in power mode the trapezoid bridges from the last
good sample to the next, unless that hole is over :data:`MAX_BRIDGE_S` (a flagged gap). A
counter that goes backwards (driver or GPU reset) is a flagged gap. NVML errors are
translated into :class:`~joulebench.errors.SensorError` when a sensor is opened. Devices
follow ``CUDA_VISIBLE_DEVICES`` (NVML order, i.e. PCI bus order; ``GPU-<uuid>`` or a unique
prefix; ``MIG-<uuid>`` maps to its parent GPU; see :mod:`.nvml_devices`, which opens one
sensor per visible GPU). NVML counts ``nvmlInit`` calls, so each sensor holds one and
``close()`` gives it back.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Collection
from typing import Any, TypeVar

from ..errors import SensorError, SensorPermissionError
from ..units import mj_to_j
from .sensor import Domain, Method, Reading, SensorInfo

UPDATE_PERIOD_S = 0.1  # NVML refreshes the energy counter about every 100 ms
# NVML documents no refresh period for NVML_FI_DEV_POWER_INSTANT; it is the sensor's raw
# reading (Zeus >= 0.9.1 samples it for that reason), at least as fresh as the counter.
INSTANT_UPDATE_PERIOD_S = 0.1
AVERAGE_UPDATE_PERIOD_S = 1.0  # nvmlDeviceGetPowerUsage: 1 s average on Ampere and newer
DEFAULT_POLL_INTERVAL_S = 0.1
MAX_BRIDGE_S = 5.0  # power mode: the longest run of failed samples the trapezoid bridges
_TRIES = 3  # a failing read is tried this often, at once, before it is stale
_FI_POWER_INSTANT = 186  # NVML_FI_DEV_POWER_INSTANT, mW
_VALUE_FIELDS = ("dVal", "uiVal", "ulVal", "ullVal", "sllVal", "siVal", "usVal")  # by valueType
_T = TypeVar("_T")
_NO_DRIVER = "NVML library not found (libnvidia-ml.so.1): no NVIDIA driver"
_INSTALL_DRIVER = "if this machine has an NVIDIA GPU, install the NVIDIA driver (`nvidia-smi` must work)"


def _code(nvml: Any, name: str, default: int) -> int:
    return int(getattr(nvml, name, default))


def translate(nvml: Any, exc: BaseException, doing: str) -> SensorError:
    """An NVML exception as a SensorError; raise the result ``from exc``."""
    value = getattr(exc, "value", None)
    if value == _code(nvml, "NVML_ERROR_LIBRARY_NOT_FOUND", 12):
        return SensorError(_NO_DRIVER, hint=_INSTALL_DRIVER)
    if value == _code(nvml, "NVML_ERROR_DRIVER_NOT_LOADED", 9):
        return SensorError("NVIDIA driver not loaded", hint="load it (`sudo modprobe nvidia`) or reboot")
    if value == _code(nvml, "NVML_ERROR_NO_PERMISSION", 4):
        return SensorPermissionError(
            f"NVML: permission denied while {doing}",
            hint="run as a user allowed to open /dev/nvidia* (group video)",
        )
    return SensorError(f"NVML error while {doing}: {exc}")


def _unsupported(nvml: Any, exc: BaseException) -> bool:
    codes = (_code(nvml, "NVML_ERROR_NOT_SUPPORTED", 3), _code(nvml, "NVML_ERROR_FUNCTION_NOT_FOUND", 13))
    return getattr(exc, "value", None) in codes


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class NvmlSensor:
    """Cumulative energy of one NVIDIA GPU in joules since open."""

    def __init__(
        self,
        nvml: Any,
        index: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        poll_interval_s: float = DEFAULT_POLL_INTERVAL_S,
    ) -> None:
        self._nvml = nvml
        self._clock = clock
        self._lock = threading.Lock()
        self._interval_s = poll_interval_s
        self._gaps = 0
        self._gap_reason: str | None = None
        self._failure: str | None = None  # power mode: why samples since the last good one failed
        self._restart = False  # power mode: a hole too long to bridge; start afresh
        self._instant = False  # power mode: NVML_FI_DEV_POWER_INSTANT, else GetPowerUsage
        self._open = False
        try:
            nvml.nvmlInit()
            self._open = True
            self._handle = nvml.nvmlDeviceGetHandleByIndex(index)
            name = _text(nvml.nvmlDeviceGetName(self._handle))
            uuid = _text(nvml.nvmlDeviceGetUUID(self._handle))
            self._counter = self._probe_counter()
            if self._counter is None:
                with contextlib.suppress(nvml.NVMLError, AttributeError):  # or an old pynvml
                    self._instant = self._instant_w() >= 0.0  # the instant field reads: use it
                self._last_w = self._retry(self._power_w)
        except nvml.NVMLError as exc:
            self.close()
            raise translate(nvml, exc, f"opening GPU {index}") from exc
        self._last_t = clock()  # time of the last good read or sample
        self._energy_j = 0.0
        every = f"sampled every {poll_interval_s:g} s, trapezoid rule (energy counter not supported)"
        method, period_s, how = (
            (Method.COUNTER, UPDATE_PERIOD_S, "nvmlDeviceGetTotalEnergyConsumption (mJ counter)")
            if self._counter is not None
            else (Method.POWER_INTEGRATION, INSTANT_UPDATE_PERIOD_S,
                  f"field NVML_FI_DEV_POWER_INSTANT (instantaneous power) {every}")
            if self._instant
            else (Method.POWER_INTEGRATION, AVERAGE_UPDATE_PERIOD_S,
                  f"nvmlDeviceGetPowerUsage {every}; a 1 s average on Ampere and newer (except "
                  "GA100): it smooths and lags by up to 1 s (instant power field not supported)")
        )
        self.info = SensorInfo(
            f"nvml:{index}", Domain.GPU, uuid, method,
            f"whole GPU {index} ({name}), all processes and MIG instances",
            update_period_s=period_s, details=f"NVML {how}",
        )

    def _probe_counter(self) -> int | None:
        try:
            return int(self._retry(lambda: self._nvml.nvmlDeviceGetTotalEnergyConsumption(self._handle)))
        except self._nvml.NVMLError as exc:
            if _unsupported(self._nvml, exc):
                return None
            raise

    def _instant_w(self) -> float:
        (field,) = self._nvml.nvmlDeviceGetFieldValues(self._handle, [_FI_POWER_INSTANT])
        if field.nvmlReturn != _code(self._nvml, "NVML_SUCCESS", 0):
            raise self._nvml.NVMLError(field.nvmlReturn)
        kind = int(getattr(field, "valueType", 1))
        name = _VALUE_FIELDS[kind] if 0 <= kind < len(_VALUE_FIELDS) else "uiVal"
        return float(getattr(field.value, name)) / 1000.0  # mW -> W

    def _power_w(self) -> float:
        if self._instant:
            return self._instant_w()
        return float(self._nvml.nvmlDeviceGetPowerUsage(self._handle)) / 1000.0  # mW -> W

    def _retry(self, call: Callable[[], _T]) -> _T:
        """``call()``, tried up to ``_TRIES`` times at once; the last NVMLError propagates."""
        for _ in range(_TRIES - 1):
            with contextlib.suppress(self._nvml.NVMLError):
                return call()
        return call()

    @property
    def poll_interval_s(self) -> float | None:
        return None if self._counter is not None else self._interval_s

    def _flag(self, reason: str) -> None:
        self._gaps += 1
        self._gap_reason = f"{self.info.source}: {reason}"

    def _sample(self, now: float) -> str | None:
        """Power mode: one sample at ``now``, trapezoid from the last good one; why it failed."""
        try:
            power_w: float | None = self._retry(self._power_w)
        except self._nvml.NVMLError as exc:
            power_w, self._failure = None, f"power sample failed {_TRIES} times: {exc}"
        hole_s = max(0.0, now - self._last_t)
        if self._failure is not None and not self._restart and hole_s > MAX_BRIDGE_S:
            self._flag(
                f"no power sample for {hole_s:.1f} s ({self._failure}): longer than the "
                f"{MAX_BRIDGE_S:g} s the trapezoid bridges, that energy is missing"
            )
            self._restart = True
        if power_w is None:
            return self._failure
        if not self._restart:
            self._energy_j += (self._last_w + power_w) / 2 * hole_s
        self._last_t, self._last_w, self._restart, self._failure = now, power_w, False, None
        return None

    def poll(self) -> None:
        if self._counter is None:
            with self._lock:
                self._sample(self._clock())

    def read(self) -> Reading:
        with self._lock:
            now = self._clock()
            if self._counter is not None:
                failure = self._read_counter(now)
            else:
                failure = None
                if self._restart or self._failure is not None or now - self._last_t > 2 * self._interval_s:
                    failure = self._sample(now)
                if failure is None:
                    self._energy_j += self._last_w * max(0.0, now - self._last_t)
                    self._last_t = now
            if failure is not None:
                reason = f"{self.info.source}: {failure}"
                return Reading(self._last_t, self._energy_j, self._gaps, reason, stale=True)
            return Reading(now, self._energy_j, self._gaps, self._gap_reason)

    def _read_counter(self, now: float) -> str | None:
        """Add the energy since the last good read; why the counter could not be read."""
        assert self._counter is not None
        handle = self._handle
        try:
            counter_mj = int(self._retry(lambda: self._nvml.nvmlDeviceGetTotalEnergyConsumption(handle)))
        except self._nvml.NVMLError as exc:
            return f"energy counter read failed {_TRIES} times: {exc}"
        if counter_mj < self._counter:
            self._flag(
                f"energy counter went backwards ({self._counter} -> {counter_mj} mJ): "
                "driver or GPU reset"
            )
        else:
            self._energy_j += mj_to_j(counter_mj - self._counter)
        self._counter, self._last_t = counter_mj, now
        return None

    def other_processes(self, own_pids: Collection[int]) -> list[int] | None:
        """PIDs of the processes on this GPU that are not in ``own_pids`` (sorted), or None
        when NVML cannot tell (not supported, an error, a closed sensor).

        Compute processes, plus graphics ones where the driver lists them. NVML reports
        PIDs in the host's PID namespace: inside a container they match no PID of ours.
        """
        if not self._open or not hasattr(self._nvml, "nvmlDeviceGetComputeRunningProcesses"):
            return None
        pids: set[int] = set()
        for kind in ("Compute", "Graphics"):  # compute is required, graphics where listed
            call = getattr(self._nvml, f"nvmlDeviceGet{kind}RunningProcesses", None)
            try:
                pids.update(int(process.pid) for process in (call(self._handle) if call else ()))
            except self._nvml.NVMLError as exc:
                if kind == "Compute" or not _unsupported(self._nvml, exc):
                    return None
        return sorted(pids - set(own_pids))

    def close(self) -> None:
        with self._lock:
            if self._open:
                self._open = False
                with contextlib.suppress(self._nvml.NVMLError):
                    self._nvml.nvmlShutdown()
