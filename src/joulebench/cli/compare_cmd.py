"""``joulebench compare A B``: two runs, models or stores side by side.

Each side is a run id, a model name (its runs in the store) or the path of another
store (all its runs). Energy per 1,000 queries is the query phase. A difference counts
as beyond run-to-run noise when Welch's t-test (two-sided, 5%) says so; with fewer than
two runs on a side there is no test.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..errors import UsageError
from .main import db_path


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="compare two runs, models or stores (energy per 1,000 queries)",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    parser.add_argument("a", metavar="A", help="run id, model name or store path")
    parser.add_argument("b", metavar="B", help="run id, model name or store path")
    for name in ("task", "dataset"):
        parser.add_argument(f"--{name}", default=None, help=f"only runs with this {name}")
    parser.set_defaults(func=run)


def _resolve(spec: str, args: argparse.Namespace) -> tuple[str, list[Any]]:
    from ..store import Store

    filters = {"task": args.task, "dataset": args.dataset, "status": "ok"}
    if Path(spec).is_file():
        with Store.open(spec, create=False) as other:
            return f"store {spec}", other.runs(**filters)
    path = db_path(args)
    if not Path(path).is_file():
        raise UsageError(f"{spec!r} is not a store file, and there is no store at {path!r}")
    with Store.open(path, create=False) as store:
        if store.has_run(spec):
            run = store.get_run(spec)
            return f"run {spec}", [run] if run is not None else []
        found = store.runs(model=spec, **filters)
    if not found:
        raise UsageError(
            f"no run, model or store named {spec!r} in {path!r}",
            hint="give a run id, a model name in the store, or the path of a store file",
        )
    return f"model {spec}", found


def run(args: argparse.Namespace) -> int:
    from .. import units
    from ..analysis import compare_values, samples
    from ._format import number, table

    sides = []
    for spec in (args.a, args.b):
        label, records = _resolve(spec, args)
        values = [s.energy_j_per_1000_queries for s in samples(records)]
        if not values:
            raise UsageError(f"{label}: no measured runs with a query count to compare")
        sides.append((label, values))
    (label_a, va), (label_b, vb) = sides
    c = compare_values(va, vb)
    top = max(abs(c.a.mean), abs(c.b.mean))
    unit, per = (
        ("J", 1.0)
        if top < units.J_PER_WH
        else ("Wh", units.J_PER_WH)
        if top < units.J_PER_KWH
        else ("kWh", units.J_PER_KWH)
    )

    def energy(value_j: float | None) -> str:
        return "n/a" if value_j is None else f"{value_j / per:.4g} {unit}"

    def ci(s: Any) -> str:
        if s.ci95_low is None:
            return "n/a (1 run)"
        return f"{energy(s.ci95_low)} .. {energy(s.ci95_high)}"

    def pm(s: Any) -> str:
        half = s.ci95_half_width
        return energy(s.mean) + ("" if half is None else f" ± {energy(half)}")

    rows = [
        ["runs", str(c.a.n), str(c.b.n)],
        ["energy / 1,000 queries (mean ± 95% CI)", pm(c.a), pm(c.b)],
        ["95% interval", ci(c.a), ci(c.b)],
        ["median", energy(c.a.median), energy(c.b.median)],
        ["std", energy(c.a.std), energy(c.b.std)],
    ]
    print(table(["", "A: " + label_a, "B: " + label_b], rows))
    print()
    print(f"ratio B/A: {number(c.ratio_b_over_a, 4)}")
    if c.test is None:
        print("noise test: none (Welch's t-test needs at least 2 runs on each side)")
    else:
        verdict = "beyond" if c.significant else "within"
        print(
            f"Welch's t-test: t = {c.test.t:.3g}, df = {c.test.df:.3g}, "
            f"p = {c.test.p_value:.3g}: the difference is {verdict} run-to-run noise (5% level)"
        )
    return 0
