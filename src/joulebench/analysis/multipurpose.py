"""Task-specific vs multi-purpose models, per dataset (the study's Section 4.3).

Each zero-shot (multi-purpose) model's mean energy per 1,000 queries on a dataset is
divided by the **median** of the task-specific models' cell means on the same dataset.
Quality comes with it where runs carry one (their typed quality part).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .aggregate import CellSummary


@dataclass(frozen=True)
class MultiPurposeRow:
    """One zero-shot model on one dataset against that dataset's task-specific models.

    ``energy_multiple`` = ``energy_j_per_1000_queries`` /
    ``task_specific_median_j_per_1000_queries`` (``None`` when no task-specific model
    ran on the dataset). Quality values are in the dataset's metric (``quality_metric``).
    """

    task: str | None
    dataset: str | None
    model: str | None
    energy_j_per_1000_queries: float
    task_specific_median_j_per_1000_queries: float | None
    n_task_specific_models: int
    energy_multiple: float | None
    quality_metric: str | None
    quality: float | None
    task_specific_median_quality: float | None


def task_specific_vs_multipurpose(cells: Iterable[CellSummary]) -> list[MultiPurposeRow]:
    """One row per zero-shot cell, sorted by dataset then energy multiple."""
    by_dataset: dict[str | None, list[CellSummary]] = defaultdict(list)
    for c in cells:
        by_dataset[c.dataset].append(c)
    rows = []
    for dataset, group in by_dataset.items():
        specific = [c for c in group if not c.zero_shot]
        med = (
            statistics.median(c.energy_j_per_1000_queries.mean for c in specific)
            if specific
            else None
        )
        qs = [c.quality[1] for c in specific if c.quality is not None]
        med_q = statistics.median(qs) if qs else None
        for c in group:
            if not c.zero_shot:
                continue
            e = c.energy_j_per_1000_queries.mean
            rows.append(
                MultiPurposeRow(
                    task=c.task,
                    dataset=dataset,
                    model=c.model,
                    energy_j_per_1000_queries=e,
                    task_specific_median_j_per_1000_queries=med,
                    n_task_specific_models=len(specific),
                    energy_multiple=None if not med else e / med,
                    quality_metric=None if c.quality is None else c.quality[0],
                    quality=None if c.quality is None else c.quality[1],
                    task_specific_median_quality=med_q,
                )
            )
    return sorted(rows, key=lambda r: (r.dataset or "", r.energy_multiple or 0.0, r.model or ""))
