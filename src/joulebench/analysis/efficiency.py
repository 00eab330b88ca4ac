"""FLOPs per query against the device's peak FLOP per joule, per (task, model, dataset).

The runner counts one query's FLOPs (the record's flops part, see
``joulebench.bench.flops``); this module divides them by the energy per query of the
query phase (every measured component: GPU, CPU, DRAM ...) to get the achieved FLOP/J,
and compares it with the peak FLOP/J of the GPU the job ran on
(:func:`~.hardware.peak_for_gpu`, at the job's dtype). CPUs and GPUs without a datasheet
entry have no peak: the fraction is then ``None`` and ``peak_note`` says why.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .. import units
from ..bench.record_parts import parts_of
from ..bench.records import RunRecord
from ..errors import UsageError
from .hardware import efficiency_vs_peak, peak_for_gpu
from .samples import run_sample


@dataclass(frozen=True)
class FlopsCell:
    """One cell's FLOP figures over its usable runs that carry a FLOP count.

    ``flops_per_j`` is achieved: mean FLOPs per query / mean joules per query (query
    phase). ``device`` is the GPU name (``None`` on CPU or when unknown).
    """

    task: str | None
    model: str | None
    dataset: str | None
    n_runs: int
    flops_per_query: float
    flops_per_j: float
    device: str | None
    dtype: str | None
    peak_flops_per_j: float | None
    fraction_of_peak: float | None
    peak_note: str  # the peak used (device, dtype), or why there is none
    basis: str  # how the FLOPs were counted


def flops_of(record: RunRecord) -> float | None:
    """The flops part's ``per_query`` when it is a positive finite number."""
    flops = parts_of(record).flops
    return None if flops is None else flops.usable_per_query()


def _basis(record: RunRecord) -> str | None:
    flops = parts_of(record).flops
    return None if flops is None else flops.basis


def _is_cuda(device: object) -> bool:
    return isinstance(device, str) and device.lower().startswith("cuda")


def record_device(record: RunRecord) -> tuple[str, str | None]:
    """(device kind ``"cpu"`` / ``"cuda"`` / ``"unknown"``, GPU name or ``None``).

    The name is the runner's ``extra["device_name"]``, else the environment's
    ``gpus[i]["name"]`` for the job's ``cuda:i`` device (``config["device"]``).
    """
    device = record.extra.get("device", record.config.get("device"))
    if not isinstance(device, str) or not device:
        return "unknown", None
    if not _is_cuda(device):
        return ("cpu" if device.lower() == "cpu" else device.lower()), None
    name = record.extra.get("device_name")
    if isinstance(name, str) and name:
        return "cuda", name
    _, _, index = device.partition(":")
    gpus = record.environment.get("gpus") if isinstance(record.environment, Mapping) else None
    i = int(index) if index.isdigit() else 0
    if isinstance(gpus, list) and i < len(gpus) and isinstance(gpus[i], Mapping):
        gpu_name = gpus[i].get("name")
        if isinstance(gpu_name, str) and gpu_name:
            return "cuda", gpu_name
    return "cuda", None


def _peak(
    devices: set[tuple[str, str | None]], dtypes: set[str]
) -> tuple[str | None, float | None, str]:
    """(device name, peak FLOP/J, note) for a cell's runs."""
    if len(devices) != 1:
        return None, None, "no peak: the runs ran on different devices"
    ((kind, name),) = devices
    if kind != "cuda":
        what = "CPUs" if kind == "cpu" else f"device {kind!r}"
        return None, None, f"no peak: DEVICE_PEAKS has no figure for {what}"
    if name is None:
        return None, None, "no peak: the runs did not record their GPU's name"
    peak = peak_for_gpu(name)
    if peak is None:
        return name, None, f"no peak: {name} is not in DEVICE_PEAKS"
    if len(dtypes) > 1:
        return name, None, "no peak: the runs used different dtypes"
    dtype = next(iter(dtypes), "float32")
    try:
        value = peak.peak_flops_per_j(dtype)
    except UsageError:
        return name, None, f"no peak: DEVICE_PEAKS has no {dtype} figure for {peak.name}"
    return name, value, f"{peak.name} at {dtype}: {peak.source}"


def flops_efficiency(records: Iterable[RunRecord]) -> list[FlopsCell]:
    """One :class:`FlopsCell` per (task, model, dataset) with a FLOP count, sorted by names.

    Only usable runs (see :func:`~.samples.run_sample`) with a positive
    FLOP count (the flops part's ``per_query``); cells without any are left out.
    """
    groups: dict[tuple[str, str, str], list[tuple[RunRecord, float, float]]] = defaultdict(list)
    for r in records:
        flops = flops_of(r)
        s = run_sample(r) if flops is not None else None
        if s is None or flops is None or s.energy_j_per_1000_queries <= 0:
            continue
        j_per_query = s.energy_j_per_1000_queries / units.QUERIES_PER_REPORT
        groups[(r.task or "", r.model or "", r.dataset or "")].append((r, flops, j_per_query))
    out = []
    for key in sorted(groups):
        group = groups[key]
        first = group[0][0]
        flops = math.fsum(g[1] for g in group) / len(group)
        joules = math.fsum(g[2] for g in group) / len(group)
        dtypes = {str(r.config["dtype"]) for r, _, _ in group if r.config.get("dtype")}
        name, peak, note = _peak({record_device(r) for r, _, _ in group}, dtypes)
        fraction = (
            None if peak is None else efficiency_vs_peak(flops, joules, peak).fraction_of_peak
        )
        bases: dict[str, Any] = {
            str(_basis(r) or "unknown"): None for r, _, _ in group
        }
        out.append(
            FlopsCell(
                task=first.task,
                model=first.model,
                dataset=first.dataset,
                n_runs=len(group),
                flops_per_query=flops,
                flops_per_j=flops / joules,
                device=name,
                dtype=next(iter(dtypes)) if len(dtypes) == 1 else None,
                peak_flops_per_j=peak,
                fraction_of_peak=fraction,
                peak_note=note,
                basis="; ".join(bases),
            )
        )
    return out


__all__ = ["FlopsCell", "flops_efficiency", "flops_of", "record_device"]
