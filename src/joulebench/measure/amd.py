"""AMD GPU energy through ``amdsmi`` (ROCm 6+), injectable like NVML.

``amdsmi_get_energy_count(handle)`` returns a dict: the accumulated ticks under
``energy_accumulator`` (``power`` before amdsmi 6.2.1) and ``counter_resolution`` in uJ
per tick. Energy = ticks x resolution. The accumulator is 64-bit, so a value lower than
the last one means a reset: a flagged gap. A failed read is retried twice at once; if it
still fails the reading is ``stale`` (last good energy and time, ``gaps`` unchanged) and the
next good read recovers the energy. amdsmi is not reference-counted like NVML,
so the sensors of one :func:`open_amdsmi` share one init, shut down with the last close.
Devices follow ``ROCR_VISIBLE_DEVICES`` / ``HIP_VISIBLE_DEVICES`` (integer indices).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import SensorError
from ..units import uj_to_j
from .sensor import Domain, Method, Reading, SensorInfo

UPDATE_PERIOD_S = 0.001  # the SMU accumulates about every millisecond
_TRIES = 3  # a failing read is tried this often, at once, before it is stale
_VISIBLE_VARS = ("ROCR_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES")


def _errors(amdsmi: Any) -> tuple[type[BaseException], ...]:
    return (getattr(amdsmi, "AmdSmiException", Exception),)


def energy_uj(result: Mapping[str, Any]) -> float:
    """uJ from an ``amdsmi_get_energy_count`` dict, old (``power``) or new keys."""
    ticks = result.get("energy_accumulator", result.get("power"))
    if ticks is None:
        raise KeyError(f"no energy_accumulator in amdsmi result {sorted(result)}")
    return float(ticks) * float(result["counter_resolution"])


class _Session:
    """One amdsmi init shared by the sensors opened together."""

    def __init__(self, amdsmi: Any) -> None:
        self.amdsmi = amdsmi
        self.users = 0
        self.lock = threading.Lock()

    def release(self) -> None:
        with self.lock:
            self.users -= 1
            if self.users == 0:
                try:
                    self.amdsmi.amdsmi_shut_down()
                except _errors(self.amdsmi):
                    pass


class AmdSmiSensor:
    """Cumulative energy of one AMD GPU in joules since open (method: counter)."""

    def __init__(
        self, session: _Session, handle: Any, index: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        amdsmi = session.amdsmi
        self._session = session
        self._amdsmi = amdsmi
        self._handle = handle
        self._clock = clock
        self._lock = threading.Lock()
        self._gaps = 0
        self._gap_reason: str | None = None
        try:
            self._last_uj = energy_uj(amdsmi.amdsmi_get_energy_count(handle))
            name = str(amdsmi.amdsmi_get_gpu_asic_info(handle).get("market_name", "AMD GPU"))
            uuid = str(amdsmi.amdsmi_get_gpu_device_uuid(handle))
        except (*_errors(amdsmi), KeyError) as exc:  # type: ignore[misc]
            raise SensorError(
                f"amdsmi cannot read the energy counter of GPU {index}: {exc}",
                hint="amdsmi energy counters need bare-metal Linux (not a VM guest) and ROCm 6+",
            ) from exc
        with session.lock:
            session.users += 1
        self._open = True
        self._energy_uj = 0.0
        self._last_t = clock()  # time of the last good read
        self.info = SensorInfo(
            source=f"amdsmi:{index}",
            domain=Domain.GPU,
            device=uuid,
            method=Method.COUNTER,
            covers=f"whole GPU {index} ({name}), all processes",
            update_period_s=UPDATE_PERIOD_S,
            details="amdsmi_get_energy_count: ticks x counter_resolution (uJ)",
        )

    @property
    def poll_interval_s(self) -> float | None:
        return None

    def poll(self) -> None:
        return None

    def _energy_count_uj(self) -> float:
        """The accumulator in uJ, tried up to ``_TRIES`` times at once."""
        for _ in range(_TRIES - 1):
            try:
                return energy_uj(self._amdsmi.amdsmi_get_energy_count(self._handle))
            except (*_errors(self._amdsmi), KeyError):  # type: ignore[misc]
                continue
        return energy_uj(self._amdsmi.amdsmi_get_energy_count(self._handle))

    def read(self) -> Reading:
        with self._lock:
            now = self._clock()
            if not self._open:
                self._gaps += 1
                self._gap_reason = f"{self.info.source}: sensor closed"
                return Reading(now, uj_to_j(self._energy_uj), self._gaps, self._gap_reason)
            try:
                current_uj = self._energy_count_uj()
            except (*_errors(self._amdsmi), KeyError) as exc:  # type: ignore[misc]
                reason = f"{self.info.source}: energy read failed {_TRIES} times: {exc}"
                return Reading(self._last_t, uj_to_j(self._energy_uj), self._gaps, reason, stale=True)
            if current_uj < self._last_uj:
                self._gaps += 1
                self._gap_reason = (
                    f"{self.info.source}: energy counter went backwards "
                    f"({self._last_uj:.0f} -> {current_uj:.0f} uJ): driver or GPU reset"
                )
            else:
                self._energy_uj += current_uj - self._last_uj
            self._last_uj, self._last_t = current_uj, now
            return Reading(now, uj_to_j(self._energy_uj), self._gaps, self._gap_reason)

    def close(self) -> None:
        with self._lock:
            if self._open:
                self._open = False
                self._session.release()


def visible_indices(count: int, environ: Mapping[str, str]) -> list[int]:
    for var in _VISIBLE_VARS:
        value = environ.get(var)
        if value is not None:
            chosen: list[int] = []
            for token in (t.strip() for t in value.split(",")):
                if not token.isdigit() or int(token) >= count:
                    break
                chosen.append(int(token))
            return chosen
    return list(range(count))


def load_amdsmi() -> Any:
    try:
        import amdsmi  # type: ignore[import-not-found,unused-ignore]
    except ImportError as exc:
        raise SensorError(
            "amdsmi is not installed (no AMD GPU support)",
            hint="on a ROCm machine: pip install 'joulebench[amd]' (or the amdsmi of your ROCm)",
        ) from exc
    except Exception as exc:  # the package is there but its C library is not
        raise SensorError(f"amdsmi cannot load its library: {exc}", hint="install ROCm 6+") from exc
    return amdsmi


def open_amdsmi(
    amdsmi: Any = None,
    *,
    environ: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> list[AmdSmiSensor]:
    """One sensor per visible AMD GPU. Raises SensorError when there is none."""
    amdsmi = amdsmi if amdsmi is not None else load_amdsmi()
    environ = os.environ if environ is None else environ
    flags = getattr(getattr(amdsmi, "AmdSmiInitFlags", None), "INIT_AMD_GPUS", None)
    try:
        amdsmi.amdsmi_init() if flags is None else amdsmi.amdsmi_init(flags)
        handles = list(amdsmi.amdsmi_get_processor_handles())
    except _errors(amdsmi) as exc:
        raise SensorError(f"amdsmi cannot start: {exc}", hint="is the amdgpu driver loaded?") from exc
    session = _Session(amdsmi)
    session.users = 1  # this function's own hold, released below
    sensors: list[AmdSmiSensor] = []
    try:
        if not handles:
            raise SensorError("amdsmi works but found no AMD GPU")
        indices = visible_indices(len(handles), environ)
        if not indices:
            raise SensorError("ROCR_VISIBLE_DEVICES/HIP_VISIBLE_DEVICES select no AMD GPU")
        for index in indices:
            sensors.append(AmdSmiSensor(session, handles[index], index, clock=clock))
    except BaseException:
        for sensor in sensors:
            sensor.close()
        raise
    finally:
        session.release()
    return sensors
