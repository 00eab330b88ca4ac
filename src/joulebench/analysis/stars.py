"""Star ratings 1-5 from energy per query, by quintile of a cohort (AI Energy Score style).

Rule (one cohort: one task, or one size class of text generation):

- cut points are the 20th, 40th, 60th and 80th percentiles of the cohort's values, by
  linear interpolation between order statistics (numpy's default, "type 7");
- a value ``<= cut[0]`` gets 5 stars, ``<= cut[1]`` 4, ``<= cut[2]`` 3, ``<= cut[3]`` 2,
  else 1. Lower energy, more stars.

Ties: equal values always get equal stars (the rule looks only at the value); a value on
a cut point gets the better rating. So a cohort of identical values is all 5 stars, and
stars never rise as the value rises: they are monotone in the rank by value.
Small cohorts (fewer than 5 members) use the same rule and are flagged
``small_cohort``: one member gets 5 stars; two get 5 and 1. Reports should say so.

Cohorts (:func:`rate_models`, :func:`rate_cells`): a cohort of **one model** is not
rated at all (``unrated`` = :data:`ONE_MODEL`): five stars "among itself" says nothing.
:func:`rate_cells` rates the rows a leaderboard shows, one per (model, dataset), by the
same value the leaderboard sorts on, so its stars follow the leaderboard's rank.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from ..stats import percentile
from .aggregate import CellSummary

K = TypeVar("K", bound=Hashable)

SIZE_CLASS_A_MAX_PARAMETERS = 20_000_000_000
SIZE_CLASS_B_MAX_PARAMETERS = 66_000_000_000
SIZE_CLASS_TASKS = frozenset({"text-generation"})
MIN_MODELS_TO_RATE = 2
ONE_MODEL = "one model"


@dataclass(frozen=True)
class StarRatings(Generic[K]):
    """Stars per member and the cohort's four cut points (in the unit of the values)."""

    stars: Mapping[K, int]
    cut_points: tuple[float, float, float, float]
    n: int
    small_cohort: bool


def stars_for(value: float, cut_points: tuple[float, float, float, float]) -> int:
    """Stars for one value against a cohort's cut points (5 = lowest energy)."""
    for i, cut in enumerate(cut_points):
        if value <= cut:
            return 5 - i
    return 1


def star_ratings(values: Mapping[K, float]) -> StarRatings[K]:
    """Rate each member of one cohort by quintile of its value (e.g. J per query)."""
    if not values:
        raise ValueError("star_ratings() needs at least one value")
    if any(math.isnan(v) for v in values.values()):
        raise ValueError("star_ratings() got NaN")
    vs = list(values.values())
    a, b, c, d = (percentile(vs, q) for q in (20, 40, 60, 80))
    cuts = (a, b, c, d)
    return StarRatings(
        stars={k: stars_for(v, cuts) for k, v in values.items()},
        cut_points=cuts,
        n=len(vs),
        small_cohort=len(vs) < 5,
    )


def size_class(parameters: int | None) -> str | None:
    """Text generation size class: A <= 20B parameters, B <= 66B, C larger; None if unknown."""
    if parameters is None:
        return None
    if parameters <= SIZE_CLASS_A_MAX_PARAMETERS:
        return "A"
    if parameters <= SIZE_CLASS_B_MAX_PARAMETERS:
        return "B"
    return "C"


@dataclass(frozen=True)
class CohortRating(Generic[K]):
    """The ratings of one cohort: a task, and for text generation a size class.

    ``ratings.stars`` is empty when the cohort is not rated; ``unrated`` says why
    (:data:`ONE_MODEL`). ``n_models`` counts distinct models in the cohort.
    """

    task: str | None
    size_class: str | None
    ratings: StarRatings[K]  # values were mean J per query
    n_models: int = 0
    unrated: str | None = None
    members: tuple[K, ...] = ()  # every member, rated or not


def _cohort_of(c: CellSummary) -> tuple[str | None, str | None]:
    return (c.task, size_class(c.parameters) if c.task in SIZE_CLASS_TASKS else None)


def _rate_cohort(
    task: str | None, cls: str | None, values: Mapping[K, float], n_models: int
) -> CohortRating[K]:
    ratings = star_ratings(values)
    if n_models < MIN_MODELS_TO_RATE:
        unrated: StarRatings[K] = StarRatings(
            stars={}, cut_points=ratings.cut_points, n=ratings.n, small_cohort=True
        )
        return CohortRating(task, cls, unrated, n_models, ONE_MODEL, tuple(values))
    return CohortRating(task, cls, ratings, n_models, None, tuple(values))


def rate_models(cells: Iterable[CellSummary]) -> list[CohortRating[str]]:
    """Stars per model within each task (text generation: within each size class).

    A model's value is its mean energy per query (J) averaged over its datasets' cell
    means, so every dataset weighs the same. Text-generation models of unknown size form
    their own cohort (``size_class`` None). A one-model cohort is not rated.
    """
    per_model: dict[tuple[str | None, str | None], dict[str, list[float]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for c in cells:
        per_model[_cohort_of(c)][c.model or ""].append(c.energy_j_per_1000_queries.mean / 1000.0)
    out = []
    for (task, cls), models in sorted(
        per_model.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or "")
    ):
        values = {m: sum(v) / len(v) for m, v in models.items()}
        out.append(_rate_cohort(task, cls, values, len(values)))
    return out


def rate_cells(cells: Iterable[CellSummary]) -> list[CohortRating[tuple[str, str]]]:
    """Stars per (model, dataset) cell within each task (text generation: size class).

    A cell's value is its own mean energy per query (J): the value a leaderboard of
    cells sorts on, so within a cohort more energy never gets more stars. Zero-shot
    cells of multi-purpose models are rated with the rest of their task. A cohort whose
    cells all belong to one model is not rated (:data:`ONE_MODEL`).
    """
    per_cell: dict[tuple[str | None, str | None], dict[tuple[str, str], float]] = defaultdict(dict)
    for c in cells:
        key = (c.model or "", c.dataset or "")
        per_cell[_cohort_of(c)][key] = c.energy_j_per_1000_queries.mean / 1000.0
    out = []
    for (task, cls), values in sorted(
        per_cell.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or "")
    ):
        out.append(_rate_cohort(task, cls, values, len({m for m, _ in values})))
    return out
