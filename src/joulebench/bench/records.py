"""The record of one run, as the benchmark runner, ``measure`` and importers produce it.

One record per repetition of a (task, model, dataset) job, per measured command, or per
imported run. The store persists these; executors ship them from workers to the driver
(they are plain frozen dataclasses and pickle cleanly).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from ..carbon.context import CarbonContext
from ..measure.results import Measurement
from .record_parts import (
    PART_NAMES,
    Cohort,
    Flops,
    Placement,
    Quality,
    Throughput,
    merge_parts,
)

__all__ = ["CarbonContext", "RunRecord", "amend_record", "make_record"]

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
    extra: dict[str, Any] = field(default_factory=dict)  # free-form, plugin-specific
    # Typed parts (.record_parts); readers use ``parts_of(record)``, which also reads
    # the legacy loose ``extra`` keys of records stored before these fields existed.
    quality: Quality | None = None
    throughput: Throughput | None = None
    flops: Flops | None = None
    cohort: Cohort | None = None
    placement: Placement | None = None


def make_record(
    *,
    kind: str,
    status: str,
    measurement: Measurement | None = None,
    run_id: str | None = None,
    started_at: str | None = None,
    extra: dict[str, Any] | None = None,
    **fields: Any,
) -> RunRecord:
    """The one way the runner, the executors, ``measure``, the importers and the
    endpoint build a record: a new run id and the current time unless given; the typed
    parts' keys given in ``extra`` (``quality``, ``latency_*_ms``, ``flops_per_query``,
    ``node_id``, ...) become the typed parts, the rest stays in ``extra``."""
    given = {n: fields.pop(n) for n in PART_NAMES if n in fields}
    parts, rest = merge_parts(given, extra or {})
    return RunRecord(
        run_id=run_id or new_run_id(),
        kind=kind,
        status=status,
        started_at=started_at or utc_now_iso(),
        measurement=measurement,
        extra=rest,
        **{**given, **parts},
        **fields,
    )


def amend_record(record: RunRecord, **updates: Any) -> RunRecord:
    """``record`` with ``updates`` added to it as :func:`make_record` reads ``extra``:
    a typed part's keys set on that part, the others added to ``extra``."""
    current = {n: getattr(record, n) for n in PART_NAMES}
    parts, rest = merge_parts(current, updates)
    return replace(record, extra={**record.extra, **rest}, **parts)
