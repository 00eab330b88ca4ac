"""Frozen result records of a measured window. Joules inside; views through ``units``.

Records carry no formatting: tables, HTML and JSON views live in ``joulebench.report``
and the CLI.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .. import units
from .host_load import HostLoad
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


def _net_total(components: Iterable[ComponentEnergy]) -> float | None:
    """Sum of the components' net energies; None (not a partial sum) when any is missing."""
    total = 0.0
    for c in components:
        if c.net_energy_j is None:
            return None
        total += c.net_energy_j
    return total


@dataclass(frozen=True)
class IdleBaseline:
    """Idle power per sensor source, and how far it can be trusted.

    ``duration_s`` is how long it was measured (``None``: watts the caller gave);
    ``host_load`` is what other processes did meanwhile and ``gpu_processes`` the other
    processes found on the GPUs: a baseline taken on a busy machine is not idle, so
    ``busy`` marks every net figure that uses it as unreliable.
    """

    power_w: Mapping[str, float]
    duration_s: float | None = None
    warnings: tuple[str, ...] = ()
    host_load: HostLoad | None = None
    gpu_processes: tuple[int, ...] = ()

    @property
    def busy(self) -> bool:
        return bool(self.gpu_processes) or (self.host_load is not None and self.host_load.busy)

    @classmethod
    def given(cls, power_w: Mapping[str, float]) -> IdleBaseline:
        return cls(power_w=dict(power_w))


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
        return _net_total(self.components)


@dataclass(frozen=True)
class Measurement:
    """The result of one measured window (a ``with`` block, a tracked call, a command).

    ``energy_j`` sums the known components; components whose energy is unknown are
    left out of the sum, named in ``warnings`` and in :attr:`missing`, and
    :attr:`complete` is False: such a total is partial and reports say so.
    ``net_energy_j`` is ``None`` unless every component has a net figure (a partial
    net total would read as "net of idle 0 J" for a missing component). Sensors are
    chosen so that components never overlap (see design.md, principle 6).

    ``scope`` is what the model sensors covered ("machine" or "process"; hardware
    counters always cover their whole device). ``host_load`` is other processes' CPU
    use during the window and ``idle_host_load`` during the idle baseline; when either
    is busy (:attr:`busy`), the figures include other work and the net ones are not
    reliable (:attr:`net_reliable`).
    """

    started_at: str  # ISO 8601 UTC wall-clock time of the window start
    duration_s: float
    components: tuple[ComponentEnergy, ...]
    phases: tuple[PhaseResult, ...] = ()
    warnings: tuple[str, ...] = ()
    idle_s: float | None = None  # length of the idle baseline, None if none was taken
    meter_cpu_s: float | None = None  # CPU time the meter itself spent (all threads)
    extra: dict[str, object] = field(default_factory=dict)
    scope: str = "machine"
    host_load: HostLoad | None = None
    idle_host_load: HostLoad | None = None

    @property
    def energy_j(self) -> float | None:
        return _sum_or_none(c.energy_j for c in self.components)

    @property
    def net_energy_j(self) -> float | None:
        return _net_total(self.components)

    @property
    def missing(self) -> tuple[str, ...]:
        """Sources with no figure for this window (left out of ``energy_j``)."""
        return tuple(c.source for c in self.components if c.energy_j is None)

    @property
    def complete(self) -> bool:
        return bool(self.components) and not self.missing

    @property
    def busy(self) -> bool:
        return any(load is not None and load.busy for load in (self.host_load, self.idle_host_load))

    @property
    def net_reliable(self) -> bool:
        """Net figures exist and their idle baseline was taken on a quiet machine."""
        quiet = self.idle_host_load is None or not self.idle_host_load.busy
        quiet = quiet and not self.extra.get("idle_gpu_processes")
        return self.net_energy_j is not None and quiet

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
