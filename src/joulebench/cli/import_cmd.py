"""``joulebench import codecarbon PATH...``: CodeCarbon CSV logs into the store."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from ..errors import DataError, UsageError
from .main import db_path


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "import",
        help="import other tools' logs (CodeCarbon CSV) into the store",
        description="Import measurements made by other tools into the results store.",
    )
    sub = parser.add_subparsers(dest="source", metavar="SOURCE")
    cc = sub.add_parser(
        "codecarbon",
        help="CodeCarbon emissions.csv or task logs (any version)",
        description=(
            "Import CodeCarbon CSVs (1.x, 2.x, 3.x; emissions.csv or task logs with "
            "task_name). Directories give their *.csv files. Re-importing a run id "
            "changes nothing. Each file imports whole or not at all."
        ),
    )
    cc.add_argument("paths", nargs="+", metavar="PATH", help="CSV files or directories")
    cc.add_argument(
        "--index",
        action="append",
        default=[],
        metavar="PATH_OR_DIR",
        help="run id -> task/model/dataset: the study's data/emissions/complete directory, "
        "a CSV with run_id,task,model,dataset, performance.csv (repeatable)",
    )
    cc.add_argument("--task", default=None, help="task of every imported run")
    cc.add_argument("--model", default=None, help="model of every imported run")
    cc.add_argument("--dataset", default=None, help="dataset of every imported run")
    cc.add_argument("--n-queries", type=int, default=None, help="queries per run (the study: 1000)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..store import Store
    from ..store.codecarbon_import import Labels, import_paths
    from ..store.codecarbon_index import load_index

    if getattr(args, "source", None) != "codecarbon":
        raise UsageError("import what?", hint="joulebench import codecarbon PATH...")
    if args.n_queries is not None and args.n_queries <= 0:
        raise UsageError(f"--n-queries must be positive, got {args.n_queries}")
    started = time.perf_counter()
    index = None
    problems: list[str] = []
    if args.index:
        index, problems = load_index(args.index)
    labels = Labels(args.task, args.model, args.dataset, args.n_queries)
    with Store.open(db_path(args), create=True) as store:
        report = import_paths(store, args.paths, index=index, labels=labels)
    for line in problems + report.errors:
        print(f"error: {line}", file=sys.stderr)
    for line in report.warnings:
        print(f"warning: {line}", file=sys.stderr)
    elapsed = time.perf_counter() - started
    print(
        f"read {report.files} files, {report.runs_read} runs: {report.runs_new} new, "
        f"{report.runs_already_stored} already stored ({elapsed:.1f} s)"
    )
    if report.unindexed_runs:
        print(
            f"{report.unindexed_runs} runs are not in the index: imported without task and dataset",
            file=sys.stderr,
        )
    failed = len(report.errors) + len(problems)
    if failed:
        raise DataError(f"{failed} file(s) could not be imported; the others were")
    return 0
