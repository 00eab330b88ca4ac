"""Typed parts of a :class:`~.records.RunRecord`: the cross-layer facts that ``extra``
carried as loose keys (written in ``bench``/``store``/``serve``, read in ``analysis`` and
``report``).

Each part is a small frozen dataclass; ``to_dict`` gives the part's legacy ``extra`` keys
(JSON-ready) and ``from_dict`` reads them back, so a part round-trips exactly and a run
stored before the parts existed (the keys loose in ``extra``) maps onto them one to one
(:func:`parts_from_extra`). ``extra`` stays for free-form, plugin-specific data.

Readers use :func:`parts_of`: a record's typed field when it is set, else the part read
from its legacy ``extra`` keys (records built by hand or stored by an older writer).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar, Protocol, TypeVar

__all__ = [
    "PART_NAMES",
    "PART_TYPES",
    "Cohort",
    "Flops",
    "Parts",
    "Placement",
    "Quality",
    "Throughput",
    "merge_parts",
    "parts_from_extra",
    "parts_of",
]

P = TypeVar("P", bound="_Part")


class _Part:
    """Shared ``to_dict``/``from_dict``: attribute ``a`` is legacy ``extra`` key ``KEYS[a]``."""

    KEYS: ClassVar[Mapping[str, str]]

    def to_dict(self) -> dict[str, Any]:
        """The part's legacy ``extra`` keys; an unset (``None``) attribute is left out."""
        out: dict[str, Any] = {}
        for attr, key in self.KEYS.items():
            value = getattr(self, attr)
            if value is not None:
                out[key] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls: type[P], data: Mapping[str, Any]) -> P:
        kwargs = {a: _freeze(data[k]) for a, k in cls.KEYS.items() if k in data}
        make: Any = cls  # a dataclass subclass: its fields are the KEYS attributes
        return make(**kwargs)

    @classmethod
    def present_in(cls, data: Mapping[str, Any]) -> bool:
        return any(k in data for k in cls.KEYS.values())


def _freeze(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _number(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    return float(v)


@dataclass(frozen=True)
class Quality(_Part):
    """The run's quality: ``figure`` is the study's metric (a bare number, or the
    :class:`~joulebench.quality.score.Score` dict: metric, value, n, ci95_low, ...),
    ``scores`` every metric of the task, ``error`` why the outputs could not be scored."""

    figure: Any = None
    scores: tuple[Mapping[str, Any], ...] | None = None
    error: str | None = None
    KEYS: ClassVar[Mapping[str, str]] = {
        "figure": "quality", "scores": "quality_scores", "error": "quality_error"}  # fmt: skip

    def metric_value(self) -> tuple[str, float] | None:
        """(metric, value) of ``figure``, or ``None`` when it has no numeric value."""
        q = self.figure
        if (bare := _number(q)) is not None:
            return ("quality", bare)
        if isinstance(q, Mapping) and (value := _number(q.get("value"))) is not None:
            return (str(q.get("metric", "quality")), value)
        return None


@dataclass(frozen=True)
class Throughput(_Part):
    """Per-query latency (milliseconds; ``total_s`` the sum of call times, seconds),
    queries per second over the measured query phase, and the number of calls."""

    median_ms: float | None = None
    mean_ms: float | None = None
    p90_ms: float | None = None
    min_ms: float | None = None
    max_ms: float | None = None
    total_s: float | None = None
    queries_per_s: float | None = None
    calls: int | None = None
    KEYS: ClassVar[Mapping[str, str]] = {
        "median_ms": "latency_median_ms", "mean_ms": "latency_mean_ms",
        "p90_ms": "latency_p90_ms", "min_ms": "latency_min_ms", "max_ms": "latency_max_ms",
        "total_s": "latency_total_s", "queries_per_s": "queries_per_s", "calls": "calls",
    }  # fmt: skip


@dataclass(frozen=True)
class Flops(_Part):
    """One query's counted FLOPs (:mod:`.flops`): the count, how it was counted, the
    counted input's tokens (text), or why counting was skipped."""

    per_query: float | None = None
    basis: str | None = None
    input_tokens: int | None = None
    skipped: str | None = None
    KEYS: ClassVar[Mapping[str, str]] = {
        "per_query": "flops_per_query", "basis": "flops_basis",
        "input_tokens": "flops_input_tokens", "skipped": "flops_skipped",
    }  # fmt: skip

    def usable_per_query(self) -> float | None:
        """``per_query`` when it is a positive finite number."""
        v = _number(self.per_query)
        return v if v is not None and math.isfinite(v) and v > 0 else None


@dataclass(frozen=True)
class Cohort(_Part):
    """Which published cohort a run belongs to: ``zero_shot`` (a multi-purpose model run
    zero-shot) and ``study`` (the importer's study labels: source file, ``table2``,
    ``indexed``, ...)."""

    zero_shot: bool | None = None
    study: Mapping[str, Any] | None = None
    KEYS: ClassVar[Mapping[str, str]] = {"zero_shot": "zero_shot", "study": "study"}

    def outside_table2(self) -> bool:
        """The importer marked the run as outside the study's published cohort."""
        return isinstance(self.study, Mapping) and self.study.get("table2") is False

    def study_figure(self) -> bool:
        """The run carries the study's labels from an index (not ``indexed: False``)."""
        return isinstance(self.study, Mapping) and self.study.get("indexed") is not False


@dataclass(frozen=True)
class Placement(_Part):
    """Where an executor ran the job: its node, the attempt, and how CPU/RAM and GPU
    energy are attributed when the node was shared."""

    node_id: str | None = None
    attempt: int | None = None
    node_concurrency: int | None = None
    attribution: str | None = None
    gpu_attribution: str | None = None
    KEYS: ClassVar[Mapping[str, str]] = {
        "node_id": "node_id", "attempt": "attempt", "node_concurrency": "node_concurrency",
        "attribution": "attribution", "gpu_attribution": "gpu_attribution",
    }  # fmt: skip


PART_TYPES: Mapping[str, type[_Part]] = {
    "quality": Quality,
    "throughput": Throughput,
    "flops": Flops,
    "cohort": Cohort,
    "placement": Placement,
}
PART_NAMES = tuple(PART_TYPES)
LEGACY_KEYS = frozenset(k for t in PART_TYPES.values() for k in t.KEYS.values())


@dataclass(frozen=True)
class Parts:
    """A record's typed parts (each ``None`` when the run has none of its keys)."""

    quality: Quality | None = None
    throughput: Throughput | None = None
    flops: Flops | None = None
    cohort: Cohort | None = None
    placement: Placement | None = None


def parts_from_extra(extra: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(typed parts by name, the rest of ``extra``) from legacy loose keys, exactly."""
    parts = {n: t.from_dict(extra) for n, t in PART_TYPES.items() if t.present_in(extra)}
    rest = {k: v for k, v in extra.items() if k not in LEGACY_KEYS}
    return parts, rest


def merge_parts(
    current: Mapping[str, Any], updates: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(parts by name, the rest of ``updates``): the legacy keys among ``updates`` set on
    the ``current`` parts (by name; ``None`` or missing: a new part), the others kept."""
    parts: dict[str, Any] = {}
    for name, kind in PART_TYPES.items():
        if not kind.present_in(updates):
            continue
        new = kind.from_dict(updates)
        old = current.get(name)
        if old is not None:
            given = {a for a, k in kind.KEYS.items() if k in updates}
            new = replace(old, **{a: getattr(new, a) for a in given})
        parts[name] = new
    rest = {k: v for k, v in updates.items() if k not in LEGACY_KEYS}
    return parts, rest


class _HasParts(Protocol):
    @property
    def extra(self) -> Mapping[str, Any]: ...
    @property
    def quality(self) -> Quality | None: ...
    @property
    def throughput(self) -> Throughput | None: ...
    @property
    def flops(self) -> Flops | None: ...
    @property
    def cohort(self) -> Cohort | None: ...
    @property
    def placement(self) -> Placement | None: ...


def parts_of(record: _HasParts) -> Parts:
    """The record's typed parts: each typed field when set, else read from its legacy
    ``extra`` keys (a record built by hand, or stored before the parts existed)."""
    legacy: dict[str, Any] | None = None
    out: dict[str, Any] = {}
    for f in fields(Parts):
        value = getattr(record, f.name)
        if value is None:
            if legacy is None:
                legacy = parts_from_extra(record.extra)[0]
            value = legacy.get(f.name)
        out[f.name] = value
    return Parts(**out)
