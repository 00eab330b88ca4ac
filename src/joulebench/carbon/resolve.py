"""Turn what the user said (or configured) into a :class:`CarbonContext`.

Precedence: explicit arguments, then the configuration (a given mapping, or the first
configuration file found, see :mod:`joulebench.carbon.config`), then the world average.
The location is one of ``country``, ``region`` or ``intensity_g_per_kwh``; giving two at
the same level is an error. ``pue`` is chosen on its own by the same precedence
(default 1.0, meaning IT energy only). Nothing is geolocated.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import UsageError
from . import grid
from .config import CarbonConfig, find_config, from_mapping, load_config
from .context import CarbonContext

ConfigArg = CarbonConfig | Mapping[str, Any] | str | Path | None


def resolve(
    country: str | None = None,
    region: str | None = None,
    intensity_g_per_kwh: float | None = None,
    pue: float | None = None,
    config: ConfigArg = None,
) -> CarbonContext:
    """The carbon context for a run; ``source`` always says where the figure comes from.

    ``config`` may be a :class:`CarbonConfig`, a ``[carbon]`` mapping (or a whole config
    document holding a ``carbon`` table), or a path to a TOML file; ``None`` searches the
    usual configuration files.
    """
    explicit = _location_count(country, region, intensity_g_per_kwh, origin="arguments")
    cfg = _config(config) if explicit == 0 or pue is None else None
    pue_value, pue_origin = (pue, "argument") if pue is not None else (None, "")
    if pue_value is None and cfg is not None and cfg.pue is not None:
        pue_value, pue_origin = cfg.pue, cfg.origin
    checked_pue = _check_pue(1.0 if pue_value is None else pue_value, pue_origin)

    if explicit:
        return _context(country, region, intensity_g_per_kwh, checked_pue, origin=None)
    if cfg is not None and _location_count(
        cfg.country, cfg.region, cfg.intensity_g_per_kwh, origin=cfg.origin
    ):
        return _context(
            cfg.country, cfg.region, cfg.intensity_g_per_kwh, checked_pue, origin=cfg.origin
        )
    world = grid.world_average()
    return CarbonContext(
        intensity_g_per_kwh=world.intensity_g_per_kwh,
        source=f"default {world.source} [grid data {grid.dataset_version()}]",
        region=None,
        year=world.year,
        pue=checked_pue,
    )


def _config(config: ConfigArg) -> CarbonConfig | None:
    if config is None:
        return find_config()
    if isinstance(config, CarbonConfig):
        return config
    if isinstance(config, str | Path):
        return load_config(Path(config))
    table = config.get("carbon", config)
    if not isinstance(table, Mapping):
        raise UsageError("config: [carbon] must be a table")
    return from_mapping(table, origin="config")


def _location_count(
    country: str | None, region: str | None, intensity: float | None, *, origin: str
) -> int:
    given = [
        name
        for name, value in (
            ("country", country),
            ("region", region),
            ("intensity_g_per_kwh", intensity),
        )
        if value is not None
    ]
    if len(given) > 1:
        raise UsageError(
            f"{origin}: give one of country, region or intensity_g_per_kwh, not "
            f"{' and '.join(given)}"
        )
    return len(given)


def _check_pue(value: float, origin: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UsageError(f"PUE must be a number, not {value!r}")
    if not math.isfinite(value) or value < 1.0:
        where = f" ({origin})" if origin else ""
        raise UsageError(
            f"PUE must be a finite number >= 1.0, not {value!r}{where}",
            hint="PUE is facility energy / IT energy; 1.0 counts IT energy only",
        )
    return float(value)


def _check_intensity(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UsageError(f"grid intensity must be a number, not {value!r}")
    if not math.isfinite(value) or value < 0:
        raise UsageError(f"grid intensity must be a finite number >= 0 g CO2eq/kWh, not {value!r}")
    return float(value)


def _context(
    country: str | None,
    region: str | None,
    intensity: float | None,
    pue: float,
    *,
    origin: str | None,
) -> CarbonContext:
    via = f" via {origin}" if origin else ""
    if intensity is not None:
        return CarbonContext(
            intensity_g_per_kwh=_check_intensity(intensity),
            source=f"user{via}",
            region=None,
            year=None,
            pue=pue,
        )
    version = grid.dataset_version()
    entry = grid.country(country) if country is not None else grid.region(str(region))
    return CarbonContext(
        intensity_g_per_kwh=entry.intensity_g_per_kwh,
        source=f"{entry.source}{via} [grid data {version}]",
        region=entry.key,
        year=entry.year,
        pue=pue,
    )
