"""Small helpers of the runner: phase summaries, torch threads and memory, cycling, units."""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence
from typing import Any

from ..measure.meter import Meter
from ..tasks.base import QueryResult


def phase_summary(meter: Meter) -> dict[str, Any]:
    """A small JSON view of a setup window (load, warm-up) for ``RunRecord.extra``."""
    result = meter.result
    out: dict[str, Any] = {}
    if result is None:
        return out
    for p in result.phases:
        out[p.name] = {
            "duration_s": p.duration_s,
            "energy_j": p.energy_j,
            "net_energy_j": p.net_energy_j,
            "count": p.count,
            "components": [
                {"source": c.source, "method": c.method.value, "energy_j": c.energy_j}
                for c in p.components
            ],
        }
    return out


def set_threads(threads: int) -> None:
    """torch's intra-op CPU threads for this job (``--threads``; sweeps vary it)."""
    torch: Any = sys.modules.get("torch")
    if torch is None:
        try:
            import torch
        except ImportError:
            return
    torch.set_num_threads(threads)


def free_memory() -> None:
    gc.collect()
    torch = sys.modules.get("torch")
    if torch is not None:
        try:
            if torch.cuda.is_initialized():
                torch.cuda.empty_cache()
        except Exception:  # cleanup is best effort
            pass


def cycle(items: Sequence[Any], n: int) -> list[Any]:
    return [items[i % len(items)] for i in range(n)]


def batches(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def count_units(results: Sequence[QueryResult | Sequence[QueryResult]]) -> dict[str, int | float]:
    totals: dict[str, int | float] = {"input_tokens": 0, "output_tokens": 0, "input_images": 0,
                                      "output_images": 0}
    audio_s = 0.0
    for r in results:
        for q in r if isinstance(r, list | tuple) else (r,):
            totals["input_tokens"] += q.input_tokens
            totals["output_tokens"] += q.output_tokens
            totals["input_images"] += q.input_images
            totals["output_images"] += q.output_images
            audio_s += q.input_audio_s
    totals["images"] = totals["input_images"] + totals["output_images"]
    if audio_s:  # only tasks that hear audio carry seconds of it (speech recognition)
        totals["input_audio_s"] = round(audio_s, 3)
    return totals
