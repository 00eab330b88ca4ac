"""Frozen result records of a measured window. Joules inside; views through ``units``.

Records carry no formatting: tables, HTML and JSON views live in ``joulebench.report``
and the CLI.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .. import units
from .sensor import Domain, Method


@dataclass(frozen=True)
class ComponentEnergy:
    """Energy of one sensor over one window, with its provenance.

    ``energy_j`` is ``None`` when the sensor could not give a trustworthy figure
    (see ``gap``); never 0 for "unknown". ``low_j``/``high_j`` bound model estimates.
    ``idle_power_w`` is the baseline measured before the run (``None`` if none was
    measured) and ``net_energy_j`` the energy above it.
    """

    source: str
    domain: Domain
    device: str
    method: Method
    covers: str
    energy_j: float | None
    low_j: float | None = None
    high_j: float | None = None
    idle_power_w: float | None = None
    net_energy_j: float | None = None
    gap: str | None = None
    details: str = ""

    @property
    def energy_wh(self) -> float | None:
        return None if self.energy_j is None else units.j_to_wh(self.energy_j)

    @property
    def energy_kwh(self) -> float | None:
        return None if self.energy_j is None else units.j_to_kwh(self.energy_j)


def _sum_or_none(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


@dataclass(frozen=True)
class PhaseResult:
    """One named phase (e.g. ``load``, ``query``, ``query/decode``); phases may nest."""

    name: str
    path: str  # slash-joined names from the outermost phase, e.g. "query/decode"
    duration_s: float
    components: tuple[ComponentEnergy, ...]
    children: tuple[PhaseResult, ...] = ()
    count: int = 1  # how many times the phase was entered (entries are summed)

    @property
    def energy_j(self) -> float | None:
        return _sum_or_none(c.energy_j for c in self.components)

    @property
    def net_energy_j(self) -> float | None:
        return _sum_or_none(c.net_energy_j for c in self.components)


@dataclass(frozen=True)
class Measurement:
    """The result of one measured window (a ``with`` block, a tracked call, a command).

    ``energy_j`` sums the known components; components whose energy is unknown are
    left out of the sum and named in ``warnings``. Sensors are chosen so that
    components never overlap (see design.md, principle 6).
    """

    started_at: str  # ISO 8601 UTC wall-clock time of the window start
    duration_s: float
    components: tuple[ComponentEnergy, ...]
    phases: tuple[PhaseResult, ...] = ()
    warnings: tuple[str, ...] = ()
    idle_s: float | None = None  # length of the idle baseline, None if none was taken
    meter_cpu_s: float | None = None  # CPU time the meter itself spent (all threads)
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def energy_j(self) -> float | None:
        return _sum_or_none(c.energy_j for c in self.components)

    @property
    def net_energy_j(self) -> float | None:
        return _sum_or_none(c.net_energy_j for c in self.components)

    @property
    def energy_wh(self) -> float | None:
        e = self.energy_j
        return None if e is None else units.j_to_wh(e)

    @property
    def energy_kwh(self) -> float | None:
        e = self.energy_j
        return None if e is None else units.j_to_kwh(e)

    @property
    def methods(self) -> tuple[Method, ...]:
        return tuple(dict.fromkeys(c.method for c in self.components))

    def phase(self, path: str) -> PhaseResult | None:
        """Find a phase by its slash-joined path, e.g. ``"query/decode"``."""

        def walk(phases: tuple[PhaseResult, ...]) -> PhaseResult | None:
            for p in phases:
                if p.path == path:
                    return p
                found = walk(p.children)
                if found is not None:
                    return found
            return None

        return walk(self.phases)
