"""What the CPU model needs to know about the processors, parsed once from ``/proc/cpuinfo``.

``read_cpu_info(path)`` returns a :class:`CpuInfo`. The path is a parameter so tests point
it at a fake file. A missing file (macOS, Windows) falls back to ``platform.processor()``
and ``os.cpu_count()``; a file that exists but cannot be read (permission, a directory,
not UTF-8 text) raises :class:`~joulebench.errors.SensorError`, because guessing there
would hide a broken machine.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from ..errors import SensorError

DEFAULT_CPUINFO = "/proc/cpuinfo"
_CORES_IN_NAME = re.compile(r"\b(\d+)-core\b", re.IGNORECASE)


@dataclass(frozen=True)
class CpuInfo:
    """The processors as the operating system sees them.

    ``sockets`` counts distinct ``physical id`` values (1 when none is given);
    ``cores_per_socket`` is the ``cpu cores`` field (None when absent); ``hypervisor``
    is the x86 ``hypervisor`` flag (we run in a virtual machine, so ``sockets`` and
    cores describe the virtual topology, not the host). ``source`` says where it came from.
    """

    model_name: str
    logical_cpus: int
    sockets: int = 1
    cores_per_socket: int | None = None
    hypervisor: bool = False
    source: str = DEFAULT_CPUINFO

    @property
    def physical_cores(self) -> int | None:
        """Cores of all sockets, when ``cpu cores`` was given."""
        return self.sockets * self.cores_per_socket if self.cores_per_socket else None

    @property
    def cores_in_name(self) -> int | None:
        """The chip's core count when its name says so ("AMD EPYC 7763 64-Core Processor")."""
        match = _CORES_IN_NAME.search(self.model_name)
        return int(match.group(1)) if match else None


def platform_cpu_info() -> CpuInfo:
    """What is known without /proc/cpuinfo: the platform's name and the CPU count."""
    import platform

    name = platform.processor() or platform.machine() or "unknown CPU"
    return CpuInfo(model_name=name, logical_cpus=os.cpu_count() or 1, source="platform")


def parse_cpu_info(text: str, source: str = DEFAULT_CPUINFO) -> CpuInfo:
    """A :class:`CpuInfo` from the text of a /proc/cpuinfo file."""
    name = board = ""
    processors = 0
    physical_ids: set[str] = set()
    cores: int | None = None
    hypervisor = False
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key, value = key.strip(), value.strip()
        if key == "processor":
            processors += 1
        elif key == "model name" and not name:
            name = value
        elif key == "Model" and not board:  # e.g. Raspberry Pi: the board, not the chip
            board = value
        elif key == "physical id":
            physical_ids.add(value)
        elif key == "cpu cores" and cores is None and value.isdigit():
            cores = int(value)
        elif key == "flags" and not hypervisor:
            hypervisor = "hypervisor" in value.split()
    fallback = None if (name or board) and processors else platform_cpu_info()
    return CpuInfo(
        model_name=name or board or (fallback.model_name if fallback else "unknown CPU"),
        logical_cpus=processors or (fallback.logical_cpus if fallback else 1),
        sockets=max(1, len(physical_ids)),
        cores_per_socket=cores or None,
        hypervisor=hypervisor,
        source=source,
    )


def read_cpu_info(path: str = DEFAULT_CPUINFO) -> CpuInfo:
    """Parse ``path`` (default /proc/cpuinfo); see the module docstring for failures."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        return platform_cpu_info()
    except OSError as exc:
        raise SensorError(
            f"cannot read {path} ({type(exc).__name__}: {exc.strerror or exc}); the CPU model "
            "needs the CPU's name and count from it",
            hint="give --cpu-tdp-w (the CPU's maximum power in W) or make the file readable",
        ) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SensorError(
            f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start}); the CPU model "
            "cannot read the CPU's name and count from it",
            hint="give --cpu-tdp-w (the CPU's maximum power in W)",
        ) from exc
    return parse_cpu_info(text, source=path)


def read_cpu_name(cpuinfo: str = DEFAULT_CPUINFO) -> str:
    """The CPU model name (Linux /proc/cpuinfo, else platform.processor()); never raises."""
    try:
        return read_cpu_info(cpuinfo).model_name
    except SensorError:
        return platform_cpu_info().model_name
