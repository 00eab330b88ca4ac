"""The carbon context of a run: which grid intensity and PUE turn its joules into grams."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CarbonContext:
    """Where the carbon figure comes from. ``region`` is e.g. ``FRA`` or ``aws:us-west-2``."""

    intensity_g_per_kwh: float
    source: str  # e.g. "Ember 2023 annual average (FRA)", "user", "default world average"
    region: str | None = None
    year: int | None = None
    pue: float = 1.0  # always stated; 1.0 means "IT energy only"
