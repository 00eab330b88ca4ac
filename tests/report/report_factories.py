"""Synthetic RunRecords for report tests and the 10,000-run benchmark.

``make_record`` builds one run whose query phase used ``energy_wh_per_1000`` Wh per
1,000 queries (split into a GPU counter, a CPU model estimate and a DRAM counter);
``corpus`` builds a deterministic set over the ten tasks, with multi-purpose models,
parameter counts, environment snapshots and (optionally) a hostile model name, quality
scores and output token counts (``cost_benefit=True``). ``quality_dict`` is a run's
``extra["quality"]`` as joulebench stores it (value, n, a 95% interval).

Import it as ``report_factories`` (tests/report is on ``sys.path`` for its own tests;
other tests add it, see tests/cli/test_report.py).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from joulebench import units
from joulebench.bench.records import (
    KIND_BENCHMARK,
    STATUS_FAILED,
    STATUS_OK,
    RunRecord,
)
from joulebench.carbon.context import CarbonContext
from joulebench.measure.results import ComponentEnergy, Measurement, PhaseResult
from joulebench.measure.sensor import Domain, Method

HOSTILE = "<script>alert(1)</script>"

# The study's Table 2 means, Wh per 1,000 queries (kWh x 1,000), by task.
TASK_WH = {
    "text-classification": 2.0,
    "question-answering": 3.0,
    "fill-mask": 3.0,
    "token-classification": 4.0,
    "image-classification": 7.0,
    "object-detection": 38.0,
    "text-generation": 47.0,
    "summarization": 49.0,
    "image-to-text": 63.0,
    "text-to-image": 2907.0,
}
TASK_PARAMS = {
    "text-classification": 66_000_000,
    "question-answering": 125_000_000,
    "fill-mask": 110_000_000,
    "token-classification": 110_000_000,
    "image-classification": 86_000_000,
    "object-detection": 41_000_000,
    "text-generation": 124_000_000,
    "summarization": 406_000_000,
    "image-to-text": 239_000_000,
    "text-to-image": 1_070_000_000,
}
ZERO_SHOT_TASKS = ("text-classification", "question-answering", "summarization")
MULTI_PURPOSE = (
    ("google/flan-t5-base", 248_000_000),
    ("google/flan-t5-xl", 2_850_000_000),
    ("bigscience/bloomz-560m", 559_000_000),
    ("bigscience/bloomz-7b1", 7_070_000_000),
)
CARBON = CarbonContext(intensity_g_per_kwh=138.75, source="aws:us-west-2 (study)", pue=1.0)
ENVIRONMENT: dict[str, Any] = {
    "os": {"system": "Linux", "release": "6.8.0-45-generic", "distribution": "Ubuntu 24.04"},
    "cpu": {"model": "AMD EPYC 7R13 Processor", "cores": 48, "threads": 96},
    "gpus": [{"name": "NVIDIA A100-SXM4-80GB", "driver": "550.90.07", "memory_gb": 80}],
    "python": "3.11.9",
    "packages": {"torch": "2.13.0", "transformers": "5.0.0", "joulebench": "0.1.0"},
}


# Tasks with a quality metric in the corpus, and those whose runs count output tokens.
QUALITY_TASKS = ("text-classification", "question-answering", "summarization")
QUALITY_METRIC = {
    "text-classification": "accuracy",
    "question-answering": "f1",
    "summarization": "rougeL",
}
TOKEN_TASKS = {"text-generation": 10.0, "summarization": 14.0, "image-to-text": 9.0}


def quality_dict(value: float, metric: str = "accuracy", n: int = 1000) -> dict[str, Any]:
    """``extra["quality"]`` of a scored run: a normal-approximation 95% interval stands in
    for the bootstrap (clipped to [0, 1])."""
    half = 1.96 * math.sqrt(max(value * (1 - value), 1e-6) / n)
    return {
        "metric": metric, "value": value, "n": n, "ci95_low": max(0.0, value - half),
        "ci95_high": min(1.0, value + half), "n_unmapped": 0, "n_excluded": 0,
        "higher_is_better": True, "note": "synthetic",
    }  # fmt: skip


def _component(
    source: str, domain: Domain, method: Method, energy_j: float, idle_j: float | None
) -> ComponentEnergy:
    band = (energy_j * 0.6, energy_j * 1.5) if method is Method.MODEL else (None, None)
    return ComponentEnergy(
        source=source,
        domain=domain,
        device=source.split(":")[-1],
        method=method,
        covers=f"{domain.value} ({source})",
        energy_j=energy_j,
        low_j=band[0],
        high_j=band[1],
        idle_power_w=None if idle_j is None else 1.0,
        net_energy_j=None if idle_j is None else energy_j - idle_j,
    )


def make_record(
    *,
    task: str = "text-classification",
    model: str = "distilbert-base-uncased-finetuned-sst-2-english",
    dataset: str = "imdb",
    energy_wh_per_1000: float = 2.0,
    n_queries: int = 1000,
    repetition: int = 0,
    parameters: int | None = 66_000_000,
    zero_shot: bool = False,
    cpu_estimate: bool = True,
    idle_baseline: bool = True,
    query_phase: bool = True,
    carbon: CarbonContext | None = CARBON,
    environment: dict[str, Any] | None = None,
    latency_s: float = 0.02,
    run_id: str | None = None,
    quality: float | Mapping[str, Any] | None = None,
    output_tokens: int | None = None,
) -> RunRecord:
    """One successful run; energy of its query phase is ``energy_wh_per_1000`` per 1,000.

    ``quality``: ``extra["quality"]`` (a number becomes :func:`quality_dict` of it, accuracy
    over ``n_queries``); ``output_tokens``: ``units["output_tokens"]``, the run's total."""
    total_j = units.wh_to_j(energy_wh_per_1000) * n_queries / units.QUERIES_PER_REPORT
    gpu_share, cpu_share = (0.8, 0.15) if cpu_estimate else (0.95, 0.0)
    idle = 0.3 if idle_baseline else None
    comps = [
        _component(
            "nvml:0", Domain.GPU, Method.COUNTER, total_j * gpu_share,
            None if idle is None else total_j * gpu_share * idle,
        ),
        _component(
            "rapl:dram", Domain.DRAM, Method.COUNTER, total_j * 0.05,
            None if idle is None else total_j * 0.05 * idle,
        ),
    ]  # fmt: skip
    if cpu_estimate:
        comps.append(
            _component(
                "model:cpu-utilization", Domain.CPU_PACKAGE, Method.MODEL, total_j * cpu_share,
                None if idle is None else total_j * cpu_share * idle,
            )
        )  # fmt: skip
    duration_s = latency_s * n_queries
    query = PhaseResult("query", "query", duration_s, tuple(comps))
    load = PhaseResult(
        "load", "load", 2.0, tuple(replace(c, energy_j=(c.energy_j or 0) * 0.1) for c in comps)
    )
    phases = (load, query) if query_phase else ()
    m = Measurement(
        started_at="2025-01-01T00:00:00.000+00:00",
        duration_s=duration_s + 2.0,
        components=tuple(comps),
        phases=phases,
        idle_s=5.0 if idle_baseline else None,
    )
    rid = run_id or f"{task}|{model}|{dataset}|{repetition}"
    if isinstance(quality, (int, float)):
        quality = quality_dict(float(quality), n=n_queries)
    return RunRecord(
        run_id=rid,
        kind=KIND_BENCHMARK,
        status=STATUS_OK,
        started_at=f"2025-01-01T00:{repetition % 60:02d}:00.000+00:00",
        measurement=m,
        task=task,
        model=model,
        dataset=dataset,
        suite="paper",
        repetition=repetition,
        n_queries=n_queries,
        parameters=parameters,
        config={"zero_shot": True} if zero_shot else {},
        environment=ENVIRONMENT if environment is None else environment,
        carbon=carbon,
        producer="joulebench 0.1.0",
        units={} if output_tokens is None else {"output_tokens": output_tokens},
        extra={} if quality is None else {"quality": dict(quality)},
    )


def failed_record(error: str = "CUDA out of memory", *, run_id: str = "failed-0") -> RunRecord:
    return RunRecord(
        run_id=run_id,
        kind=KIND_BENCHMARK,
        status=STATUS_FAILED,
        started_at="2025-01-01T00:00:00.000+00:00",
        measurement=None,
        task="text-to-image",
        model="stabilityai/stable-diffusion-xl-base-1.0",
        dataset="poloclub/diffusiondb",
        error=error,
    )


def cells(
    tasks: Sequence[str] = tuple(TASK_WH),
    models_per_task: int = 4,
    datasets_per_task: int = 3,
    hostile: bool = True,
) -> list[tuple[str, str, str, int, bool]]:
    """(task, model, dataset, parameters, zero_shot) for every cell of a corpus."""
    out = []
    for task in tasks:
        datasets = [f"{task}-data-{d}" for d in range(datasets_per_task)]
        base = TASK_PARAMS[task]
        models = [(f"org/{task}-model-{i}", int(base * (1.9**i))) for i in range(models_per_task)]
        if hostile and task == tasks[0]:
            models[0] = (HOSTILE, models[0][1])
        for ds in datasets:
            out += [(task, m, ds, p, False) for m, p in models]
            if task in ZERO_SHOT_TASKS:
                out += [(task, m, ds, p, True) for m, p in MULTI_PURPOSE]
    return out


def corpus(
    n_runs: int = 400,
    *,
    seed: int = 0,
    tasks: Sequence[str] = tuple(TASK_WH),
    models_per_task: int = 4,
    datasets_per_task: int = 3,
    hostile: bool = True,
    cost_benefit: bool = False,
) -> list[RunRecord]:
    """``n_runs`` deterministic runs spread evenly over the cells (repetitions vary).

    ``cost_benefit``: runs of :data:`QUALITY_TASKS` carry a quality (larger task-specific
    models score higher; multi-purpose ones a little lower at more energy), and runs of
    :data:`TOKEN_TASKS` and zero-shot runs count output tokens (larger models say more)."""
    rng = random.Random(seed)
    grid = cells(tasks, models_per_task, datasets_per_task, hostile)
    out = []
    for i in range(n_runs):
        task, model, ds, params, zs = grid[i % len(grid)]
        rep = i // len(grid)
        scale = (params / TASK_PARAMS[task]) ** 0.7 * (3.0 if zs else 1.0)
        energy = TASK_WH[task] * scale * rng.lognormvariate(0.0, 0.08)
        quality, tokens = None, None
        if cost_benefit:
            size = math.log10(params / TASK_PARAMS[task] + 1.0)
            if task in QUALITY_TASKS:
                value = min(0.99, (0.55 if zs else 0.6) + 0.25 * size + 0.01 * int(ds.rsplit("-", 1)[-1]))
                quality = quality_dict(round(value, 4), QUALITY_METRIC[task])
            if zs or task in TOKEN_TASKS:
                per_query = TOKEN_TASKS.get(task, 1.5) * (1.0 + 0.4 * size)
                tokens = round(per_query * 1000)
        out.append(
            make_record(
                task=task, model=model, dataset=ds, energy_wh_per_1000=energy,
                repetition=rep, parameters=params, zero_shot=zs,
                latency_s=0.01 * scale * TASK_WH[task] ** 0.5,
                run_id=f"run-{seed}-{i:06d}", quality=quality, output_tokens=tokens,
            )
        )  # fmt: skip
    return out
