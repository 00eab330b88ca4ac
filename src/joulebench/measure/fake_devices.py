"""Fake NVML and amdsmi modules: injected into the GPU sensors in tests and demos.

They implement only the calls joulebench makes, with the real names, units and error
shapes (``NVMLError(value)`` with ``.value``; amdsmi dicts with ``energy_accumulator``
or, for amdsmi before 6.2.1, ``power``). Change a device's fields to script it, e.g.
``gpu.fail_next = 3``: the next three device calls raise ``NVML_ERROR_UNKNOWN`` (a
transient failure), ``gpu.processes = [4242]``: another process on the GPU.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any


class FakeNvmlError(Exception):
    def __init__(self, value: int) -> None:
        super().__init__(value)
        self.value = value

    def __str__(self) -> str:
        return f"NVML error {self.value}"


@dataclass
class FakeGpu:
    uuid: str = "GPU-00000000-0000-0000-0000-000000000000"
    name: str = "NVIDIA H100 80GB HBM3"
    energy_mj: int | None = 0  # None: counter not supported (pre-Volta)
    power_mw: int = 100_000  # GetPowerUsage and the power fields (185 average, 186 instant)
    power_fields: bool = True  # False: GetFieldValues answers NOT_SUPPORTED for power fields
    fail_with: int | None = None  # an NVML error code every device call raises
    fail_next: int = 0  # the next N device calls raise fail_next_code, then it recovers
    fail_next_code: int = 999  # NVML_ERROR_UNKNOWN; e.g. 15 GPU_IS_LOST, 10 TIMEOUT
    memory_total_bytes: int = 80 * 2**30
    mig_uuids: list[str] = field(default_factory=list)
    processes: list[int] = field(default_factory=list)  # compute process PIDs
    graphics_processes: list[int] = field(default_factory=list)
    processes_error: int | None = None  # an NVML error code the process queries raise
    power_limit_mw: int = 700_000  # the power management limit (H100 SXM default)
    power_limit_range_mw: tuple[int, int] = (200_000, 700_000)
    power_limit_settable: bool = True  # False: setting it raises NO_PERMISSION (not root)


class FakeNvml:
    """Stands in for the ``pynvml`` module. ``init_count`` tracks nvmlInit/nvmlShutdown."""

    NVMLError = FakeNvmlError
    NVML_SUCCESS = 0
    NVML_ERROR_UNINITIALIZED = 1
    NVML_ERROR_NOT_SUPPORTED = 3
    NVML_ERROR_NO_PERMISSION = 4
    NVML_ERROR_NOT_FOUND = 6
    NVML_ERROR_DRIVER_NOT_LOADED = 9
    NVML_ERROR_TIMEOUT = 10
    NVML_ERROR_LIBRARY_NOT_FOUND = 12
    NVML_ERROR_FUNCTION_NOT_FOUND = 13
    NVML_ERROR_GPU_IS_LOST = 15
    NVML_ERROR_UNKNOWN = 999
    NVML_FI_DEV_POWER_AVERAGE = 185
    NVML_FI_DEV_POWER_INSTANT = 186
    NVML_VALUE_TYPE_UNSIGNED_INT = 1

    def __init__(
        self,
        gpus: list[FakeGpu] | None = None,
        *,
        init_error: int | None = None,
        driver_version: str = "550.54.15",
        cuda_version: int = 12040,
    ) -> None:
        self.gpus = gpus if gpus is not None else [FakeGpu()]
        self.init_error = init_error
        self.driver_version = driver_version
        self.cuda_version = cuda_version
        self.init_count = 0
        self.calls = 0

    def _live(self) -> None:
        self.calls += 1
        if self.init_count <= 0:
            raise FakeNvmlError(self.NVML_ERROR_UNINITIALIZED)

    def _gpu(self, handle: Any) -> FakeGpu:
        self._live()
        gpu = self.gpus[handle]
        if gpu.fail_with is not None:
            raise FakeNvmlError(gpu.fail_with)
        if gpu.fail_next > 0:
            gpu.fail_next -= 1
            raise FakeNvmlError(gpu.fail_next_code)
        return gpu

    def nvmlInit(self) -> None:
        if self.init_error is not None:
            raise FakeNvmlError(self.init_error)
        self.init_count += 1

    def nvmlShutdown(self) -> None:
        self._live()
        self.init_count -= 1

    def nvmlDeviceGetCount(self) -> int:
        self._live()
        return len(self.gpus)

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:
        self._live()
        if not 0 <= index < len(self.gpus):
            raise FakeNvmlError(2)  # invalid argument
        return index

    def nvmlDeviceGetIndex(self, handle: int) -> int:
        self._live()
        return handle

    def nvmlDeviceGetHandleByUUID(self, uuid: str) -> tuple[str, int]:
        self._live()
        for index, gpu in enumerate(self.gpus):
            if uuid in gpu.mig_uuids:
                return ("mig", index)
        raise FakeNvmlError(self.NVML_ERROR_NOT_FOUND)

    def nvmlDeviceGetDeviceHandleFromMigDeviceHandle(self, mig: tuple[str, int]) -> int:
        self._live()
        return mig[1]

    def nvmlDeviceGetUUID(self, handle: int) -> str:
        return self._gpu(handle).uuid

    def nvmlDeviceGetName(self, handle: int) -> str:
        return self._gpu(handle).name

    def nvmlDeviceGetTotalEnergyConsumption(self, handle: int) -> int:
        gpu = self._gpu(handle)
        if gpu.energy_mj is None:
            raise FakeNvmlError(self.NVML_ERROR_NOT_SUPPORTED)
        return gpu.energy_mj

    def nvmlDeviceGetPowerUsage(self, handle: int) -> int:
        return self._gpu(handle).power_mw

    def nvmlDeviceGetPowerManagementLimit(self, handle: int) -> int:
        return self._gpu(handle).power_limit_mw

    def nvmlDeviceGetPowerManagementLimitConstraints(self, handle: int) -> list[int]:
        low, high = self._gpu(handle).power_limit_range_mw
        return [low, high]

    def nvmlDeviceSetPowerManagementLimit(self, handle: int, limit_mw: int) -> None:
        gpu = self._gpu(handle)
        if not gpu.power_limit_settable:
            raise FakeNvmlError(self.NVML_ERROR_NO_PERMISSION)
        low, high = gpu.power_limit_range_mw
        if not low <= limit_mw <= high:
            raise FakeNvmlError(2)  # invalid argument
        gpu.power_limit_mw = limit_mw

    def nvmlDeviceGetFieldValues(self, handle: int, field_ids: list[int]) -> list[SimpleNamespace]:
        """Like pynvml's: one c_nvmlFieldValue_t-shaped entry per id, each with its own return."""
        gpu = self._gpu(handle)
        power = {self.NVML_FI_DEV_POWER_AVERAGE, self.NVML_FI_DEV_POWER_INSTANT}
        values = []
        for field_id in field_ids:
            ok = field_id in power and gpu.power_fields
            values.append(SimpleNamespace(
                fieldId=field_id, scopeId=0, timestamp=0, latencyUsec=0,
                valueType=self.NVML_VALUE_TYPE_UNSIGNED_INT,
                nvmlReturn=self.NVML_SUCCESS if ok else self.NVML_ERROR_NOT_SUPPORTED,
                value=SimpleNamespace(uiVal=gpu.power_mw if ok else 0),
            ))
        return values

    def _processes(self, handle: int, pids: str) -> list[SimpleNamespace]:
        gpu = self._gpu(handle)
        if gpu.processes_error is not None:
            raise FakeNvmlError(gpu.processes_error)
        return [SimpleNamespace(pid=pid, usedGpuMemory=2**30) for pid in getattr(gpu, pids)]

    def nvmlDeviceGetComputeRunningProcesses(self, handle: int) -> list[SimpleNamespace]:
        return self._processes(handle, "processes")

    def nvmlDeviceGetGraphicsRunningProcesses(self, handle: int) -> list[SimpleNamespace]:
        return self._processes(handle, "graphics_processes")

    def nvmlDeviceGetMemoryInfo(self, handle: int) -> SimpleNamespace:
        gpu = self._gpu(handle)
        return SimpleNamespace(total=gpu.memory_total_bytes, used=0, free=gpu.memory_total_bytes)

    def nvmlSystemGetDriverVersion(self) -> str:
        self._live()
        return self.driver_version

    def nvmlSystemGetCudaDriverVersion(self) -> int:
        self._live()
        return self.cuda_version


class FakeAmdSmiException(Exception):
    """Like ``amdsmi.AmdSmiLibraryException``: carries ``err_code``."""

    def __init__(self, err_code: int) -> None:
        super().__init__(f"amdsmi error {err_code}")
        self.err_code = err_code

    def get_error_code(self) -> int:
        return self.err_code


@dataclass
class FakeAmdGpu:
    uuid: str = "5fff74a1-0000-1000-8000-000000000000"
    market_name: str = "AMD Instinct MI300X"
    energy_accumulator: int = 0  # ticks
    counter_resolution: float = 15.259  # uJ per tick
    legacy_keys: bool = False  # amdsmi < 6.2.1 returned the ticks under "power"
    fail_with: int | None = None
    fail_next: int = 0  # the next N device calls raise fail_next_code, then it recovers
    fail_next_code: int = 1  # AMDSMI_STATUS_INVAL; e.g. 30 AMDSMI_STATUS_BUSY


class FakeAmdSmi:
    """Stands in for the ``amdsmi`` module."""

    AmdSmiException = FakeAmdSmiException
    AmdSmiLibraryException = FakeAmdSmiException
    AmdSmiInitFlags = SimpleNamespace(INIT_AMD_GPUS=2)
    STATUS_NOT_SUPPORTED = 2

    def __init__(self, gpus: list[FakeAmdGpu] | None = None, *, init_error: int | None = None):
        self.gpus = gpus if gpus is not None else [FakeAmdGpu()]
        self.init_error = init_error
        self.init_count = 0

    def _gpu(self, handle: int) -> FakeAmdGpu:
        if self.init_count <= 0:
            raise FakeAmdSmiException(32)  # not initialised
        gpu = self.gpus[handle]
        if gpu.fail_with is not None:
            raise FakeAmdSmiException(gpu.fail_with)
        if gpu.fail_next > 0:
            gpu.fail_next -= 1
            raise FakeAmdSmiException(gpu.fail_next_code)
        return gpu

    def amdsmi_init(self, flags: int = 0) -> None:
        if self.init_error is not None:
            raise FakeAmdSmiException(self.init_error)
        self.init_count += 1

    def amdsmi_shut_down(self) -> None:
        self.init_count -= 1

    def amdsmi_get_processor_handles(self) -> list[int]:
        if self.init_count <= 0:
            raise FakeAmdSmiException(32)
        return list(range(len(self.gpus)))

    def amdsmi_get_gpu_device_uuid(self, handle: int) -> str:
        return self._gpu(handle).uuid

    def amdsmi_get_gpu_asic_info(self, handle: int) -> dict[str, Any]:
        return {"market_name": self._gpu(handle).market_name}

    def amdsmi_get_energy_count(self, handle: int) -> dict[str, Any]:
        gpu = self._gpu(handle)
        key = "power" if gpu.legacy_keys else "energy_accumulator"
        return {key: gpu.energy_accumulator, "counter_resolution": gpu.counter_resolution,
                "timestamp": 0}
