"""Provenance of CodeCarbon's per-component figures, decided from a file's rows.

GPU: CodeCarbon >= 2 sums deltas of NVML's ``nvmlDeviceGetTotalEnergyConsumption``
counter (``counter``); 1.x integrated sampled power (``power-integration``). CPU: a
constant power with energy = power x duration is CodeCarbon's TDP fallback (``model``),
else a RAPL / Power Gadget counter. RAM: CodeCarbon's per-GB model, always ``model``.
"""

from __future__ import annotations

import math
import re

from .. import units
from ..errors import DataError
from ..measure.results import ComponentEnergy
from ..measure.sensor import Domain, Method


def num(row: dict[str, str], col: str, where: str, required: bool = False) -> float | None:
    text = (row.get(col) or "").strip()
    if not text or text.lower() in {"nan", "none", "null"}:
        if required:
            raise DataError(f"{where}: column {col!r} is empty")
        return None
    try:
        v = float(text)
    except ValueError:
        raise DataError(f"{where}: column {col!r} is not a number: {text!r}") from None
    if math.isinf(v) or (math.isnan(v) and required):
        raise DataError(f"{where}: column {col!r} is not a finite number: {text!r}")
    return v


def major(version: str | None) -> int | None:
    m = re.match(r"\s*(\d+)\.", version or "")
    return int(m.group(1)) if m else None


class Provenance:
    """Per-file component provenance (decided once from all rows)."""

    def __init__(self, rows: list[dict[str, str]], version: str | None, cols: str, where: str):
        self.cols = cols
        self.version = version
        self.mode = (rows[0].get("tracking_mode") or "").strip() or None
        first = rows[0]
        self.cpu_model = (first.get("cpu_model") or "").strip() or "CPU"
        self.gpu_model = (first.get("gpu_model") or "").strip() or "GPU"
        self.gpu_count = num(first, "gpu_count", where)
        self.ram_gb = num(first, "ram_total_size", where)
        powers = [num(r, "cpu_power", where) for r in rows]
        consistent = all(
            p is not None and p == powers[0] and self._energy_matches(r, p, where)
            for p, r in zip(powers, rows, strict=True)
        )
        self.cpu_constant_w = powers[0] if consistent else None
        ram_w = num(first, "ram_power", where)
        self.ram_w_per_gb = ram_w / self.ram_gb if ram_w is not None and self.ram_gb else None

    @staticmethod
    def _energy_matches(row: dict[str, str], power_w: float, where: str) -> bool:
        e = num(row, "cpu_energy", where)
        d = num(row, "duration", where)
        if e is None or not d:
            return False
        return abs(units.kwh_to_j(e) - power_w * d) <= 0.02 * power_w * d

    def _suffix(self) -> str:
        v = f"CodeCarbon {self.version or self.cols}"
        return f"{v}, {self.mode} mode" if self.mode else v

    def cpu(self, energy_j: float) -> ComponentEnergy:
        if self.cpu_constant_w is not None:
            method, details = (
                Method.MODEL,
                f"CodeCarbon constant TDP {self.cpu_constant_w:g} W ({self._suffix()})",
            )
        else:
            method, details = (
                Method.COUNTER,
                f"CodeCarbon CPU energy, RAPL or Power Gadget counter ({self._suffix()})",
            )
        return ComponentEnergy(
            source="codecarbon:cpu",
            domain=Domain.CPU_PACKAGE,
            device=self.cpu_model,
            method=method,
            covers=f"CPU ({self.cpu_model}) as CodeCarbon tracked it",
            energy_j=energy_j,
            details=details,
        )

    def gpu(self, energy_j: float) -> ComponentEnergy:
        if (major(self.version) or 1) >= 2:
            method = Method.COUNTER
            how = "NVML nvmlDeviceGetTotalEnergyConsumption deltas"
        else:
            method = Method.POWER_INTEGRATION
            how = "NVML power samples x interval"
        n = f"{self.gpu_count:g} " if self.gpu_count else ""
        covers = (
            f"all {n}GPUs of the machine ({self.gpu_model}), idle ones included"
            if self.mode == "machine"
            else f"{n}GPUs visible to the process ({self.gpu_model})"
        )
        return ComponentEnergy(
            source="codecarbon:gpu",
            domain=Domain.GPU,
            device=self.gpu_model,
            method=method,
            covers=covers,
            energy_j=energy_j,
            details=f"{how} ({self._suffix()})",
        )

    def ram(self, energy_j: float) -> ComponentEnergy:
        per_gb = (
            f"{self.ram_w_per_gb:.3g} W/GB x {self.ram_gb:g} GB"
            if self.ram_w_per_gb is not None and self.ram_gb
            else "per-GB power"
        )
        return ComponentEnergy(
            source="codecarbon:ram",
            domain=Domain.DRAM,
            device=f"{self.ram_gb:g} GB" if self.ram_gb else "RAM",
            method=Method.MODEL,
            covers="memory, by CodeCarbon's size-based model",
            energy_j=energy_j,
            details=f"CodeCarbon RAM model {per_gb} ({self._suffix()})",
        )

    def total(self, energy_j: float) -> ComponentEnergy:
        return ComponentEnergy(
            source="codecarbon:total",
            domain=Domain.OTHER,
            device="machine",
            method=Method.MODEL,
            covers="CodeCarbon's total (no per-component figures in the file)",
            energy_j=energy_j,
            details=f"CodeCarbon total energy_consumed ({self._suffix()})",
        )

    def components(self, row: dict[str, str], where: str) -> tuple[ComponentEnergy, ...]:
        if self.cols == "1.x" and "cpu_energy" not in row:
            total = num(row, "energy_consumed", where, required=True)
            assert total is not None
            return (self.total(units.kwh_to_j(total)),)
        out = []
        cpu = num(row, "cpu_energy", where)
        if cpu is not None:
            out.append(self.cpu(units.kwh_to_j(cpu)))
        gpu = num(row, "gpu_energy", where)
        if gpu is not None and (gpu > 0 or self.gpu_count):
            out.append(self.gpu(units.kwh_to_j(gpu)))
        ram = num(row, "ram_energy", where)
        if ram is not None:
            out.append(self.ram(units.kwh_to_j(ram)))
        return tuple(out)
