"""Options shared by several commands."""

from __future__ import annotations

import argparse
from typing import Any


def db_path(args: argparse.Namespace) -> str:
    """The store path: ``--db``, then ``$JOULEBENCH_DB``, then ``./joulebench.db``."""
    import os

    return args.db or os.environ.get("JOULEBENCH_DB") or "joulebench.db"


def add_carbon_options(p: argparse.ArgumentParser) -> None:
    where = p.add_mutually_exclusive_group()
    where.add_argument("--country", metavar="ISO3", help="grid intensity of a country, e.g. FRA")
    where.add_argument("--region", help="cloud region, e.g. aws:us-west-2")
    where.add_argument(
        "--intensity", type=float, metavar="G", help="grid intensity in g CO2eq/kWh (overrides)"
    )
    p.add_argument("--pue", type=float, default=None, help="power usage effectiveness (default 1.0)")


def carbon_from_args(args: argparse.Namespace) -> Any:
    from ..carbon import resolve

    return resolve(
        country=args.country,
        region=args.region,
        intensity_g_per_kwh=args.intensity,
        pue=args.pue,
    )


def add_sensor_options(p: argparse.ArgumentParser) -> None:
    """--scope and the CPU/DRAM model settings (checked before anything is measured)."""
    from ..measure.sensor import SCOPE_HELP, SCOPES

    p.add_argument(
        "--scope", default="machine", metavar="|".join(SCOPES),
        help=f"what the figures cover (default machine). {SCOPE_HELP}",
    )
    p.add_argument(
        "--cpu-tdp-w", type=float, default=None, metavar="W",
        help="the CPU model's maximum power in W (all sockets); default: TDP table x sockets",
    )
    p.add_argument(
        "--dram-w-per-gb", type=float, default=None, metavar="W",
        help="the DRAM model's watts per GB in use (default 0.3725, Green Algorithms)",
    )


def _positive(name: str, value: float | None, unit: str) -> float | None:
    import math

    from ..errors import UsageError

    if value is not None and (not math.isfinite(value) or value <= 0):
        raise UsageError(f"{name} must be a positive finite number of {unit}, got {value:g}")
    return value


def sensor_settings(args: argparse.Namespace) -> dict[str, Any]:
    """``discover()`` keyword arguments from the sensor options, or a UsageError."""
    from ..measure.sensor import check_scope

    return {
        "scope": check_scope(args.scope),
        "cpu_tdp_w": _positive("--cpu-tdp-w", args.cpu_tdp_w, "watts"),
        "dram_w_per_gb": _positive("--dram-w-per-gb", args.dram_w_per_gb, "watts per GB"),
    }


def check_seconds(name: str, value: float) -> float:
    import math

    from ..errors import UsageError

    if not math.isfinite(value) or value < 0:
        raise UsageError(f"{name} must be a finite number of seconds >= 0, got {value:g}")
    return value
