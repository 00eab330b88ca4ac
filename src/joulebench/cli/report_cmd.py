"""``joulebench report``: write the results store as HTML (default), Markdown, JSON or CSV."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "report",
        help="write a report of the stored runs (HTML, Markdown, JSON, CSV)",
        description=(
            "Write a report of the runs in the results store: leaderboards per task, energy "
            "by task (log scale), energy against parameters, task-specific against "
            "multi-purpose models, equivalents, environment and methodology. HTML is one "
            "self-contained file that needs no network to view."
        ),
    )
    p.add_argument("--format", default="html", metavar="FORMAT",
                   help="output format: html (default), md, json, csv, or a plugin's view")
    p.add_argument(
        "--output",
        "-o",
        metavar="PATH",
        default=None,
        help="where to write it (default ./joulebench-report.<format>; '-' for stdout)",
    )
    p.add_argument(
        "--reference-study",
        action="store_true",
        help="show the Power Hungry Processing study's per-task figures (Table 2) as a "
        "reference series",
    )
    p.add_argument(
        "--task",
        nargs="+",
        action="extend",
        metavar="T",
        default=[],
        help="only these tasks (e.g. text-classification summarization)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import StoreError
    from ..report import VIEWS, default_name, render, write_report
    from ..report.build import build_report, failed_summary
    from ..store import Store
    from .common import db_path

    VIEWS.get(args.format)  # an unknown format (or a broken plugin view) fails first
    path = db_path(args)
    with Store.open(path, create=False) as store:
        records = store.runs()
    if not records:
        raise StoreError(
            f"the store {path!r} holds no runs; run `joulebench run` first",
            hint="or `joulebench import` a CodeCarbon CSV",
        )
    report = build_report(
        records, reference_study=args.reference_study, tasks=args.task, store=path
    )
    if not report.tasks and not report.per_run and not report.endpoints:
        failed = failed_summary(records)
        why = "; ".join(f"{e} ({n})" for e, n in failed.top_errors)
        if failed.n_failed == len(records):
            message = f"all {failed.n_failed} run(s) in the store {path!r} failed: {why}"
        else:
            message = (
                f"none of the {len(records)} run(s) in the store {path!r} has a usable "
                f"measurement ({failed.n_failed} failed{': ' + why if why else ''})"
            )
        raise StoreError(message, hint="fix the cause, then `joulebench run` again")
    text = render(report, args.format)
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    target = write_report(text, args.output or default_name(args.format))
    n_runs = report.methodology.n_runs
    what = f"{n_runs:,} run(s) over {len(report.tasks)} task(s)" if report.tasks else ""
    if report.per_run:
        what += f"{' and ' if what else ''}{len(report.per_run):,} run(s) without per-query figures"
    print(f"wrote {args.format} report of {what} to {target.resolve()}")
    if report.failed.n_failed:
        print(f"note: {report.failed.n_failed:,} failed run(s) left out", file=sys.stderr)
    return 0
