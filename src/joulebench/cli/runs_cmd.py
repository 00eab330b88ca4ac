"""``joulebench runs``: list the stored runs (id, date, task, model, dataset, device, energy)."""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import UsageError, closest

EXAMPLES = """\
examples:
  joulebench runs
  joulebench runs --task text-classification --status ok
  joulebench runs --model random:gpt2 --last 20
"""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "runs",
        help="list the stored runs, with filters",
        description="List the runs in the store, oldest first, with their ids (any unique "
        "prefix of an id works in `joulebench compare`).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for field in ("task", "model", "dataset", "suite"):
        p.add_argument(f"--{field}", help=f"only runs of this {field} (exact name)")
    p.add_argument("--kind", help="benchmark, measure or import")
    p.add_argument("--status", help="ok or failed")
    p.add_argument("--last", type=int, metavar="N", help="only the N most recent runs")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..report.terminal import runs_table
    from ..store import Store
    from .common import db_path

    if args.last is not None and args.last < 1:
        raise UsageError(f"--last must be >= 1, got {args.last}")
    path = db_path(args)
    with Store.open(path, create=False) as store:
        filters: dict[str, str] = {}
        for field in ("task", "model", "dataset", "suite", "kind", "status"):
            value = getattr(args, field)
            if value is None:
                continue
            known = store.distinct(field)
            if value not in known:
                raise UsageError(
                    f"no run with {field} {value!r} in {path}{closest(value, known)}",
                    hint=f"{field}s in the store: " + (", ".join(known[:12]) or "none")
                    + (" ..." if len(known) > 12 else ""),
                )
            filters[field] = value
        records = store.runs(**filters)
    if args.last is not None:
        records = records[-args.last :]
    if not records:
        print(f"no runs in {path}")
        return 0
    print(runs_table(records))
    return 0
