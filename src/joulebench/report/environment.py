"""The environment section: distinct values of the runs' environment snapshots.

Snapshots are nested mappings (hardware, driver, OS, package versions); they are flattened
to dotted keys (``gpu.0.name``), identical snapshots are counted once, and each key lists
its distinct values (at most ``MAX_VALUES``; the view says how many more).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ..bench.records import RunRecord
from .model import EnvironmentItem

MAX_VALUES = 8
MAX_KEYS = 200
MAX_VALUE_CHARS = 300


def _flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield from _flatten(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(value, (list, tuple)):
        if all(not isinstance(v, (Mapping, list, tuple)) for v in value):
            yield prefix, ", ".join(str(v) for v in value)
        else:
            for i, v in enumerate(value):
                yield from _flatten(v, f"{prefix}.{i}" if prefix else str(i))
    elif value is not None:
        text = str(value)
        if len(text) > MAX_VALUE_CHARS:
            text = text[: MAX_VALUE_CHARS - 1] + "…"
        yield prefix, text


def summarize_environment(records: Sequence[RunRecord]) -> tuple[EnvironmentItem, ...]:
    snapshots: Counter[str] = Counter()
    for r in records:
        if r.environment:
            snapshots[json.dumps(r.environment, sort_keys=True, default=str)] += 1
    values: dict[str, Counter[str]] = {}
    for text, n in snapshots.items():
        for key, val in _flatten(json.loads(text)):
            values.setdefault(key, Counter())[val] += n
    items = [
        EnvironmentItem(
            key=key,
            values=tuple(v for v, _ in counts.most_common(MAX_VALUES)),
            n_distinct=len(counts),
            n_runs=sum(counts.values()),
        )
        for key, counts in values.items()
    ]
    return tuple(items[:MAX_KEYS])
