"""RAPL zones under Linux powercap sysfs, and which of them to read.

Layout (``/sys/class/powercap``, the root is injectable)::

    intel-rapl:0          name=package-0 (or package-0-die-1 on multi-die parts)
    intel-rapl:0:0        name=core      inside package-0
    intel-rapl:0:1        name=uncore    inside package-0
    intel-rapl:0:2        name=dram      sibling of core/uncore, NOT inside the package power
    intel-rapl:1          name=psys      the whole platform: contains the packages
    intel-rapl-mmio:0     name=package-0 the same package counter through MMIO

Choice (design principle 6, never sum overlapping levels): every ``package-N`` zone plus
its ``dram`` subzone; ``core``/``uncore`` are inside the package and dropped. ``psys``
contains the packages (and on most laptops the memory), so it is used **alone and only
when there is no package zone**: package + dram gives the CPU/DRAM breakdown that the
rest of joulebench reports, and it is what servers expose. MMIO zones are dropped when an
MSR zone of the same name exists. Per-die zones of one package that read identical
counters are mirrors: one is kept. Zones with the same name and different counters are
kept (they are distinct dies) with the zone id appended to the source.

Each zone stands alone: a zone whose ``energy_uj`` cannot be read (``unreadable``, with
the reason) is dropped and the others are still used. When a package zone is unreadable
its ``dram`` subzone is still used, unless a readable ``psys`` is chosen instead (psys
contains the packages and, on most laptops, the memory: never summed with dram).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .sensor import Domain

DEFAULT_ROOT = "/sys/class/powercap"
# Per zone, when no power constraint is readable: the floor of the wrap guard (see rapl.py),
# generous on purpose because a double wrap between two reads would go unnoticed.
DEFAULT_MAX_POWER_W = 1000.0
_ZONE_DIR = re.compile(r"^(intel-rapl|intel-rapl-mmio):(\d+(?::\d+)*)$")
_PACKAGE = re.compile(r"^package-(\d+)(?:-die-(\d+))?$")

Opener = Callable[[str], int]


def default_opener(path: str) -> int:
    return os.open(path, os.O_RDONLY)


def read_file(path: Path, opener: Opener = default_opener) -> str:
    """Whole small sysfs file as text (one open, one pread, one close)."""
    fd = opener(str(path))
    try:
        return os.pread(fd, 4096, 0).decode("ascii", errors="replace").strip()
    finally:
        os.close(fd)


@dataclass(frozen=True)
class RaplZone:
    path: Path
    control: str  # "intel-rapl" or "intel-rapl-mmio"
    indices: tuple[int, ...]
    name: str
    max_energy_range_uj: int | None  # None: unreadable, wraps cannot be undone
    max_power_w: float  # floor of the wrap guard's power estimate (W), see rapl.py
    max_power_origin: str

    @property
    def zone_id(self) -> str:
        return f"{self.control}:" + ":".join(str(i) for i in self.indices)

    @property
    def parent_id(self) -> str | None:
        if len(self.indices) < 2:
            return None
        return f"{self.control}:" + ":".join(str(i) for i in self.indices[:-1])


@dataclass(frozen=True)
class RaplChoice:
    zone: RaplZone
    source: str  # e.g. rapl:package-0, rapl:dram-0, rapl:psys
    domain: Domain
    covers: str


@dataclass
class RaplPlan:
    """Zones chosen and dropped. After :func:`~.rapl.open_rapl`, ``chosen`` holds only the
    zones whose sensor opened, ``dropped`` every other zone with why (``"intel-rapl:0:2
    (dram)"``, ``"permission denied ..."``), and ``permission_denied`` the zone ids that
    failed with EACCES."""

    chosen: list[RaplChoice] = field(default_factory=list)
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (zone, why)
    permission_denied: list[str] = field(default_factory=list)  # zone ids

    @property
    def domains(self) -> set[Domain]:
        """What the chosen zones measure, e.g. {CPU_PACKAGE, DRAM}, or {DRAM} alone."""
        return {choice.domain for choice in self.chosen}


def _max_power(path: Path, opener: Opener) -> tuple[float, str]:
    best_uw = 0
    for entry in path.glob("constraint_*_*_uw"):
        if entry.name.endswith(("_max_power_uw", "_power_limit_uw")):
            try:
                best_uw = max(best_uw, int(read_file(entry, opener)))
            except (OSError, ValueError):
                continue
    if best_uw > 0:
        watts = min(max(1.5 * best_uw / 1e6, 10.0), 5000.0)
        return watts, f"1.5 x the zone's largest power constraint ({best_uw / 1e6:g} W)"
    return DEFAULT_MAX_POWER_W, f"default {DEFAULT_MAX_POWER_W:g} W (no readable constraint)"


def scan_zones(root: str | os.PathLike[str], opener: Opener = default_opener) -> list[RaplZone]:
    """All RAPL zones under ``root``, flat symlinks and nested subzone dirs alike.

    Raises ``FileNotFoundError`` / ``PermissionError`` when the root cannot be listed.
    A zone whose ``name`` cannot be read is skipped.
    """
    found: dict[str, Path] = {}
    pending = [p for p in Path(root).iterdir() if _ZONE_DIR.match(p.name)]
    while pending:
        path = pending.pop()
        if path.name in found or not path.is_dir():
            continue
        found[path.name] = path
        try:
            pending.extend(p for p in path.iterdir() if _ZONE_DIR.match(p.name))
        except OSError:
            continue
    zones = []
    for zone_id, path in sorted(found.items()):
        match = _ZONE_DIR.match(zone_id)
        assert match is not None
        try:
            name = read_file(path / "name", opener)
        except OSError:
            continue
        try:
            range_uj: int | None = int(read_file(path / "max_energy_range_uj", opener))
        except (OSError, ValueError):
            range_uj = None
        if range_uj is not None and range_uj <= 0:
            range_uj = None
        power_w, origin = _max_power(path, opener)
        indices = tuple(int(i) for i in match.group(2).split(":"))
        zones.append(RaplZone(path, match.group(1), indices, name, range_uj, power_w, origin))
    return zones


def plan(
    zones: list[RaplZone],
    read_uj: Callable[[RaplZone], int | None],
    unreadable: Mapping[str, str] | None = None,
) -> RaplPlan:
    """Choose non-overlapping zones (see module docstring). ``read_uj`` may return None;
    ``unreadable`` maps the zone ids whose counter cannot be read to why."""
    bad = dict(unreadable or {})
    result = RaplPlan()

    def drop(zone: RaplZone, why: str) -> None:
        result.dropped.append((f"{zone.zone_id} ({zone.name})", why))

    msr_names = {
        z.name for z in zones if z.control == "intel-rapl" and len(z.indices) == 1 and z.zone_id not in bad
    }
    tops: list[RaplZone] = []
    for zone in (z for z in zones if len(z.indices) == 1):
        if zone.control == "intel-rapl-mmio" and zone.name in msr_names:
            drop(zone, "MMIO duplicate of the MSR zone")
        else:
            tops.append(zone)
    packages = [z for z in tops if _PACKAGE.match(z.name)]
    broken = [z for z in packages if z.zone_id in bad]
    for zone in broken:
        drop(zone, bad[zone.zone_id])
    kept = _drop_mirrors([z for z in packages if z not in broken], read_uj, result)
    psys_chosen = False
    for zone in tops:
        if zone in packages:
            continue
        if zone.name != "psys":
            drop(zone, "unknown top-level zone")
        elif kept:
            drop(zone, "contains the package zones")
        elif zone.zone_id in bad:
            drop(zone, bad[zone.zone_id])
        else:
            covers = "whole platform (SoC and, on most laptops, memory), all processes"
            result.chosen.append(RaplChoice(zone, "rapl:psys", Domain.PSYS, covers))
            psys_chosen = True
    handled: set[str] = set()
    for package in [*kept, *broken]:
        label = package.name.removeprefix("package-")
        if package in kept:
            covers = f"CPU {package.name} (cores, caches, uncore), all processes"
            result.chosen.append(RaplChoice(package, f"rapl:{package.name}", Domain.CPU_PACKAGE, covers))
        for sub in (z for z in zones if z.parent_id == package.zone_id):
            handled.add(sub.zone_id)
            if sub.name != "dram":
                drop(sub, f"inside {package.name}")
            elif sub.zone_id in bad:
                drop(sub, bad[sub.zone_id])
            elif psys_chosen:
                drop(sub, "psys is used instead (it contains memory on most platforms)")
            else:
                covers = f"DRAM attached to {package.name}, all processes"
                result.chosen.append(RaplChoice(sub, f"rapl:dram-{label}", Domain.DRAM, covers))
    by_id = {z.zone_id: z for z in zones}
    for sub in zones:
        parent = by_id.get(sub.parent_id or "")
        if parent is None or sub.zone_id in handled:
            continue
        chosen = any(c.zone is parent for c in result.chosen)
        drop(sub, f"inside {parent.name}" if chosen else f"inside dropped {parent.zone_id}")
    seen: dict[str, int] = {}
    for choice in result.chosen:
        seen[choice.source] = seen.get(choice.source, 0) + 1
    result.chosen = [
        RaplChoice(c.zone, f"{c.source}@{c.zone.zone_id}", c.domain, c.covers)
        if seen[c.source] > 1 else c
        for c in result.chosen
    ]
    return result


def _drop_mirrors(
    packages: list[RaplZone], read_uj: Callable[[RaplZone], int | None], result: RaplPlan
) -> list[RaplZone]:
    """Keep one of each group of zones of the same package that read the same counter."""
    groups: dict[str, list[RaplZone]] = {}
    for zone in packages:
        match = _PACKAGE.match(zone.name)
        assert match is not None
        groups.setdefault(match.group(1), []).append(zone)
    kept: list[RaplZone] = []
    for group in groups.values():
        # two rounds: a counter that ticks between two reads is caught by the other round
        rounds = [[read_uj(z) for z in group] for _ in range(2)]
        for i, zone in enumerate(group):
            twin = next(
                (
                    group[j]
                    for j in range(i)
                    if group[j] in kept
                    and group[j].max_energy_range_uj == zone.max_energy_range_uj
                    and any(r[i] is not None and r[i] == r[j] for r in rounds)
                ),
                None,
            )
            if twin is None:
                kept.append(zone)
            else:
                why = f"mirrors {twin.zone_id} ({twin.name}): identical counter"
                result.dropped.append((f"{zone.zone_id} ({zone.name})", why))
    return kept
