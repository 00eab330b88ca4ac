"""What the measurement ran on: hardware, driver, OS, Python and package versions.

Cheap and offline: no network call, no subprocess, and packages are looked up through
``importlib.metadata`` without importing them. GPUs come from NVML (and amdsmi) when
available; an unavailable library gives an empty list and a note, never an error.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import platform
import socket
import sys
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from .cpu_model import read_cpu_name
from .sensor import Sensor

PACKAGES = (
    "joulebench", "torch", "transformers", "diffusers", "tokenizers", "accelerate",
    "datasets", "numpy", "safetensors", "nvidia-ml-py", "amdsmi", "psutil", "ray",
    "codecarbon",
)


def package_versions(names: Iterable[str] = PACKAGES) -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def nvidia_gpus(nvml: Any = None) -> tuple[list[dict[str, Any]], str | None]:
    """(one dict per NVIDIA GPU, a note when NVML is unavailable)."""
    if nvml is None:
        try:
            import pynvml

            nvml = pynvml
        except ImportError:
            return [], "nvidia-ml-py not installed"
    try:
        nvml.nvmlInit()
    except Exception as exc:
        return [], f"NVML unavailable: {exc}"
    try:
        driver = _text(nvml.nvmlSystemGetDriverVersion())
        try:
            cuda_int = int(nvml.nvmlSystemGetCudaDriverVersion())
            cuda: str | None = f"{cuda_int // 1000}.{cuda_int % 1000 // 10}"
        except Exception:
            cuda = None
        gpus = []
        for index in range(int(nvml.nvmlDeviceGetCount())):
            handle = nvml.nvmlDeviceGetHandleByIndex(index)
            gpus.append({
                "index": index,
                "vendor": "nvidia",
                "name": _text(nvml.nvmlDeviceGetName(handle)),
                "uuid": _text(nvml.nvmlDeviceGetUUID(handle)),
                "memory_bytes": int(nvml.nvmlDeviceGetMemoryInfo(handle).total),
                "driver_version": driver,
                "cuda_driver_version": cuda,
            })
        return gpus, None
    except Exception as exc:
        return [], f"NVML error: {exc}"
    finally:
        with contextlib.suppress(Exception):
            nvml.nvmlShutdown()


def amd_gpus(amdsmi: Any) -> tuple[list[dict[str, Any]], str | None]:
    """AMD GPUs through an amdsmi module the caller passes (not imported by default)."""
    try:
        amdsmi.amdsmi_init()
    except Exception as exc:
        return [], f"amdsmi unavailable: {exc}"
    try:
        return [
            {
                "index": index,
                "vendor": "amd",
                "name": str(amdsmi.amdsmi_get_gpu_asic_info(h).get("market_name", "AMD GPU")),
                "uuid": str(amdsmi.amdsmi_get_gpu_device_uuid(h)),
            }
            for index, h in enumerate(amdsmi.amdsmi_get_processor_handles())
        ], None
    except Exception as exc:
        return [], f"amdsmi error: {exc}"
    finally:
        with contextlib.suppress(Exception):
            amdsmi.amdsmi_shut_down()


def collect(
    sensors: Iterable[Sensor] | None = None, *, nvml: Any = None, amdsmi: Any = None
) -> dict[str, Any]:
    """The environment record stored with every result (JSON-serialisable)."""
    import psutil

    gpus, gpu_note = nvidia_gpus(nvml)
    notes = [gpu_note] if gpu_note else []
    if amdsmi is not None:
        more, amd_note = amd_gpus(amdsmi)
        gpus += more
        notes += [amd_note] if amd_note else []
    record: dict[str, Any] = {
        "hostname": socket.gethostname(),
        "os": {"system": platform.system(), "release": platform.release(),
               "platform": platform.platform(), "machine": platform.machine()},
        "python": {"version": platform.python_version(),
                   "implementation": platform.python_implementation(),
                   "executable": sys.executable},
        "cpu": {"model": read_cpu_name(),
                "physical_cores": psutil.cpu_count(logical=False),
                "logical_cores": psutil.cpu_count(logical=True)},
        "ram_bytes": int(psutil.virtual_memory().total),
        "gpus": gpus,
        "packages": package_versions(),
        "notes": notes,
    }
    if sensors is not None:
        record["sensors"] = [
            {**asdict(s.info), "domain": s.info.domain.value, "method": s.info.method.value}
            for s in sensors
        ]
    return record
