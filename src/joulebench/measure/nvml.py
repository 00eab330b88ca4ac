"""NVIDIA GPU energy through NVML (the ``pynvml`` module of nvidia-ml-py), injectable.

Counter first: ``nvmlDeviceGetTotalEnergyConsumption`` (mJ since the driver loaded,
Volta and newer), read at window edges. Where it is not supported, ``poll()`` samples
``nvmlDeviceGetPowerUsage`` (mW) every ``poll_interval_s`` and integrates with the
trapezoid rule; ``read()`` integrates up to now holding the last sample's power (and
takes a fresh sample first when the last one is older than two poll intervals).

A counter that goes backwards (driver or GPU reset) and a read that fails are flagged
gaps. NVML errors are translated into :class:`~joulebench.errors.SensorError` when a
sensor is opened. Devices follow ``CUDA_VISIBLE_DEVICES`` (indices in NVML order, i.e.
PCI bus order, as with ``CUDA_DEVICE_ORDER=PCI_BUS_ID``; ``GPU-<uuid>`` or a unique
prefix; ``MIG-<uuid>`` maps to its parent GPU). NVML counts ``nvmlInit`` calls, so each
sensor holds one and ``close()`` gives it back.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import SensorError, SensorPermissionError
from ..units import mj_to_j
from .sensor import Domain, Method, Reading, SensorInfo

UPDATE_PERIOD_S = 0.1  # NVML refreshes energy and power about every 100 ms
DEFAULT_POLL_INTERVAL_S = 0.1
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


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def visible_indices(
    nvml: Any, uuids: list[str], cuda_visible_devices: str | None
) -> tuple[list[int], list[str]]:
    """NVML indices selected by CUDA_VISIBLE_DEVICES, in its order, and notes on skipped items.

    Like CUDA, parsing stops at the first entry that names no device.
    """
    if cuda_visible_devices is None:
        return list(range(len(uuids))), []
    chosen: list[int] = []
    notes: list[str] = []
    for token in (t.strip() for t in cuda_visible_devices.split(",")):
        index: int | None = None
        if token.lstrip("-").isdigit():
            index = int(token) if 0 <= int(token) < len(uuids) else None
        elif token.startswith("MIG-"):
            try:
                mig = nvml.nvmlDeviceGetHandleByUUID(token)
                parent = nvml.nvmlDeviceGetDeviceHandleFromMigDeviceHandle(mig)
                index = int(nvml.nvmlDeviceGetIndex(parent))
            except Exception:  # NVMLError or an older pynvml without MIG calls
                notes.append(f"CUDA_VISIBLE_DEVICES entry {token} (MIG) not resolved; ignored")
                continue
        elif token:
            prefix = token if token.startswith("GPU-") else f"GPU-{token}"
            matches = [i for i, uuid in enumerate(uuids) if uuid.startswith(prefix)]
            index = matches[0] if len(matches) == 1 else None
        if index is None:
            notes.append(f"CUDA_VISIBLE_DEVICES entry {token!r} names no GPU; later entries ignored")
            break
        if index not in chosen:
            chosen.append(index)
    return chosen, notes


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
        self._restart = False  # power mode: the last sample failed, start afresh
        self._open = False
        try:
            nvml.nvmlInit()
            self._open = True
            self._handle = nvml.nvmlDeviceGetHandleByIndex(index)
            name = _text(nvml.nvmlDeviceGetName(self._handle))
            uuid = _text(nvml.nvmlDeviceGetUUID(self._handle))
            self._counter = self._probe_counter()
            if self._counter is None:
                self._last_w = self._power_w()
        except nvml.NVMLError as exc:
            self.close()
            raise translate(nvml, exc, f"opening GPU {index}") from exc
        self._last_t = clock()
        self._energy_j = 0.0
        method = Method.COUNTER if self._counter is not None else Method.POWER_INTEGRATION
        how = (
            "nvmlDeviceGetTotalEnergyConsumption (mJ counter)"
            if self._counter is not None
            else f"nvmlDeviceGetPowerUsage every {poll_interval_s:g} s, trapezoid rule "
            "(energy counter not supported)"
        )
        self.info = SensorInfo(
            source=f"nvml:{index}",
            domain=Domain.GPU,
            device=uuid,
            method=method,
            covers=f"whole GPU {index} ({name}), all processes and MIG instances",
            update_period_s=UPDATE_PERIOD_S,
            details=f"NVML {how}",
        )

    def _probe_counter(self) -> int | None:
        try:
            return int(self._nvml.nvmlDeviceGetTotalEnergyConsumption(self._handle))
        except self._nvml.NVMLError as exc:
            unsupported = {
                _code(self._nvml, "NVML_ERROR_NOT_SUPPORTED", 3),
                _code(self._nvml, "NVML_ERROR_FUNCTION_NOT_FOUND", 13),
            }
            if getattr(exc, "value", None) in unsupported:
                return None
            raise

    def _power_w(self) -> float:
        return float(self._nvml.nvmlDeviceGetPowerUsage(self._handle)) / 1000.0  # mW -> W

    @property
    def poll_interval_s(self) -> float | None:
        return None if self._counter is not None else self._interval_s

    def _flag(self, reason: str) -> None:
        self._gaps += 1
        self._gap_reason = f"{self.info.source}: {reason}"

    def _sample(self, now: float) -> None:
        """Power mode: one power sample at ``now``, trapezoid from the previous one."""
        try:
            power_w = self._power_w()
        except self._nvml.NVMLError as exc:
            self._flag(f"power sample failed: {exc}")
            self._last_t, self._restart = now, True
            return
        if not self._restart:
            self._energy_j += (self._last_w + power_w) / 2 * max(0.0, now - self._last_t)
        self._last_t, self._last_w, self._restart = now, power_w, False

    def poll(self) -> None:
        if self._counter is None:
            with self._lock:
                self._sample(self._clock())

    def read(self) -> Reading:
        with self._lock:
            now = self._clock()
            if self._counter is not None:
                self._read_counter()
            else:
                if now - self._last_t > 2 * self._interval_s or self._restart:
                    self._sample(now)
                if not self._restart:
                    self._energy_j += self._last_w * max(0.0, now - self._last_t)
                    self._last_t = now
            return Reading(now, self._energy_j, self._gaps, self._gap_reason)

    def _read_counter(self) -> None:
        assert self._counter is not None
        try:
            counter_mj = int(self._nvml.nvmlDeviceGetTotalEnergyConsumption(self._handle))
        except self._nvml.NVMLError as exc:
            self._flag(f"energy counter read failed: {exc}")
            return
        if counter_mj < self._counter:
            self._flag(
                f"energy counter went backwards ({self._counter} -> {counter_mj} mJ): "
                "driver or GPU reset"
            )
        else:
            self._energy_j += mj_to_j(counter_mj - self._counter)
        self._counter = counter_mj

    def close(self) -> None:
        with self._lock:
            if self._open:
                self._open = False
                with contextlib.suppress(self._nvml.NVMLError):
                    self._nvml.nvmlShutdown()


def load_nvml() -> Any:
    try:
        import pynvml
    except ImportError as exc:
        raise SensorError(
            "nvidia-ml-py (module pynvml) is not installed", hint="pip install nvidia-ml-py"
        ) from exc
    return pynvml


def open_nvml(
    nvml: Any = None,
    *,
    environ: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.monotonic,
    poll_interval_s: float = DEFAULT_POLL_INTERVAL_S,
) -> tuple[list[NvmlSensor], list[str]]:
    """One sensor per visible NVIDIA GPU, and notes (e.g. ignored CUDA_VISIBLE_DEVICES entries)."""
    nvml = nvml if nvml is not None else load_nvml()
    environ = os.environ if environ is None else environ
    try:
        nvml.nvmlInit()
    except nvml.NVMLError as exc:
        raise translate(nvml, exc, "initialising NVML") from exc
    sensors: list[NvmlSensor] = []
    try:
        count = int(nvml.nvmlDeviceGetCount())
        uuids = [_text(nvml.nvmlDeviceGetUUID(nvml.nvmlDeviceGetHandleByIndex(i))) for i in range(count)]
        if count == 0:
            raise SensorError("NVML works but found no NVIDIA GPU")
        indices, notes = visible_indices(nvml, uuids, environ.get("CUDA_VISIBLE_DEVICES"))
        if not indices:
            raise SensorError(
                f"CUDA_VISIBLE_DEVICES={environ.get('CUDA_VISIBLE_DEVICES')!r} selects none "
                f"of the {count} GPUs",
                hint="unset it or name GPUs by index or GPU-<uuid>",
            )
        for index in indices:
            sensors.append(NvmlSensor(nvml, index, clock=clock, poll_interval_s=poll_interval_s))
        return sensors, notes
    except nvml.NVMLError as exc:
        for sensor in sensors:
            sensor.close()
        raise translate(nvml, exc, "listing GPUs") from exc
    except BaseException:
        for sensor in sensors:
            sensor.close()
        raise
    finally:
        with contextlib.suppress(nvml.NVMLError):
            nvml.nvmlShutdown()
