"""``joulebench breakeven``: queries until inference has used as much energy as training."""

from __future__ import annotations

import argparse
import math
from typing import Any

from ..errors import StoreError, UsageError
from .common import db_path


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "breakeven",
        epilog=(
            "examples:\n"
            "  joulebench breakeven --training-kwh 1000 --model random:distilgpt2 "
            "--queries-per-day 1e6\n"
            "  joulebench breakeven --training-kwh 50000 --finetune-kwh 200 "
            "--kwh-per-query 0.0003"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="inferences until inference energy equals training + fine-tuning energy",
        description=(
            "How many queries (and days, given a rate) until inference has used as much "
            "energy as training and fine-tuning. --model reads the store's mean "
            "query-phase energy per query for that model (all its tasks and datasets)."
        ),
    )
    parser.add_argument("--training-kwh", type=float, required=True, metavar="X",
                        help="energy of training the model, kWh (required)")
    parser.add_argument("--finetune-kwh", type=float, default=0.0, metavar="Y",
                        help="energy of fine-tuning it, kWh (default 0)")
    per = parser.add_mutually_exclusive_group(required=True)
    per.add_argument("--model", metavar="M",
                     help="take the energy per query from the store's runs of this model")
    per.add_argument("--kwh-per-query", type=float, metavar="Q",
                     help="or give the inference energy per query, kWh")
    parser.add_argument("--queries-per-day", type=float, default=None, metavar="D",
                        help="queries per day, to say how many days until break-even")
    parser.set_defaults(func=run)


def _model_kwh_per_query(args: argparse.Namespace) -> float:
    from .. import units
    from ..analysis import samples
    from ..store import Store

    with Store.open(db_path(args), create=False) as store:
        records = store.runs(model=args.model)
    found = samples(records)
    if not found:
        raise StoreError(
            f"no measured runs of model {args.model!r} in {db_path(args)!r}",
            hint="run or import that model first, or pass --kwh-per-query",
        )
    mean_j = sum(s.energy_j_per_1000_queries for s in found) / len(found) / 1000.0
    return units.j_to_kwh(mean_j)


def run(args: argparse.Namespace) -> int:
    from ..analysis import breakeven

    for name in ("training_kwh", "finetune_kwh", "kwh_per_query", "queries_per_day"):
        v = getattr(args, name)
        if v is not None and (math.isnan(v) or math.isinf(v)):
            raise UsageError(f"--{name.replace('_', '-')} must be a finite number")
    kwh_per_query = args.kwh_per_query if args.model is None else _model_kwh_per_query(args)
    be = breakeven(
        args.training_kwh,
        args.finetune_kwh,
        kwh_per_query=kwh_per_query,
        queries_per_day=args.queries_per_day,
    )
    print(f"training + fine-tuning: {be.training_kwh + be.finetune_kwh:.6g} kWh")
    print(f"inference: {be.kwh_per_query:.6g} kWh per query")
    print(f"break-even after {be.inferences:,.0f} inferences")
    if be.days is not None:
        print(f"  = {be.days:,.1f} days at {be.queries_per_day:,.0f} queries per day")
    return 0
