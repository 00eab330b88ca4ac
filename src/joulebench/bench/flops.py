"""FLOPs of one query, counted (not measured) with ``torch.utils.flop_counter``.

The runner calls :func:`count_mean_flops` once per job, after the warm-up and outside
every meter window: one counted query per sampled input (up to 4 distinct inputs). ``FlopCounterMode`` counts only the ops
it has formulas for (matmul, addmm, bmm, convolution, scaled-dot-product attention), at
two FLOPs per multiply-accumulate; element-wise ops, norms and softmax are not counted, so
the figure is a lower bound dominated by what a GPU's peak FLOP/s describes. For
generation and diffusion the one query includes every decoding or denoising step.

The result is a small dict of extra keys (:func:`~.records.make_record` types the
``flops_*`` ones as the record's :class:`~.record_parts.Flops`): ``flops_per_query`` and
``flops_basis`` (and ``flops_input_tokens``, the counted input's tokens, for text) when
counting worked, ``flops_skipped`` (why) when it did not; plus
``device`` and ``device_name`` (the CUDA device's name) so the analysis can look up the
device's peak FLOP per joule. Counting never raises.
"""

from __future__ import annotations

import sys
from typing import Any

from ..tasks.base import Prepared, no_phase

BASIS = "torch FlopCounterMode, one query (matmul/conv/attention ops only), input 0"


def device_name(device: str) -> str | None:
    """The CUDA device's name as torch reports it (``None`` on CPU or when unknown)."""
    torch = sys.modules.get("torch")
    if torch is None or not device.startswith("cuda"):
        return None
    try:
        return str(torch.cuda.get_device_name(torch.device(device)))
    except Exception:
        return None


def count_query_flops(runner: Any, prepared: Prepared, *, device: str = "cpu") -> dict[str, Any]:
    """Count the FLOPs of ``runner.run(prepared)``; a dict for ``RunRecord.extra``.

    torch is used only when the task already loaded it (a model that runs on torch did);
    otherwise, or when counting raises, the dict says why in ``flops_skipped``.
    """
    out: dict[str, Any] = {"device": device, "device_name": device_name(device)}
    if sys.modules.get("torch") is None:
        out["flops_skipped"] = "torch is not loaded: the model does not run on torch"
        return out
    try:
        from torch.utils.flop_counter import FlopCounterMode

        counter = FlopCounterMode(display=False)
        with counter:
            result = runner.run(prepared, no_phase)
        total = float(counter.get_total_flops())
    except Exception as exc:  # counting is a bonus: never fail the job for it
        msg = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        out["flops_skipped"] = f"counting failed: {type(exc).__name__}" + (
            f": {msg}" if msg else ""
        )
        return out
    if total <= 0:
        out["flops_skipped"] = "no matmul, convolution or attention op was counted"
        return out
    out["flops_per_query"] = total
    out["flops_basis"] = BASIS
    tokens = getattr(result, "input_tokens", None)
    if isinstance(tokens, int) and tokens > 0:  # the counted input's size, to compare with
        out["flops_input_tokens"] = tokens  # the run's mean (units / n_queries)
    return out


def count_mean_flops(
    runner: Any, queried: list[Prepared], *, device: str = "cpu", sample: int = 4
) -> dict[str, Any]:
    """Mean FLOPs per query over up to ``sample`` of the job's distinct inputs.

    ``queried`` is the list of inputs the repetitions run (cycled, so repeats are the
    same objects). Inputs differ in length, so one input would misstate the mean the
    energy figure is divided by; counting every input would cost a query each, so an
    evenly spaced sample of the distinct inputs is counted, each one unmeasured.
    """
    distinct = list({id(p): p for p in queried}.values())
    if not distinct:
        return {"device": device, "device_name": device_name(device), "flops_skipped": "no inputs"}
    k = min(sample, len(distinct))
    picks = [distinct[(i * len(distinct)) // k] for i in range(k)]
    counts = [count_query_flops(runner, p, device=device) for p in picks]
    failed = next((c for c in counts if "flops_per_query" not in c), None)
    if failed is not None:
        return failed
    out = dict(counts[0])
    out["flops_per_query"] = sum(c["flops_per_query"] for c in counts) / k
    out["flops_basis"] = (
        f"torch FlopCounterMode, mean over {k} of the job's {len(distinct)} distinct inputs"
        " (matmul/conv/attention ops only)"
    )
    tokens = [c["flops_input_tokens"] for c in counts if "flops_input_tokens" in c]
    if len(tokens) == k:
        out["flops_input_tokens"] = sum(tokens) / k
    return out


__all__ = ["BASIS", "count_mean_flops", "count_query_flops", "device_name"]
