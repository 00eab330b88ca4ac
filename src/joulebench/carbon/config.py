"""The ``[carbon]`` table of the user's configuration file.

Searched in order (the first that exists wins; nothing is geolocated):

1. ``$JOULEBENCH_CONFIG`` (an error if set but missing),
2. ``./joulebench.toml``,
3. ``$XDG_CONFIG_HOME/joulebench/config.toml`` (default ``~/.config/joulebench/config.toml``).

::

    [carbon]
    country = "FRA"              # or region = "aws:us-west-2", or intensity_g_per_kwh = 56
    pue = 1.2
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UsageError, closest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 needs the tomli backport
    import tomli as tomllib

KEYS = ("country", "region", "intensity_g_per_kwh", "pue")


@dataclass(frozen=True)
class CarbonConfig:
    """Carbon settings from a file (or a mapping); ``origin`` names where they came from."""

    origin: str
    country: str | None = None
    region: str | None = None
    intensity_g_per_kwh: float | None = None
    pue: float | None = None


def config_paths(
    *, cwd: Path | None = None, environ: Mapping[str, str] | None = None
) -> list[Path]:
    """Candidate configuration files, in search order."""
    env = os.environ if environ is None else environ
    paths: list[Path] = []
    if env.get("JOULEBENCH_CONFIG"):
        paths.append(Path(env["JOULEBENCH_CONFIG"]).expanduser())
    paths.append((cwd or Path.cwd()) / "joulebench.toml")
    xdg = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".config")
    paths.append(Path(xdg) / "joulebench" / "config.toml")
    return paths


def find_config(
    *, cwd: Path | None = None, environ: Mapping[str, str] | None = None
) -> CarbonConfig | None:
    """Load the first configuration file found, or ``None`` when there is none."""
    env = os.environ if environ is None else environ
    paths = config_paths(cwd=cwd, environ=env)
    if env.get("JOULEBENCH_CONFIG") and not paths[0].is_file():
        raise UsageError(
            f"$JOULEBENCH_CONFIG names {str(paths[0])!r}, which is not a file",
            hint="fix or unset JOULEBENCH_CONFIG",
        )
    for path in paths:
        if path.is_file():
            return load_config(path)
    return None


def load_config(path: Path) -> CarbonConfig:
    try:
        with path.open("rb") as f:
            doc = tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"cannot parse config file {str(path)!r}: {exc}") from exc
    except OSError as exc:
        raise UsageError(f"cannot read config file {str(path)!r}: {exc.strerror}") from exc
    table = doc.get("carbon", {})
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [carbon] must be a table")
    return from_mapping(table, origin=f"config {path}")


def from_mapping(table: Mapping[str, Any], *, origin: str) -> CarbonConfig:
    """Validate a ``[carbon]`` table (types only; values are checked by ``resolve``)."""
    for key in table:
        if key not in KEYS:
            raise UsageError(
                f"{origin}: unknown [carbon] key {key!r}{closest(key, KEYS)}",
                hint=f"valid keys: {', '.join(KEYS)}",
            )
    return CarbonConfig(
        origin=origin,
        country=_opt_str(table, "country", origin),
        region=_opt_str(table, "region", origin),
        intensity_g_per_kwh=_opt_float(table, "intensity_g_per_kwh", origin),
        pue=_opt_float(table, "pue", origin),
    )


def _opt_str(table: Mapping[str, Any], key: str, origin: str) -> str | None:
    value = table.get(key)
    if value is None or isinstance(value, str):
        return value
    raise UsageError(f"{origin}: [carbon] {key} must be a string, not {value!r}")


def _opt_float(table: Mapping[str, Any], key: str, origin: str) -> float | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UsageError(f"{origin}: [carbon] {key} must be a number, not {value!r}")
    result = float(value)
    if not math.isfinite(result):
        raise UsageError(f"{origin}: [carbon] {key} must be finite, not {value!r}")
    return result
