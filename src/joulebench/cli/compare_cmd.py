"""``joulebench compare A B``: two runs, models or stores side by side, per task and dataset.

Each side is a run id (or any unique prefix of one: `joulebench runs` lists them), a
model name (its runs in the store) or the path of another store (all its runs). Runs are
compared **per (task, dataset)** present on both sides, never pooled across cells: energy
per 1,000 queries of the query phase, the ratio B/A, and whether the difference is
beyond run-to-run noise (Welch's t-test, two-sided, 5 %; none with fewer than two runs on
a side). Sides of different tasks are refused (`--task` picks one); a difference of
hardware or measurement scope within a pair is said on that pair.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..errors import UsageError, closest

EXAMPLES = """\
examples:
  joulebench compare distilgpt2 gpt2
  joulebench compare 8c16 4a29                  # run id prefixes (see `joulebench runs`)
  joulebench compare laptop.db server.db --task text-classification
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="compare two runs, models or stores per task and dataset",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("a", metavar="A", help="run id or prefix, model name, or store path")
    parser.add_argument("b", metavar="B", help="run id or prefix, model name, or store path")
    for name in ("task", "dataset"):
        parser.add_argument(f"--{name}", default=None, help=f"only runs with this {name}")
    parser.set_defaults(func=run)


def _from_store(store: Any, spec: str, filters: dict[str, Any], path: str) -> tuple[str, list[Any]]:
    if store.has_run(spec):
        return f"run {spec[:8]}", [store.get_run(spec)]
    prefixed = store.runs_with_id_prefix(spec) if len(spec) >= 4 else []
    if len(prefixed) > 1:
        listed = ", ".join(f"{r.run_id[:12]} ({r.model}, {r.task})" for r in prefixed[:6])
        raise UsageError(
            f"run id prefix {spec!r} matches {len(prefixed)} runs: {listed}",
            hint="give more characters of the id (see `joulebench runs`)",
        )
    if len(prefixed) == 1:
        return f"run {prefixed[0].run_id[:8]}", prefixed
    found = store.runs(model=spec, **filters)
    if found:
        return f"model {spec}", found
    models = store.distinct("model")
    raise UsageError(
        f"no run, model or store named {spec!r} in {path!r}{closest(spec, models)}",
        hint="give a run id (or prefix), a model name in the store, or a store file; "
        "`joulebench runs` lists them",
    )


def _resolve(spec: str, args: argparse.Namespace) -> tuple[str, list[Any]]:
    from ..store import Store
    from .common import db_path

    filters = {"task": args.task, "dataset": args.dataset, "status": "ok"}
    if Path(spec).is_file():
        with Store.open(spec, create=False) as other:
            return f"store {spec}", other.runs(**filters)
    path = db_path(args)
    if not Path(path).is_file():
        raise UsageError(f"{spec!r} is not a store file, and there is no store at {path!r}")
    with Store.open(path, create=False) as store:
        return _from_store(store, spec, filters, path)


def run(args: argparse.Namespace) -> int:
    from ..analysis import pair_runs, run_sample
    from ._format import wrap

    (label_a, runs_a), (label_b, runs_b) = (_resolve(s, args) for s in (args.a, args.b))

    def value(record: Any) -> float | None:
        sample = run_sample(record)
        return None if sample is None else sample.energy_j_per_1000_queries

    for label, runs in ((label_a, runs_a), (label_b, runs_b)):
        if not any(value(r) is not None for r in runs):
            raise UsageError(f"{label}: no measured runs with a query count to compare")
    pairing = pair_runs(runs_a, runs_b, value)
    if not pairing.pairs:
        a, b = ", ".join(pairing.tasks_a), ", ".join(pairing.tasks_b)
        if set(pairing.tasks_a).isdisjoint(pairing.tasks_b):
            raise UsageError(
                f"A ({label_a}) and B ({label_b}) share no task: A is {a}, B is {b}; "
                "energy per query of different tasks is not comparable",
                hint="compare runs of one task (pick it with --task)",
            )
        raise UsageError(
            f"A ({label_a}) and B ({label_b}) share no (task, dataset): different datasets "
            "of the same task are different workloads",
            hint="pick one with --dataset, or compare models that ran the same dataset",
        )
    print(wrap(f"A: {label_a}    B: {label_b}"))
    print(_pairs_table(pairing.pairs))
    for p in pairing.pairs:
        for note in p.notes:
            print(wrap(f"warning: {p.task} / {p.dataset}: {note}"))
    for side, cells in (("A", pairing.only_a), ("B", pairing.only_b)):
        if cells:
            listed = ", ".join(f"{t} / {d}" for t, d in cells[:6])
            print(wrap(f"only on {side} (not compared): {listed}" + (" ..." if len(cells) > 6 else "")))
    print(
        wrap(
            "energy: query phase per 1,000 queries, mean and 95% interval over runs; "
            "noise: Welch's t-test, two-sided, 5% level"
        )
    )
    return 0


def _energy(value_j: float | None, per: float, unit: str) -> str:
    return "n/a" if value_j is None else f"{value_j / per:.4g} {unit}"


def _pairs_table(pairs: Any) -> str:
    from .. import units
    from ..report.terminal import plain_table

    top = max(max(abs(p.comparison.a.mean), abs(p.comparison.b.mean)) for p in pairs)
    unit, per = (
        ("J", 1.0) if top < units.J_PER_WH
        else ("Wh", units.J_PER_WH) if top < units.J_PER_KWH
        else ("kWh", units.J_PER_KWH)
    )  # fmt: skip

    def side(s: Any) -> str:
        half = s.ci95_half_width
        text = _energy(s.mean, per, unit)
        if half is not None:
            low = max(0.0, s.mean - half)  # energy is positive: the interval stops at 0
            text += f" ({_energy(low, per, unit)}..{_energy(s.mean + half, per, unit)})"
        return f"{text} n={s.n}"

    rows = []
    for p in pairs:
        c = p.comparison
        if c.test is None:
            verdict = "no test (needs 2+ runs a side)"
        else:
            where = "beyond" if c.significant else "within"
            verdict = f"p = {c.test.p_value:.3g}: {where} run-to-run noise"
        ratio = "n/a" if c.ratio_b_over_a is None else f"{c.ratio_b_over_a:.4g}"
        rows.append([p.task or "", p.dataset or "", side(c.a), side(c.b), ratio, verdict])
    return plain_table(["task", "dataset", "A", "B", "ratio B/A", "noise"], rows, right=(4,))
