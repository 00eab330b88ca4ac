"""``joulebench suites``: the shipped suites with their job counts."""

from __future__ import annotations

import argparse
from typing import Any

from . import _format


def register(sub: Any) -> None:
    p = sub.add_parser(
        "suites",
        help="list the benchmark suites and their sizes",
        description="List the built-in suites (quick, paper, energy-score): jobs, models, "
        "datasets and measured queries of each. Run one with `joulebench run --suite NAME`; "
        "`joulebench run --suite NAME --dry-run` lists its jobs and a rough cost; a suite can "
        "also be a .toml file of your own.",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..bench.suite import DEFAULT_SUITE, load_suite, suite_names

    rows = []
    for name in suite_names():
        suite = load_suite(name)
        c = suite.counts()
        rows.append([
            name + (" (default)" if name == DEFAULT_SUITE else ""),
            str(c["jobs"]), str(c["models"]), str(c["datasets"]), f"{c['queries']:,}",
            suite.description,
        ])
    print(_format.table(["suite", "jobs", "models", "datasets", "queries", "description"], rows,
                        right=(1, 2, 3, 4)))
    print("\nrun one: joulebench run --suite NAME  (add --dry-run to see its jobs)")
    return 0
