"""``joulebench export``: stored runs as CSV, Parquet or CodeCarbon's emissions.csv."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..errors import StoreError
from .common import db_path


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export",
        epilog=(
            "examples:\n"
            "  joulebench export --output runs.csv\n"
            "  joulebench export --format codecarbon --output emissions.csv --task summarization\n"
            "  joulebench export --format parquet --output runs.parquet"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="export stored runs (csv, parquet, codecarbon)",
        description=(
            "Export stored runs: csv (one row per run, energy per domain with provenance), "
            "parquet (same rows; needs the 'parquet' extra), codecarbon (CodeCarbon 3.x "
            "emissions.csv columns: kWh, kg CO2eq). Unknown figures are empty cells."
        ),
    )
    parser.add_argument("--format", choices=("csv", "parquet", "codecarbon", "jsonl"),
                        default="csv",
                        help="csv (default), parquet, codecarbon (emissions.csv columns), or "
                             "jsonl (one line per query of runs made with --keep-outputs)")
    parser.add_argument(
        "--output",
        "-o",
        metavar="PATH",
        default=None,
        help="file to write (atomically); default stdout (required for parquet)",
    )
    for name in ("task", "model", "dataset", "status", "kind", "suite"):
        parser.add_argument(f"--{name}", default=None, help=f"only runs with this {name}")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..store import Store
    from ..store.export import export

    path = db_path(args)
    with Store.open(path, create=False) as store:
        records = store.runs(
            task=args.task,
            model=args.model,
            dataset=args.dataset,
            status=args.status,
            kind=args.kind,
            suite=args.suite,
        )
    if not records:
        raise StoreError(
            f"no runs to export in {path!r}",
            hint="run `joulebench run` or `joulebench import` first, or relax the filters",
        )
    export(records, args.format, args.output, sys.stdout)
    if args.output is not None:
        print(f"wrote {len(records)} runs to {args.output}", file=sys.stderr)
    return 0
