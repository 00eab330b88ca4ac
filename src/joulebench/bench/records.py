"""The record of one run, as the benchmark runner, ``measure`` and importers produce it.

One record per repetition of a (task, model, dataset) job, per measured command, or per
imported run. The store persists these; executors ship them from workers to the driver
(they are plain frozen dataclasses and pickle cleanly).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..carbon.context import CarbonContext
from ..measure.results import Measurement

__all__ = ["CarbonContext", "RunRecord"]

STATUS_OK = "ok"
STATUS_FAILED = "failed"

KIND_BENCHMARK = "benchmark"
KIND_MEASURE = "measure"
KIND_IMPORT = "import"


def new_run_id() -> str:
    return str(uuid.uuid4())


def utc_now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    kind: str  # KIND_*
    status: str  # STATUS_*
    started_at: str  # ISO 8601 UTC
    measurement: Measurement | None  # None for a run that failed before measuring
    task: str | None = None
    model: str | None = None
    dataset: str | None = None
    suite: str | None = None
    job_key: str | None = None  # stable id of (task, model, dataset, config): resume key
    repetition: int | None = None
    n_queries: int | None = None  # queries in the measured "query" phase
    parameters: int | None = None
    # input_tokens, output_tokens, images; input_audio_s (seconds) for speech recognition
    units: dict[str, int | float] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)  # resolved run config
    environment: dict[str, Any] = field(default_factory=dict)  # inventory snapshot
    carbon: CarbonContext | None = None
    input_fingerprint: str | None = None
    command: tuple[str, ...] | None = None
    exit_code: int | None = None
    error: str | None = None
    producer: str = "joulebench"  # e.g. "joulebench 0.1.0", "codecarbon 2.3.1"
    extra: dict[str, Any] = field(default_factory=dict)
