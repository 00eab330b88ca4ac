"""Carbon: grid intensity lookup, PUE, and everyday equivalents.

``resolve(...)`` turns a country, cloud region, user figure or configuration file into a
:class:`CarbonContext`; ``equivalents(energy_j, emissions_g)`` gives citable comparisons.
Imports only ``measure``, ``units`` and ``errors``.
"""

from __future__ import annotations

from .context import CarbonContext
from .equivalents import Equivalent, equivalents
from .grid import GridEntry, dataset_version, world_average
from .resolve import resolve

__all__ = [
    "CarbonContext",
    "Equivalent",
    "GridEntry",
    "dataset_version",
    "equivalents",
    "resolve",
    "world_average",
]
