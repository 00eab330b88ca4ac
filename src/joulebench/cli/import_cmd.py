"""``joulebench import codecarbon PATH...``: CodeCarbon CSV logs into the store."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from ..errors import DataError, UsageError, closest
from .common import db_path


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
            "changes nothing, unless --relabel: then its task, model and dataset labels "
            "follow the new index or options. Each file imports whole or not at all; "
            "paths, the index and task names are checked before anything is stored."
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
    cc.add_argument(
        "--relabel",
        action="store_true",
        help="update the labels (task, model, dataset, query count, study flags) of runs "
        "already stored from an earlier import; their measurements stay as they are",
    )
    parser.set_defaults(func=run)


def _check_labels(args: argparse.Namespace, index: Any) -> None:
    """Task names (``--task``, the index's) must be joulebench's, before anything is stored."""
    from ..store.codecarbon_index import check_tasks
    from ..tasks.catalog import task_names

    known = task_names()
    if args.task is not None and args.task not in known:
        raise UsageError(f"--task {args.task!r} is not a joulebench task{closest(args.task, known)}",
                         hint="tasks: " + ", ".join(known))
    if index is not None:
        check_tasks(index, known)


def run(args: argparse.Namespace) -> int:
    from ..store import Store
    from ..store.codecarbon_import import Labels, read_paths, write_records
    from ..store.codecarbon_index import load_index

    if getattr(args, "source", None) != "codecarbon":
        raise UsageError("import what?", hint="joulebench import codecarbon PATH...")
    if args.n_queries is not None and args.n_queries <= 0:
        raise UsageError(f"--n-queries must be positive, got {args.n_queries}")
    started = time.perf_counter()
    # Everything that can be checked is checked before the store is opened (or created).
    index = None
    if args.index:
        index, problems = load_index(args.index)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise DataError(f"index: {problems[0]}{more}; nothing was imported",
                            hint="fix or leave out that index file")
    _check_labels(args, index)
    labels = Labels(args.task, args.model, args.dataset, args.n_queries)
    records, report = read_paths(args.paths, index=index, labels=labels)
    for line in report.errors:
        print(f"error: {line}", file=sys.stderr)
    if not records:
        raise DataError(f"no runs to import from {report.files} file(s); nothing was stored")
    with Store.open(db_path(args), create=True) as store:
        write_records(store, records, report, relabel=args.relabel)
    for line in report.warnings:
        print(f"warning: {line}", file=sys.stderr)
    elapsed = time.perf_counter() - started
    relabelled = f", {report.runs_relabelled} relabelled" if args.relabel else ""
    print(
        f"read {report.files} files, {report.runs_read} runs: {report.runs_new} new, "
        f"{report.runs_already_stored} already stored{relabelled} ({elapsed:.1f} s)"
    )
    if report.runs_differing:
        print(
            f"warning: {report.runs_differing} run(s) already stored with other labels were left "
            "as they are; add --relabel to give them the new ones",
            file=sys.stderr,
        )
    if report.unindexed_runs:
        print(
            f"{report.unindexed_runs} runs are not in the index: imported without task and dataset",
            file=sys.stderr,
        )
    if report.errors:
        raise DataError(f"{len(report.errors)} file(s) could not be imported; the others were")
    return 0
