"""A measured point as a stored run (``RunRecord.kind == "endpoint"``).

``measurement``: the whole run's energy with phase ``"steady"`` (None when not measured);
``extra["endpoint"]``: the :class:`~.results.EndpointPoint` (requests, windows, flags,
server details); ``units``: requests, input and output tokens of the complete
responses; ``config``: the resolved settings (no API key, no token: only the names of
the variables that held them). ``n_queries`` stays None and ``task`` is None, so
endpoint runs never mix into the per-task leaderboards; :mod:`joulebench.analysis.endpoint`
reads them. Status ``ok``, ``partial`` (cut short: finished requests kept) or ``failed``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..bench.records import RunRecord, make_record
from ..carbon.context import CarbonContext
from .point import PointOutcome
from .results import ENDPOINT_KEY

__all__ = ["KIND_ENDPOINT", "STATUS_PARTIAL", "endpoint_record", "job_key"]

KIND_ENDPOINT = "endpoint"
STATUS_PARTIAL = "partial"


def job_key(config: dict[str, Any]) -> str:
    text = json.dumps(config, sort_keys=True, default=str)
    return "endpoint:" + hashlib.sha256(text.encode()).hexdigest()[:16]


def endpoint_record(outcome: PointOutcome, *, config: dict[str, Any], dataset: str,
                    fingerprint: str, environment: dict[str, Any],
                    carbon: CarbonContext | None, started_at: str | None = None,
                    producer: str = "joulebench") -> RunRecord:
    p = outcome.point
    ok = p.ok_requests
    units: dict[str, int | float] = {"requests": len(ok), "requests_failed": len(p.requests) - len(ok)}
    out_tokens = [r.output_tokens for r in ok if r.output_tokens is not None]
    in_tokens = [r.input_tokens for r in ok if r.input_tokens is not None]
    if out_tokens:
        units["output_tokens"] = sum(out_tokens)
    if in_tokens and len(in_tokens) == len(ok):
        units["input_tokens"] = sum(in_tokens)
    point_config = dict(config, concurrency=p.concurrency, rate_per_s=p.rate_per_s)
    return make_record(
        kind=KIND_ENDPOINT,
        status=outcome.status,
        started_at=started_at,
        measurement=outcome.measurement,
        model=p.model,
        dataset=dataset,
        job_key=job_key(point_config),
        units=units,
        config=point_config,
        environment=environment,
        carbon=carbon,
        input_fingerprint=fingerprint,
        error=outcome.error,
        producer=producer,
        extra={ENDPOINT_KEY: p.to_dict()},
    )
