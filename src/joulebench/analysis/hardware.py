"""How far a model runs from the hardware's limit: achieved FLOP per joule vs the peak.

``peak FLOP/J = peak FLOP/s / TDP (W)``: what the device would do at its datasheet
dense throughput while drawing its full board power. Real inference (batch size 1, fp32)
usually reaches a small fraction of it. FLOPs per query come from the caller (e.g. the
runner's ``torch.utils.flop_counter.FlopCounterMode``); this module imports no torch.

Peaks are **dense** (no structured sparsity): where a datasheet quotes "with sparsity",
the dense figure is half of it. FP32 is the plain (non-tensor-core) rate.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..errors import UsageError, closest

TERA = 1e12


@dataclass(frozen=True)
class DevicePeak:
    """A device's board power and dense peak throughput (FLOP/s) from its datasheet."""

    name: str
    tdp_w: float
    fp32_flops_per_s: float
    bf16_flops_per_s: float | None  # dense tensor-core BF16; None if unsupported
    fp16_flops_per_s: float | None  # dense tensor-core FP16
    source: str

    def peak_flops_per_j(self, dtype: str = "float32") -> float:
        """Peak FLOP per joule for ``dtype`` (``float32``, ``bfloat16`` or ``float16``)."""
        rate = {
            "float32": self.fp32_flops_per_s,
            "fp32": self.fp32_flops_per_s,
            "bfloat16": self.bf16_flops_per_s,
            "bf16": self.bf16_flops_per_s,
            "float16": self.fp16_flops_per_s,
            "fp16": self.fp16_flops_per_s,
        }.get(dtype.lower())
        if rate is None:
            raise UsageError(f"no {dtype} peak for {self.name}")
        return rate / self.tdp_w


DEVICE_PEAKS: dict[str, DevicePeak] = {
    p.name: p
    for p in (
        DevicePeak(
            "H100 SXM",
            700.0,
            67 * TERA,
            989.4 * TERA,
            989.4 * TERA,
            "NVIDIA H100 Tensor Core GPU datasheet (SXM): FP32 67 TFLOPS, BF16/FP16 "
            "1,979 TFLOPS with sparsity, max TDP 700 W",
        ),
        DevicePeak(
            "H200 SXM",
            700.0,
            67 * TERA,
            989.4 * TERA,
            989.4 * TERA,
            "NVIDIA H200 Tensor Core GPU datasheet (SXM): FP32 67 TFLOPS, BF16/FP16 "
            "1,979 TFLOPS with sparsity, max TDP up to 700 W",
        ),
        DevicePeak(
            "A100 SXM",
            400.0,
            19.5 * TERA,
            312 * TERA,
            312 * TERA,
            "NVIDIA A100 Tensor Core GPU datasheet (SXM 80GB): FP32 19.5 TFLOPS, "
            "BF16/FP16 312 TFLOPS (624 with sparsity), max TDP 400 W",
        ),
        DevicePeak(
            "L4",
            72.0,
            30.3 * TERA,
            121 * TERA,
            121 * TERA,
            "NVIDIA L4 Tensor Core GPU datasheet: FP32 30.3 TFLOPS, BF16/FP16 242 "
            "TFLOPS with sparsity, max power 72 W",
        ),
        DevicePeak(
            "T4",
            70.0,
            8.1 * TERA,
            None,
            65 * TERA,
            "NVIDIA T4 Tensor Core GPU datasheet: FP32 8.1 TFLOPS, mixed-precision "
            "FP16/FP32 65 TFLOPS, no BF16, 70 W",
        ),
    )
}


def device_peak(name: str) -> DevicePeak:
    """A device from :data:`DEVICE_PEAKS` by name (case-insensitive)."""
    for key, peak in DEVICE_PEAKS.items():
        if key.lower() == name.lower():
            return peak
    raise UsageError(
        f"unknown device {name!r}{closest(name, list(DEVICE_PEAKS))}",
        hint="known devices: " + ", ".join(DEVICE_PEAKS),
    )


# A GPU name as NVML / torch report it -> a DEVICE_PEAKS key. Variants with another board
# power or clock (PCIe, NVL) have other peaks and are deliberately not matched.
_GPU_NAME_RULES: tuple[tuple[str, str], ...] = (
    (r"\bH100\b(?!.*\b(PCIE|NVL)\b)", "H100 SXM"),  # "NVIDIA H100 80GB HBM3" is the SXM5
    (r"\bH200\b(?!.*\b(PCIE|NVL)\b)", "H200 SXM"),
    (r"\bA100\b.*\bSXM", "A100 SXM"),  # "NVIDIA A100-SXM4-80GB"
    (r"\bL4\b", "L4"),
    (r"\bT4\b", "T4"),
)


def peak_for_gpu(name: str | None) -> DevicePeak | None:
    """The :data:`DEVICE_PEAKS` entry of a GPU named as NVML or torch name it
    (``"NVIDIA H100 80GB HBM3"``, ``"NVIDIA A100-SXM4-80GB"``, ``"Tesla T4"``), or a key
    itself; ``None`` when the device has no entry (CPUs, PCIe variants, other GPUs)."""
    if not name:
        return None
    for key, peak in DEVICE_PEAKS.items():
        if key.lower() == name.strip().lower():
            return peak
    upper = name.upper()
    for pattern, key in _GPU_NAME_RULES:
        if re.search(pattern, upper):
            return DEVICE_PEAKS[key]
    return None


@dataclass(frozen=True)
class PeakEfficiency:
    """Achieved FLOP per joule and its fraction of the device's peak (0..1, can exceed 1
    only if the inputs are wrong, e.g. FLOPs over-counted or energy under-measured)."""

    achieved_flops_per_j: float
    peak_flops_per_j: float
    fraction_of_peak: float


def efficiency_vs_peak(
    flops_per_query: float, energy_per_query_j: float, peak_flops_per_j: float
) -> PeakEfficiency:
    """Compare a model's FLOP/J (FLOPs per query / J per query) with a peak FLOP/J."""
    for name, v in (
        ("flops_per_query", flops_per_query),
        ("energy_per_query_j", energy_per_query_j),
        ("peak_flops_per_j", peak_flops_per_j),
    ):
        if math.isnan(v) or math.isinf(v) or v <= 0:
            raise UsageError(f"{name} must be a positive number, got {v!r}")
    achieved = flops_per_query / energy_per_query_j
    return PeakEfficiency(achieved, peak_flops_per_j, achieved / peak_flops_per_j)
