"""Set NVIDIA GPUs' power limit for a block, and always put the old limit back.

``nvmlDeviceSetPowerManagementLimit`` (mW) needs root (or a driver set up to allow it);
the allowed range is ``nvmlDeviceGetPowerManagementLimitConstraints``. :func:`check_limits`
validates every requested limit against every visible GPU **before** anything is
changed; :class:`PowerLimit` sets a limit on enter and restores each GPU's previous limit
on exit, also on Ctrl-C and on an exception, and (through ``atexit``) when the process
ends some other way short of SIGKILL. The sweep command also turns SIGTERM into an
ordinary exit so the restore runs.
"""

from __future__ import annotations

import atexit
import contextlib
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from ..errors import SensorError, UsageError
from .nvml import translate

PERMISSION_HINT = (
    "setting a GPU power limit needs root: run the sweep with sudo, or set it by hand "
    "with `sudo nvidia-smi -pl W` and leave --power-limit-w out"
)


def _handles(nvml: Any, indices: Sequence[int]) -> list[Any]:
    return [nvml.nvmlDeviceGetHandleByIndex(i) for i in indices]


def check_limits(nvml: Any, indices: Sequence[int], watts: Sequence[float]) -> None:
    """Every limit in range on every GPU; a UsageError naming the range otherwise."""
    try:
        nvml.nvmlInit()
    except nvml.NVMLError as exc:
        raise UsageError(
            f"--power-limit-w needs an NVIDIA GPU with NVML: {translate(nvml, exc, 'initialising')}"
        ) from exc
    try:
        for index, handle in zip(indices, _handles(nvml, indices), strict=True):
            low, high = (int(v) for v in nvml.nvmlDeviceGetPowerManagementLimitConstraints(handle))
            for w in watts:
                if not low <= w * 1000 <= high:
                    raise UsageError(
                        f"--power-limit-w {w:g}: GPU {index} allows {low / 1000:g} to "
                        f"{high / 1000:g} W"
                    )
    except nvml.NVMLError as exc:
        raise UsageError(f"cannot read the power limits: {translate(nvml, exc, 'reading')}") from exc
    finally:
        with contextlib.suppress(nvml.NVMLError):
            nvml.nvmlShutdown()


class PowerLimit:
    """``with PowerLimit(nvml, [0, 1], 250):`` runs the block at 250 W on GPUs 0 and 1."""

    def __init__(self, nvml: Any, indices: Sequence[int], watts: float) -> None:
        self._nvml = nvml
        self._indices = list(indices)
        self.watts = watts
        self._saved: list[tuple[Any, int]] = []

    def __enter__(self) -> PowerLimit:
        nvml = self._nvml
        nvml.nvmlInit()
        try:
            for handle in _handles(nvml, self._indices):
                old = int(nvml.nvmlDeviceGetPowerManagementLimit(handle))
                nvml.nvmlDeviceSetPowerManagementLimit(handle, round(self.watts * 1000))
                self._saved.append((handle, old))
        except nvml.NVMLError as exc:
            self.restore()
            if getattr(exc, "value", None) == getattr(nvml, "NVML_ERROR_NO_PERMISSION", 4):
                raise UsageError(
                    "permission denied setting the GPU power limit", hint=PERMISSION_HINT
                ) from exc
            raise SensorError(f"cannot set the GPU power limit: {exc}") from exc
        atexit.register(self.restore)
        return self

    def restore(self) -> None:
        """Put every changed GPU back to its old limit (idempotent)."""
        nvml = self._nvml
        while self._saved:
            handle, old = self._saved.pop()
            with contextlib.suppress(nvml.NVMLError):
                nvml.nvmlDeviceSetPowerManagementLimit(handle, old)
        with contextlib.suppress(nvml.NVMLError):
            nvml.nvmlShutdown()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.restore()
        atexit.unregister(self.restore)
