"""Which NVIDIA GPUs to read: ``CUDA_VISIBLE_DEVICES`` resolved against NVML, one
:class:`~.nvml.NvmlSensor` per visible GPU.

Devices follow ``CUDA_VISIBLE_DEVICES`` (indices in NVML order, i.e. PCI bus order, as
with ``CUDA_DEVICE_ORDER=PCI_BUS_ID``; ``GPU-<uuid>`` or a unique prefix; ``MIG-<uuid>``
maps to its parent GPU). Where the NVML library cannot be loaded (no NVIDIA driver), the
pynvml module is not even imported.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import SensorError
from .nvml import (
    _INSTALL_DRIVER,
    _NO_DRIVER,
    DEFAULT_POLL_INTERVAL_S,
    NvmlSensor,
    _text,
    translate,
)

__all__ = ["load_nvml", "open_nvml", "visible_indices"]


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


_LIB = b"libnvidia-ml.so.1"
_EXTRA_DIRS = ("/usr/lib/wsl/lib", "/usr/local/nvidia/lib64", "/usr/local/nvidia/lib")


def _maybe_installed() -> bool:
    """False only when the dynamic loader certainly cannot find libnvidia-ml: not in
    ``/etc/ld.so.cache`` nor in ``LD_LIBRARY_PATH`` or the container/WSL folders. Reading
    the cache costs 0.1 ms; importing ctypes to try would cost 2 ms."""
    import os

    dirs = [d for d in os.environ.get("LD_LIBRARY_PATH", "").split(":") if d]
    if any(os.path.exists(os.path.join(d, _LIB.decode())) for d in (*dirs, *_EXTRA_DIRS)):
        return True
    try:
        with open("/etc/ld.so.cache", "rb") as cache:
            return _LIB in cache.read()
    except OSError:
        return True  # no cache to consult: let the loader decide


def _driver_library_present() -> bool:
    """Whether libnvidia-ml can be loaded, without importing pynvml (7 ms + ctypes.util 12 ms).

    Where it cannot (no NVIDIA driver: most machines), the sensor fails at once and the
    first ``joulebench.measure()`` stays cheap. Linux only; elsewhere pynvml decides.
    """
    if not sys.platform.startswith("linux"):
        return True
    if not _maybe_installed():
        return False
    import ctypes

    try:
        ctypes.CDLL("libnvidia-ml.so.1")
    except OSError:
        return False
    return True


def load_nvml() -> Any:
    if not _driver_library_present():
        raise SensorError(_NO_DRIVER, hint=_INSTALL_DRIVER)
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
