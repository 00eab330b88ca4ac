"""Cost and benefit in the report data model: quality and output length on the rows.

``report.build`` calls :func:`with_quality` and :func:`with_lengths` on its leaderboard
rows; both ask ``joulebench.analysis`` (quality figures and the energy-quality Pareto front
per (task, dataset, metric); output lengths and energy per output token) and put the
answers on the rows. :func:`load_reference_lengths` reads the study's output lengths
(package data ``reference_lengths.json``, built by ``scripts/build_study_lengths.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from importlib import resources

from .. import units
from ..analysis import (
    LengthCell,
    QualityPoint,
    output_lengths,
    quality_figure_of,
    quality_panels,
    shows_output_length,
)
from ..analysis import QualityPanel as AnalysisPanel
from ..bench.record_parts import Parts
from .model import Citation, ModelRow, QualityPanel

Key = tuple[str, str, str]  # (task, model, dataset), as on the rows
LENGTHS_FILE = "reference_lengths.json"


def _key(r: ModelRow) -> Key:
    return (r.task, r.model, r.dataset)


def _energy_j(r: ModelRow) -> float | None:
    e = r.energy_wh_per_1000_queries
    return None if e is None else e.mean * units.J_PER_WH


def with_quality(
    rows: Sequence[ModelRow], parts: Mapping[Key, Iterable[Parts]]
) -> tuple[list[ModelRow], tuple[QualityPanel, ...], list[AnalysisPanel]]:
    """The rows with their quality (from their runs' typed parts), the report's panels and
    the analysis panels (for the headlines). A row is on its panel's front when no other
    row of the same (task, dataset, metric) has lower or equal energy and higher or equal
    quality, better on one."""
    figures = {k: quality_figure_of(v) for k, v in parts.items()}
    points = []
    for r in rows:
        fig, energy = figures.get(_key(r)), _energy_j(r)
        if fig is not None and energy is not None:
            points.append(
                QualityPoint(r.task, r.model, r.dataset, energy, fig, zero_shot=r.multi_purpose)
            )
    panels = quality_panels(points)
    front: set[tuple[str | None, str | None, str | None]] = set()
    beaten: dict[tuple[str | None, str | None, str | None], str | None] = {}
    for panel in panels:
        front.update((p.task, p.model, p.dataset) for p in panel.front)
        for p, rival in zip(panel.points, panel.beaten_by, strict=True):
            beaten[(p.task, p.model, p.dataset)] = rival
    out = [
        replace(
            r,
            quality=figures.get(_key(r)),
            on_quality_front=_key(r) in front,
            quality_beaten_by=beaten.get(_key(r)),
        )
        for r in rows
    ]
    by_key = {_key(r): r for r in out}
    shown = tuple(
        QualityPanel(
            task=p.task or "",
            dataset=p.dataset or "",
            metric=p.metric,
            rows=tuple(by_key[(q.task or "", q.model or "", q.dataset or "")] for q in p.points),
            front=tuple(q.model or "" for q in p.front),
        )
        for p in panels
    )
    return out, shown, panels


def with_lengths(
    rows: Sequence[ModelRow], reference: Mapping[tuple[str, str], float] | None = None
) -> list[ModelRow]:
    """The rows with their output length where one is worth showing (a generative task or a
    zero-shot run: analysis.shows_output_length): measured, else the reference's for the
    same (model, dataset)."""
    reference = reference or {}
    cells = []
    for r in rows:
        energy = _energy_j(r)
        if energy is None or not shows_output_length(r.task, r.multi_purpose):
            continue
        tokens = r.output_tokens_per_query
        cells.append(
            LengthCell(
                key=_key(r),
                dataset=r.dataset,
                energy_j_per_1000_queries=energy,
                output_tokens_per_query=None if tokens is None else tokens.mean,
                reference_output_tokens_per_query=reference.get((r.model, r.dataset)),
            )
        )
    lengths = {ol.key: ol for ol in output_lengths(cells)}
    refs = {c.key: c.reference_output_tokens_per_query for c in cells}
    return [
        replace(
            r,
            output_length=lengths.get(_key(r)),
            reference_output_tokens_per_query=refs.get(_key(r)),
        )
        for r in rows
    ]


def load_reference_lengths() -> tuple[Citation, dict[tuple[str, str], float]]:
    """The study's mean output tokens per query by (model, dataset) (package data)."""
    text = resources.files(__package__).joinpath(LENGTHS_FILE).read_text("utf-8")
    data = json.loads(text)
    lengths = {(e["model"], e["dataset"]): float(e["mean_output_tokens"]) for e in data["lengths"]}
    return Citation(text=data["citation"], url=data["url"]), lengths
