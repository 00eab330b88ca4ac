"""The HTML report's reference sections: everyday equivalents, runs without per-query
figures, environment and methodology (``html`` assembles the page).

Every user-provided string goes through ``esc``.
"""

from __future__ import annotations

from .markdown import FLOPS_NOTE
from .model import Report, RunRow
from .svg import esc, fmt_num, fmt_wh

METHOD_TIPS = {
    "counter": "read from a hardware energy counter at the window edges (NVML, RAPL)",
    "power-integration": "integrated from timestamped power samples",
    "model": "ESTIMATE from a model (utilisation x power curve), not a measurement",
    "user": "a figure the user supplied",
}
PER_RUN_SHOWN = 200  # rows of the per-run table in the page; the JSON export has all
INTERVAL_NOTE = (
    "means carry a 95% Student-t interval over repetitions. Energy and emissions cannot be "
    "negative, so an interval whose lower end falls below 0 is shown from 0 and marked "
    "<em>clipped</em> (in the chart its whisker runs to the axis edge and ends in an arrow); "
    "a t interval of log values would stay positive but bounds the geometric mean, not the "
    "mean shown. With fewer than 3 repetitions no interval is given (n too small for an "
    "interval)."
)


def badge(method: str) -> str:
    label = "model estimate" if method == "model" else method
    return (
        f'<span class="badge {esc(method)}" data-tip="{esc(METHOD_TIPS.get(method, method))}">'
        f"{esc(label)}</span>"
    )


def equivalents(report: Report) -> str:
    """Per task (per 1,000 queries) and, in its own row, every measured run together."""
    names = list(dict.fromkeys(e.label for e in report.equivalents))
    by_task: dict[str | None, dict[str, float]] = {}
    for eq in report.equivalents:
        by_task.setdefault(eq.task, {})[eq.label] = eq.value
    tasks = {t.task: t for t in report.tasks}
    head = "".join(f'<th class="num">{esc(n)}</th>' for n in names)
    rows = []
    for task, vals in by_task.items():
        cells = "".join(
            f'<td class="num">{esc(fmt_num(vals[n])) if n in vals else "n/a"}</td>' for n in names
        )
        if task is None:
            wh, grams = report.total_energy_wh, report.total_emissions_g
            label = (
                f"all {report.methodology.n_runs:,} runs together "
                "(total of their query phases, not per 1,000 queries)"
            )
            rows.append(
                f'<tr class="totals"><td>{esc(label)}</td>'
                f'<td class="num">{"n/a" if wh is None else esc(fmt_num(wh))}</td>'
                f'<td class="num">{"n/a" if wh is None else esc(fmt_num(wh / 1000))}</td>'
                f'<td class="num">{"n/a" if grams is None else esc(fmt_num(grams))}</td>'
                f"{cells}</tr>"
            )
            continue
        t = tasks[task]
        g = t.emissions_g_per_1000_queries
        wh_k = t.energy_wh_per_1000_queries.mean
        rows.append(
            f'<tr data-task="{esc(task)}"><td>{esc(task)}</td><td class="num">{esc(fmt_num(wh_k))}'
            f'</td><td class="num">{esc(fmt_num(wh_k / 1000))}</td>'
            f'<td class="num">{"n/a" if g is None else esc(fmt_num(g.mean))}</td>{cells}</tr>'
        )
    basis = "".join(
        f"<li><strong>{esc(e.label)}</strong>: {esc(e.basis)} ({esc(e.source)})</li>"
        for e in {e.label: e for e in report.equivalents}.values()
    )
    return (
        '<div class="board-wrap"><table><thead><tr><th>per 1,000 queries of</th>'
        '<th class="num">Wh</th><th class="num">kWh</th><th class="num">g CO₂eq</th>'
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        f'<ul class="notes muted">{basis}</ul>'
    )


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{fmt_num(seconds / 3600)} h"
    if seconds >= 60:
        return f"{fmt_num(seconds / 60)} min"
    return f"{fmt_num(seconds)} s"


def _run_row(r: RunRow) -> str:
    what = " · ".join(x for x in (r.task, r.dataset) if x)
    g = r.emissions_g
    sources = ", ".join(r.sources)
    return (
        f'<tr><td class="model" data-tip="{esc(r.run_id)}">{esc(r.name)}'
        + (f'<div class="ci">{esc(what)}</div>' if what else "")
        + f'</td><td class="prov" data-tip="{esc(sources)}">'
        + "".join(badge(m) for m in r.methods)
        + f'</td><td class="num" data-sort="{r.energy_wh!r}">{esc(fmt_wh(r.energy_wh))}</td>'
        f'<td class="num">{esc(_duration(r.duration_s))}</td>'
        f'<td class="num">{"n/a" if g is None else esc(fmt_num(g))}</td>'
        f"<td>{esc(r.started_at[:19].replace('T', ' '))}</td>"
        f"<td>{esc(r.producer)}</td><td>{esc(r.source_file)}</td></tr>"
    )


def per_run(report: Report) -> str:
    """Runs with a known energy but no query count (a plain CodeCarbon file): one row each."""
    runs = report.per_run
    shown = runs[:PER_RUN_SHOWN]
    total_wh = sum(r.energy_wh for r in runs)
    grams = [r.emissions_g for r in runs if r.emissions_g is not None]
    more = (
        f'<p class="muted">Showing the first {len(shown):,} of {len(runs):,} (by start time); '
        "the JSON export (<code>--format json</code>) lists them all.</p>"
        if len(runs) > len(shown)
        else ""
    )
    head = "".join(
        f'<th class="{c}">{esc(n)}</th>'
        for n, c in (
            ("Run (model or project)", "model"), ("Provenance", "provenance"),
            ("Energy", "num"), ("Duration", "num"), ("g CO₂eq", "num"), ("Started (UTC)", ""),
            ("Producer", ""), ("File", ""),
        )
    )  # fmt: skip
    g = sum(grams)
    carbon = f"{fmt_num(g / 1000)} kg" if g >= 1000 else f"{fmt_num(g)} g"
    summary = f"{len(runs):,} run(s) · {fmt_wh(total_wh)} in all" + (
        f" · {carbon} CO₂eq" if grams else ""
    )
    return (
        f'<details class="task-board" id="per-run-board"><summary><h3>Runs '
        f'<span class="muted">{esc(summary)}</span></h3></summary>{more}'
        f'<div class="board-wrap"><table class="runs"><thead><tr>{head}</tr></thead><tbody>'
        + "".join(_run_row(r) for r in shown)
        + "</tbody></table></div></details>"
    )


def environment(report: Report) -> str:
    if not report.environment:
        return '<p class="muted">The runs recorded no environment snapshot.</p>'
    items = []
    for e in report.environment:
        more = f" (+{e.n_distinct - len(e.values)} more)" if e.n_distinct > len(e.values) else ""
        items.append(f"<dt>{esc(e.key)}</dt><dd>{esc(' | '.join(e.values) + more)}</dd>")
    return f'<dl class="env">{"".join(items)}</dl>'


def methodology(report: Report) -> str:
    m = report.methodology
    notes = [
        "Energy is the <strong>query phase only</strong> (model loading is measured apart and "
        "not included), scaled to 1,000 queries, as in the Power Hungry Processing study."
        if m.query_phase_only
        else f"Energy is the query phase where a run recorded one; {m.runs_without_query_phase:,} "
        "run(s) had no query phase and contribute their whole measured window.",
        f"Each (task, model, dataset) was repeated {m.repetitions_median or 'n/a'} time(s) "
        f"(median); {INTERVAL_NOTE}",
        "Task means (the bars, the headline figures) average the runs of the task's "
        "task-specific models, as the study's Table 2; multi-purpose models run zero-shot are "
        "shown in the leaderboards and compared per dataset, not averaged in.",
        f"Figures are <strong>gross</strong> (everything the sensors saw). {m.idle_baseline_runs:,} "
        f"of {m.n_runs:,} run(s) measured an idle baseline; their net figures (above idle) are "
        "in the JSON and CSV exports."
        + (
            f" {m.busy_idle_runs:,} of those baselines were taken on a busy machine."
            if m.busy_idle_runs
            else ""
        ),
        "Scope: "
        + esc(", ".join(m.scopes) or "machine")
        + " (machine: everything the machine drew, all processes; process: the CPU and DRAM "
        "models count the measuring process tree plus idle power; hardware counters always "
        "cover their whole device).",
        "Stars (AI Energy Score style): by quintile of the mean energy per query of the "
        "leaderboard's rows (model × dataset) within each task (text generation: within each "
        "size class), so they follow the rank; 5 for the lowest fifth, 1 for the highest. "
        "Ratings compare rows within a cohort only; cohorts under five rows are flagged, and a "
        "cohort of one model is not rated (n/a: one model).",
    ]
    if m.flops_runs:
        notes.append(
            f"{esc(FLOPS_NOTE)} {m.flops_runs:,} run(s) counted FLOPs ({esc('; '.join(m.flops_bases))})."
        )
    else:
        notes.append(
            "No run counted its FLOPs per query, so the leaderboards have no GFLOP or FLOP/J "
            "columns."
        )
    if m.estimated_sources:
        notes.append(
            "<strong>Estimated, not measured:</strong> "
            + esc(", ".join(m.estimated_sources))
            + " (model estimates, labelled in the leaderboards)."
        )
    else:
        notes.append("No figure is a model estimate: every component was measured.")
    if m.carbon_sources:
        pue = ", ".join(fmt_num(p) for p in m.pue_values)
        notes.append(f"Carbon intensity: {esc('; '.join(m.carbon_sources))}; PUE {esc(pue)}.")
    if m.producers:
        notes.append(f"Produced by: {esc(', '.join(m.producers))}.")
    listed = len(report.per_run)
    if listed:
        notes.append(
            f"{listed:,} successful run(s) have a measured energy but no query count (e.g. a "
            "plain CodeCarbon <code>emissions.csv</code> or <code>joulebench measure</code> of "
            "a whole command): they are listed run by run under <em>Runs without per-query "
            "figures</em> and are not in the per-query figures."
        )
    if m.unusable_runs > listed:
        notes.append(
            f"{m.unusable_runs - listed:,} successful run(s) have no known energy and are in no "
            "figure."
        )
    if report.failed.n_failed:
        errs = "; ".join(f"{e} ({n})" for e, n in report.failed.top_errors)
        notes.append(
            f"{report.failed.n_failed:,} failed run(s) are not in any figure. Top errors: {esc(errs)}."
        )
    return '<ul class="notes">' + "".join(f"<li>{n}</li>" for n in notes) + "</ul>"
