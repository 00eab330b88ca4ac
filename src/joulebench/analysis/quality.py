"""Quality against energy: a cell's quality figure, and the energy-quality Pareto front.

Pure functions over plain values (no I/O). A run's quality is its quality part's
``figure`` (:class:`~joulebench.bench.record_parts.Quality`, legacy ``extra["quality"]``):
``{"metric", "value", "n", "ci95_low", "ci95_high", "higher_is_better", ...}`` for a
benchmark run (joulebench scored its outputs; the interval is a bootstrap over queries),
``{"metric", "value"}`` for an imported run (e.g. the study's ``eval/performance.csv``,
added by ``joulebench import codecarbon --index``: no interval), or a bare number.

- :func:`quality_figure_of`: one (task, model, dataset) cell's figure over its runs'
  typed parts; :func:`quality_figure` the same over legacy ``extra`` mappings.
- :func:`pareto_indices`: the points no other point beats, energy down and quality up.
- :func:`quality_panels`: points grouped per (task, dataset, metric), each with its front.
- :func:`metric_key` / :func:`metric_label`: the study's short names ("acc") and ours
  ("accuracy") compare as one metric; labels for people ("ROUGE-L").
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..bench.record_parts import Parts, parts_from_extra

SOURCE_MEASURED = "measured"  # scored by joulebench, with a bootstrap interval over queries
SOURCE_STUDY = "study"  # the study's Table 7 (eval/performance.csv), imported with the index
SOURCE_IMPORTED = "imported"  # another imported figure, no interval

# The study's performance.csv headers -> joulebench's metric names (quality.registry).
_METRIC_KEYS = {"acc": "accuracy"}
_METRIC_LABELS = {
    "accuracy": "accuracy",
    "f1": "F1",
    "f1, has answer": "F1 (has answer)",
    "exact_match": "exact match",
    "rougeL": "ROUGE-L",
    "rouge1": "ROUGE-1",
    "rouge2": "ROUGE-2",
    "rouge": "ROUGE",
    "entity_f1": "entity F1",
}


def metric_key(metric: str) -> str:
    """The name a metric is grouped by: the study's ``acc`` is our ``accuracy``."""
    return _METRIC_KEYS.get(metric, metric)


def metric_label(metric: str) -> str:
    """A metric's name for people: ``rougeL`` -> "ROUGE-L", ``acc`` -> "accuracy"."""
    key = metric_key(metric)
    return _METRIC_LABELS.get(key, key)


@dataclass(frozen=True)
class QualityFigure:
    """One cell's quality: a fraction in [0, 1] in ``metric`` (our name, :func:`metric_key`).

    ``value`` is the mean over the ``n_runs`` runs that carry one. ``ci95_low``/``ci95_high``
    join the runs' 95% bootstrap intervals (the lowest low to the highest high: repetitions
    score the same queries, so the joined interval never claims more than one run's);
    ``None`` for imported figures. ``n`` is the number of queries scored (the largest over
    runs), ``None`` when not known. ``source``: :data:`SOURCE_MEASURED`,
    :data:`SOURCE_STUDY` or :data:`SOURCE_IMPORTED`.
    """

    metric: str
    value: float
    n_runs: int
    n: int | None = None
    ci95_low: float | None = None
    ci95_high: float | None = None
    higher_is_better: bool = True
    source: str = SOURCE_MEASURED

    @property
    def label(self) -> str:
        return metric_label(self.metric)


def _number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def quality_figure(extras: Iterable[Mapping[str, Any]]) -> QualityFigure | None:
    """:func:`quality_figure_of` over legacy ``extra`` mappings (loose keys)."""
    return quality_figure_of(Parts(**parts_from_extra(extra)[0]) for extra in extras)


def quality_figure_of(parts: Iterable[Parts]) -> QualityFigure | None:
    """The cell's quality from its runs' typed parts; ``None`` when no run has one.

    Runs whose metric differs from the most common one are left out (a cell scored two
    ways is not averaged across metrics). A run whose cohort part carries the study's
    labels with a quality but no query count is the study's own figure
    (:data:`SOURCE_STUDY`).
    """
    found: list[tuple[str, float, Mapping[str, Any], bool]] = []
    for p in parts:
        q = None if p.quality is None else p.quality.figure
        study = p.cohort is not None and p.cohort.study_figure()
        if (bare := _number(q)) is not None:
            found.append(("quality", bare, {}, study))
        elif isinstance(q, Mapping) and _number(q.get("value")) is not None:
            found.append(
                (metric_key(str(q.get("metric") or "quality")), float(q["value"]), q, study)
            )
    if not found:
        return None
    metric = Counter(m for m, _, _, _ in found).most_common(1)[0][0]
    mine = [(v, q, s) for m, v, q, s in found if m == metric]
    lows = [x for _, q, _ in mine if (x := _number(q.get("ci95_low"))) is not None]
    highs = [x for _, q, _ in mine if (x := _number(q.get("ci95_high"))) is not None]
    ns = [int(x) for _, q, _ in mine if (x := _number(q.get("n"))) is not None]
    if ns:
        source = SOURCE_MEASURED
    elif any(s for _, _, s in mine):
        source = SOURCE_STUDY
    else:
        source = SOURCE_IMPORTED
    return QualityFigure(
        metric=metric,
        value=sum(v for v, _, _ in mine) / len(mine),
        n_runs=len(mine),
        n=max(ns) if ns else None,
        ci95_low=min(lows) if lows and highs else None,
        ci95_high=max(highs) if lows and highs else None,
        higher_is_better=all(q.get("higher_is_better", True) is not False for _, q, _ in mine),
        source=source,
    )


def _beats(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """``a`` = (energy, quality) beats ``b``: no more energy, no less quality, better on one."""
    return a[0] <= b[0] and a[1] >= b[1] and (a[0] < b[0] or a[1] > b[1])


def pareto_indices(points: Sequence[tuple[float, float]]) -> list[int]:
    """Indices of the (energy, quality) points that no other point beats: none has lower or
    equal energy and higher or equal quality, and is better on one of them. Lower energy
    and higher quality are better; two identical points are both on the front. Returned
    lowest energy first (then highest quality, then index)."""
    front = [i for i, p in enumerate(points) if not any(_beats(o, p) for o in points)]
    return sorted(front, key=lambda i: (points[i][0], -points[i][1], i))


def beaten_by(points: Sequence[tuple[float, float]], i: int) -> int | None:
    """The lowest-energy point that beats point ``i`` (see :func:`pareto_indices`), or None."""
    rivals = [j for j, o in enumerate(points) if _beats(o, points[i])]
    return min(rivals, key=lambda j: (points[j][0], -points[j][1], j)) if rivals else None


@dataclass(frozen=True)
class QualityPoint:
    """One cell on an energy-quality chart: its mean energy per 1,000 queries and quality."""

    task: str | None
    model: str | None
    dataset: str | None
    energy_j_per_1000_queries: float
    quality: QualityFigure
    zero_shot: bool = False


@dataclass(frozen=True)
class QualityPanel:
    """The cells of one (task, dataset) scored in one metric, lowest energy first, and the
    Pareto front among them (lowest energy first). ``beaten_by[i]`` names the model of the
    lowest-energy point that beats ``points[i]`` (``None`` on the front)."""

    task: str | None
    dataset: str | None
    metric: str
    points: tuple[QualityPoint, ...]
    front: tuple[QualityPoint, ...]
    beaten_by: tuple[str | None, ...]

    @property
    def label(self) -> str:
        return metric_label(self.metric)


def quality_panels(points: Iterable[QualityPoint]) -> list[QualityPanel]:
    """Points grouped per (task, dataset, metric), each group with its Pareto front.

    A metric where lower is better (none of the study's) has its values negated for the
    front. Sorted by task, dataset and metric names.
    """
    groups: dict[tuple[str, str, str], list[QualityPoint]] = defaultdict(list)
    for p in points:
        groups[(p.task or "", p.dataset or "", p.quality.metric)].append(p)
    out = []
    for key in sorted(groups):
        group = sorted(
            groups[key],
            key=lambda p: (p.energy_j_per_1000_queries, -p.quality.value, p.model or ""),
        )
        pairs = [
            (
                p.energy_j_per_1000_queries,
                p.quality.value * (1 if p.quality.higher_is_better else -1),
            )
            for p in group
        ]
        front = pareto_indices(pairs)
        rivals = [beaten_by(pairs, i) for i in range(len(group))]
        out.append(
            QualityPanel(
                task=group[0].task,
                dataset=group[0].dataset,
                metric=key[2],
                points=tuple(group),
                front=tuple(group[i] for i in front),
                beaten_by=tuple(None if j is None else group[j].model for j in rivals),
            )
        )
    return out
