"""What to run: one job (:class:`JobSpec`) and its stable key.

A job is one (task, model, dataset) with everything that changes the measured figure:
input column/split/config, queries per repetition, batch size, dtype, device and task
options (image size, steps ...). Its :attr:`JobSpec.job_key` hashes exactly those, so a
store can tell which repetitions of a job it already holds (``--resume``); how many
repetitions, warm-up queries and the adaptive target are *not* part of the key.

JobSpecs are frozen and pickle cleanly, so an executor can ship them to workers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from ..errors import UsageError

DTYPES = {
    "float32": "float32",
    "fp32": "float32",
    "float16": "float16",
    "fp16": "float16",
    "half": "float16",
    "bfloat16": "bfloat16",
    "bf16": "bfloat16",
}
DEVICES = ("cpu", "cuda", "auto")
MIN_ADAPTIVE_REPETITIONS = 3

OptionValue = str | int | float | bool
Options = tuple[tuple[str, OptionValue], ...]


def normalize_dtype(dtype: str) -> str:
    try:
        return DTYPES[dtype.lower()]
    except KeyError:
        raise UsageError(
            f"unknown dtype {dtype!r}", hint="valid dtypes: fp32, fp16, bf16"
        ) from None


def normalize_device(device: str) -> str:
    d = device.lower()
    if d == "gpu":
        d = "cuda"
    if d not in DEVICES and not d.startswith("cuda:"):
        raise UsageError(f"unknown device {device!r}", hint="valid devices: cpu, cuda, auto")
    return d


def resolve_device(device: str) -> str:
    """``auto`` becomes ``cuda`` when torch sees a GPU, else ``cpu`` (imports torch then)."""
    d = normalize_device(device)
    if d != "auto":
        return d
    try:
        import torch
    except ImportError:
        return "cpu"
    return "cuda" if torch.cuda.is_available() else "cpu"


def freeze_options(options: Mapping[str, Any] | Options | None) -> Options:
    """A sorted tuple of (name, scalar) pairs: hashable, picklable, order-free."""
    if not options:
        return ()
    items = options.items() if isinstance(options, Mapping) else options
    out: list[tuple[str, OptionValue]] = []
    for key, value in items:
        if not isinstance(value, str | int | float | bool):
            raise UsageError(f"option {key!r} must be a string, number or boolean: {value!r}")
        out.append((str(key), value))
    return tuple(sorted(out))


@dataclass(frozen=True)
class JobSpec:
    """One (task, model, dataset) job: ``repetitions`` windows of ``n_queries`` queries."""

    task: str
    model: str  # model spec: hub id, local dir or random:<study model>
    dataset: str  # dataset spec for joulebench.data.load_rows, e.g. "imdb", "offline:text"
    column: str | None = None  # None: the task's default columns
    split: str | None = None
    config: str | None = None  # dataset configuration name, e.g. "3.0.0"
    data_files: str | None = None  # a glob within a dataset folder or Hub repo (datasets')
    n_queries: int = 10
    repetitions: int = 2
    warmup: int = 1
    batch_size: int = 1
    dtype: str = "float32"
    device: str = "cpu"
    options: Options = ()  # task options (image size, steps ...), see freeze_options
    adaptive_pct: float | None = None  # stop once the 95% CI half-width is within this %
    trust_remote_code: bool = False
    group: str | None = None  # e.g. "task-specific" / "multi-purpose" (reporting only)
    dataset_label: str | None = None  # e.g. "imdb" for reports; defaults to ``dataset``
    label_column: str | None = None  # references for quality; None: the dataset's known one
    keep_outputs: bool = False  # store each query's output with the run
    threads: int | None = None  # torch CPU threads (None: torch's default)
    power_limit_w: float | None = None  # GPU power limit the sweep sets around the job

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", freeze_options(self.options))
        object.__setattr__(self, "dtype", normalize_dtype(self.dtype))
        object.__setattr__(self, "device", normalize_device(self.device))
        if self.n_queries < 1:
            raise UsageError(f"n_queries must be >= 1, got {self.n_queries}")
        if self.repetitions < 1:
            raise UsageError(f"repetitions must be >= 1, got {self.repetitions}")
        if self.warmup < 0:
            raise UsageError(f"warmup must be >= 0, got {self.warmup}")
        if self.batch_size < 1:
            raise UsageError(f"batch size must be >= 1, got {self.batch_size}")
        if self.threads is not None and self.threads < 1:
            raise UsageError(f"threads must be >= 1, got {self.threads}")
        if self.adaptive_pct is not None and not 0 < self.adaptive_pct < 100:
            raise UsageError(f"--adaptive must be a percentage in (0, 100): {self.adaptive_pct}")

    @property
    def options_dict(self) -> dict[str, OptionValue]:
        return dict(self.options)

    @property
    def label(self) -> str:
        return self.dataset_label or self.dataset

    def key_fields(self) -> dict[str, Any]:
        """What the job key hashes: everything that changes the per-query figure."""
        return {
            "task": self.task,
            "model": self.model,
            "dataset": self.dataset,
            "column": self.column,
            "split": self.split,
            "config": self.config,
            "n_queries": self.n_queries,
            "batch_size": self.batch_size,
            "dtype": self.dtype,
            "device": self.device,
            "options": [list(kv) for kv in self.options],
            **({"threads": self.threads} if self.threads is not None else {}),  # old keys stay
            **({"data_files": self.data_files} if self.data_files is not None else {}),
            **({"power_limit_w": self.power_limit_w} if self.power_limit_w is not None else {}),
        }

    @property
    def job_key(self) -> str:
        """Stable id of the resolved configuration (``auto`` device resolved first)."""
        blob = json.dumps(self.key_fields(), sort_keys=True, separators=(",", ":"))
        return "job-" + hashlib.sha256(blob.encode()).hexdigest()[:20]

    def resolved(self) -> JobSpec:
        """This job with ``device="auto"`` resolved, as it is keyed and run."""
        return self if self.device != "auto" else replace(self, device=resolve_device("auto"))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["options"] = self.options_dict
        d["job_key"] = self.job_key
        return d

    def with_overrides(self, **changes: Any) -> JobSpec:
        """A copy with the non-None ``changes`` applied (CLI overrides of a suite)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


@dataclass(frozen=True)
class JobCounts:
    jobs: int
    models: int
    datasets: int
    queries: int  # sum over jobs of n_queries x repetitions
    tasks: tuple[str, ...] = field(default_factory=tuple)


def count_jobs(jobs: list[JobSpec], n_datasets: int | None = None) -> JobCounts:
    """Counts for a job list. ``n_datasets`` overrides the distinct (task, dataset) count."""
    datasets = n_datasets if n_datasets is not None else len({(j.task, j.dataset) for j in jobs})
    return JobCounts(
        jobs=len(jobs),
        models=len({j.model for j in jobs}),
        datasets=datasets,
        queries=sum(j.n_queries * j.repetitions for j in jobs),
        tasks=tuple(dict.fromkeys(j.task for j in jobs)),
    )
