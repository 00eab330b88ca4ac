"""Options shared by several commands."""

from __future__ import annotations

import argparse
from typing import Any


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
