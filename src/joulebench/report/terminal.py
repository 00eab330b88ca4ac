"""The terminal summary of a run: the same aggregates as the HTML report, fitted to the width.

:func:`run_summary` renders the cells of ``joulebench run`` (per task, model and dataset:
Wh per 1,000 queries with the std over repetitions, net of idle, carbon, latency,
throughput; then each component with its method) from
:func:`~joulebench.analysis.cell_summaries`, the aggregation the HTML report uses, so the
two never disagree. Tables are drawn by ``rich`` at the terminal's width (``COLUMNS``
honoured), long names folded, no colour codes: the text is the same in a terminal, a pipe
or a log.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Sequence
from typing import Any

from .. import units
from ..analysis import cell_summaries
from ..bench.records import RunRecord
from ..carbon.context import CarbonContext
from ..measure.sensor import Method

METHOD_LABELS = {
    Method.COUNTER: "counter",
    Method.POWER_INTEGRATION: "power integration",
    Method.MODEL: "ESTIMATE (model)",
    Method.USER: "user",
}


def terminal_width(default: int = 100) -> int:
    """The terminal's width (``COLUMNS`` first), at least 60 columns."""
    return max(60, shutil.get_terminal_size((default, 24)).columns)


def _console(width: int) -> Any:
    from rich.console import Console

    return Console(
        file=io.StringIO(), width=width, no_color=True, force_terminal=False,
        highlight=False, emoji=False, soft_wrap=False, markup=False,
    )  # fmt: skip


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int]) -> Any:
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, expand=False)
    for i, h in enumerate(headers):
        if i in right:  # figures never wrap or shrink; names fold to make room
            widest = max([len(h), *(len(row[i]) for row in rows)])
            table.add_column(h, justify="right", no_wrap=True, min_width=widest)
        else:
            table.add_column(h, overflow="fold", min_width=min(len(h), 12))
    for row in rows:
        table.add_row(*row)
    return table


def _wh(value_j: float | None, digits: int = 3) -> str:
    return "n/a" if value_j is None else f"{units.j_to_wh(value_j):.{digits}g}"


def _grams(value_g: float | None) -> str:
    if value_g is None:
        return "n/a"
    if value_g >= 1:
        return f"{value_g:.3g} g"
    return f"{value_g * 1000:.3g} mg"


def _methods(records: Sequence[RunRecord]) -> dict[str, set[Method]]:
    """Methods by component domain, from the runs' query phases."""
    out: dict[str, set[Method]] = {}
    for r in records:
        m = r.measurement
        if m is None:
            continue
        phase = m.phase("query") or m
        for c in phase.components:
            out.setdefault(c.domain.value, set()).add(c.method)
    return out


def busy_lines(records: Sequence[RunRecord]) -> list[str]:
    """One warning line each for busy idle baselines and busy repetitions (none if quiet)."""
    measured = [r.measurement for r in records if r.measurement is not None]
    lines = []
    idle_busy = [m for m in measured if m.idle_host_load is not None and m.idle_host_load.busy]
    if idle_busy:
        lines.append(
            f"warning: the idle baseline of {len(idle_busy)} of {len(measured)} repetition(s) "
            "was taken on a BUSY machine: their net figures are unreliable"
        )
    loads = [m.host_load for m in measured if m.host_load is not None and m.host_load.busy]
    if loads:
        worst = max(loads, key=lambda load: load.other_cpus)
        lines.append(
            f"warning: {len(loads)} of {len(measured)} repetition(s) ran while other processes "
            f"kept up to {worst.other_cpus:.2f} of {worst.logical_cpus} CPUs busy: their "
            "machine-level figures include that work (rerun on a quiet machine, or --scope process)"
        )
    return lines


def verdicts(cells: Sequence[Any]) -> list[str]:
    """One sentence per task a user can act on: the cheapest model against the dearest,
    with quality where measured; or the single cell's figure."""
    out = []
    tasks = list(dict.fromkeys(c.task for c in cells))
    for task in tasks:
        group = [c for c in cells if c.task == task]
        best = min(group, key=lambda c: c.energy_j_per_1000_queries.mean)
        wh = units.j_to_wh(best.energy_j_per_1000_queries.mean)

        def quality(c: Any) -> str:
            return "" if c.quality is None else f", {c.quality[0]} {c.quality[1]:.3g}"

        if len(group) == 1:
            out.append(
                f"{task}: {best.model} on {best.dataset} used {wh:.3g} Wh per 1,000 queries"
                f"{quality(best)}"
            )
            continue
        worst = max(group, key=lambda c: c.energy_j_per_1000_queries.mean)
        ratio = worst.energy_j_per_1000_queries.mean / best.energy_j_per_1000_queries.mean
        out.append(
            f"{task}: the cheapest is {best.model} on {best.dataset} ({wh:.3g} Wh per 1,000 "
            f"queries{quality(best)}), {ratio:.3g}x less energy than {worst.model} on "
            f"{worst.dataset}{quality(worst)}"
        )
    return out


def _main_row(cell: Any, recs: Sequence[RunRecord]) -> list[str]:
    estimate = any(Method.MODEL in ms for ms in _methods(recs).values())
    energy = cell.energy_j_per_1000_queries
    net = cell.net_energy_j_per_1000_queries
    net_text = _wh(net.mean) if net is not None else "n/a"
    if net is not None and not all(
        r.measurement is not None and r.measurement.net_reliable for r in recs
    ):
        net_text += "!"
    emissions = cell.emissions_g_per_1000_queries
    latency_s = cell.latency_s_per_query.mean
    latency_ms = latency_s * 1000.0
    label = recs[0].config.get("dataset_label") if recs else None
    return [
        cell.model or "", label or cell.dataset or "", str(cell.n_runs),
        _wh(energy.mean) + ("*" if estimate else ""),
        _wh(energy.std, 2) if energy.std is not None else "",
        net_text, _grams(emissions.mean if emissions else None),
        f"{latency_ms:,.0f}" if latency_ms >= 100 else f"{latency_ms:.3g}",
        f"{1.0 / latency_s:.3g}" if latency_s > 0 else "n/a",
        "" if cell.quality is None else f"{cell.quality[0]} {cell.quality[1]:.3g}",
    ]  # fmt: skip


def run_summary(
    records: Sequence[RunRecord],
    carbon: CarbonContext,
    store_path: str,
    *,
    width: int | None = None,
) -> str:
    """What ``joulebench run`` prints at the end, at most ``width`` columns wide."""
    width = width or terminal_width()
    cells = cell_summaries(records, carbon)
    if not cells:
        return f"no finished repetitions to show; store: {os.path.abspath(store_path)}"
    by_id = {r.run_id: r for r in records}
    console = _console(width)
    console.print(
        "Energy of the query phase per 1,000 queries (mean and std over repetitions; "
        "* includes model ESTIMATES, not measurements; ! net of an idle baseline taken on a "
        "busy machine: unreliable):"
    )
    tasks = list(dict.fromkeys(c.task or "" for c in cells))
    for task in tasks:
        main_rows, comp_rows = [], []
        for cell in (c for c in cells if (c.task or "") == task):
            recs = [by_id[i] for i in cell.run_ids if i in by_id]
            main_rows.append(_main_row(cell, recs))
            methods = _methods(recs)
            for domain, summary in sorted(cell.components_j_per_1000_queries.items()):
                how = ", ".join(sorted(METHOD_LABELS[m] for m in methods.get(domain, set())))
                comp_rows.append([cell.model or "", domain, how, _wh(summary.mean)])
        console.print(f"\n{task}")
        headers = ["model", "dataset", "reps", "Wh/1k", "std", "net Wh/1k", "CO2eq/1k",
                   "ms/query", "queries/s", "quality"]  # fmt: skip
        if not any(row[-1] for row in main_rows):  # no quality measured: no column
            headers, main_rows = headers[:-1], [row[:-1] for row in main_rows]
        console.print(_table(headers, main_rows, right=(2, 3, 4, 5, 6, 7, 8)))
        console.print(_table(["model", "component", "method", "Wh/1k"], comp_rows, (3,)))
    for line in verdicts(cells):
        console.print(line)
    for line in busy_lines(records):
        console.print(line)
    console.print(
        f"carbon at {carbon.intensity_g_per_kwh:g} g CO2eq/kWh, PUE {carbon.pue:g} "
        f"({carbon.source})"
    )
    console.print(f"store: {os.path.abspath(store_path)}")
    console.print(
        "next: `joulebench report` writes an HTML report of the stored runs "
        "(`joulebench export --format csv` for the raw figures)"
    )
    return str(console.file.getvalue()).rstrip("\n")


def _energy_of(record: RunRecord) -> str:
    m = record.measurement
    if m is None:
        return "n/a"
    phase = m.phase("query") or m
    if phase.energy_j is None:
        return "n/a"
    estimate = any(c.method is Method.MODEL for c in phase.components)
    return f"{units.j_to_wh(phase.energy_j):.3g}" + ("*" if estimate else "")


def runs_table(records: Sequence[RunRecord], *, width: int | None = None) -> str:
    """``joulebench runs``: one line per stored run (id prefix, date, what, energy).

    Columns that hold one value for every run (kind, status, device) are left out of the
    table and said once below it, so the table fits narrow terminals.
    """
    columns: dict[str, list[str]] = {
        "id": [], "started (UTC)": [], "kind": [], "status": [], "task": [], "model": [],
        "dataset": [], "device": [], "rep": [], "Wh": [],
    }  # fmt: skip
    for r in records:
        device = r.config.get("device") or ""
        what = r.model or (" ".join(r.command) if r.command else "")
        values = [
            r.run_id[:8], r.started_at[:16].replace("T", " "), r.kind, r.status,
            r.task or "", what, r.dataset or "", str(device),
            "" if r.repetition is None else str(r.repetition), _energy_of(r),
        ]  # fmt: skip
        for key, value in zip(columns, values, strict=True):
            columns[key].append(value)
    common = {
        k: v[0] for k, v in columns.items() if k in ("kind", "status", "device") and len(set(v)) == 1
    }
    shown = [k for k in columns if k not in common and any(columns[k])]
    rows = [[columns[k][i] for k in shown] for i in range(len(records))]
    right = tuple(i for i, k in enumerate(shown) if k in ("rep", "Wh"))
    console = _console(width or terminal_width())
    console.print(_table(shown, rows, right=right))
    same = "; ".join(f"{k}: {v or 'n/a'}" for k, v in common.items())
    console.print(
        f"{len(records)} run(s)" + (f" (all {same})" if same else "")
        + "; Wh: the query phase (or the whole window); * includes model ESTIMATES. "
        "Any unique prefix of an id names the run in `joulebench compare`."
    )
    return str(console.file.getvalue()).rstrip("\n")


def plain_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, right: Sequence[int] = (),
    width: int | None = None,
) -> str:
    """One width-aware table as text (the same drawing as the run summary)."""
    console = _console(width or terminal_width())
    console.print(_table(headers, rows, right))
    return str(console.file.getvalue()).rstrip("\n")
