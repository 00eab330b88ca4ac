"""The HTML view: one self-contained file (inline CSS, JS and SVG; no network to view it).

Data first, template second: every section is a small function from the report data
model to markup. Every user-provided string goes through ``esc`` (text, attributes, SVG)
or ``script_json`` (the JSON embedded in a ``<script>`` element).
"""

from __future__ import annotations

from importlib import resources

from . import charts
from .json_view import report_dict, script_json
from .markdown import FLOPS_NOTE, UNKNOWN, flop_j_text, gflop_text, provenance_text
from .model import ComponentRow, ModelRow, Report, Stats, TaskSummary
from .svg import esc, fmt_num, fmt_params

METHOD_TIPS = {
    "counter": "read from a hardware energy counter at the window edges (NVML, RAPL)",
    "power-integration": "integrated from timestamped power samples",
    "model": "ESTIMATE from a model (utilisation x power curve), not a measurement",
    "user": "a figure the user supplied",
}


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("assets", name).read_text("utf-8")


def _stars(r: ModelRow) -> str:
    n = r.stars
    if n is None:
        return '<td data-sort="0" class="muted">n/a</td>'
    cuts = ", ".join(fmt_num(c) for c in r.star_cut_points_wh)
    small = "\nsmall cohort: fewer than five models" if r.small_cohort else ""
    tip = (
        f"{n} of 5 stars among {r.star_cohort}\n"
        f"quintile limits (Wh per 1,000 queries): {cuts}{small}"
    )
    return (
        f'<td data-sort="{n}"><span class="stars" aria-label="{n} of 5 stars" '
        f'data-tip="{esc(tip)}">{"★" * n}<span class="off">{"★" * (5 - n)}</span></span></td>'
    )


def _badges(r: ModelRow) -> str:
    out = []
    for m in r.methods:
        label = "model estimate" if m == "model" else m
        out.append(
            f'<span class="badge {esc(m)}" data-tip="{esc(METHOD_TIPS.get(m, m))}">'
            f"{esc(label)}</span>"
        )
    if r.multi_purpose:
        out.append(
            '<span class="badge mp" data-tip="multi-purpose model run zero-shot with a prompt">'
            "multi-purpose</span>"
        )
    return "".join(out) or '<span class="muted">unknown</span>'


def _num_td(value: float | None, text: str | None = None) -> str:
    if value is None:
        return '<td class="num muted" data-sort="">n/a</td>'
    return f'<td class="num" data-sort="{value!r}">{esc(text if text is not None else fmt_num(value))}</td>'


def _energy_td(s: Stats | None) -> str:
    if s is None:
        return _num_td(None)
    ci = (
        f'<div class="ci">95% CI {esc(fmt_num(s.ci95_low))} to {esc(fmt_num(s.ci95_high))}</div>'
        if s.ci95_low is not None and s.ci95_high is not None
        else '<div class="ci">single run</div>'
    )
    return f'<td class="num" data-sort="{s.mean!r}">{esc(fmt_num(s.mean))}{ci}</td>'


def _flops_tds(r: ModelRow) -> str:
    """GFLOP per query and FLOP/J (% of peak) cells; ``—`` when unknown."""
    if r.flops_per_query is None or r.flops_per_j is None:
        unknown = f'<td class="num muted" data-sort="">{UNKNOWN}</td>'
        return unknown + unknown
    tip = r.peak_note
    if r.peak_flops_per_j is not None:
        tip = f"peak {fmt_num(r.peak_flops_per_j)} FLOP/J: {tip}"
    return (
        f'<td class="num" data-sort="{r.flops_per_query!r}">{esc(gflop_text(r))}</td>'
        f'<td class="num" data-sort="{r.flops_per_j!r}" data-tip="{esc(tip)}">'
        f"{esc(flop_j_text(r))}</td>"
    )


def _component_line(c: ComponentRow) -> str:
    e = c.energy_wh_per_1000_queries_mean
    how = ", ".join("model estimate" if m == "model" else m for m in c.methods)
    return f"{c.domain}: {'n/a' if e is None else fmt_num(e)} Wh ({how}; {', '.join(c.sources)})"


def _row(rank: int, r: ModelRow) -> str:
    g = r.emissions_g_per_1000_queries
    latency = r.latency_s_per_query_mean
    components = "\n".join(_component_line(c) for c in r.components)
    tip = f"{r.model}\n{r.dataset}\n{r.n_runs} run(s); per 1,000 queries:\n{components}"
    return (
        f'<tr><td class="num" data-sort="{rank}">{rank}</td>{_stars(r)}'
        f'<td class="model" data-tip="{esc(tip)}">{esc(r.model)}</td>'
        f"<td>{esc(r.dataset)}</td>{_energy_td(r.energy_wh_per_1000_queries)}"
        + _num_td(None if g is None else g.mean)
        + _num_td(
            None if r.parameters is None else float(r.parameters),
            None if r.parameters is None else fmt_params(r.parameters),
        )
        + _num_td(None if latency is None else latency * 1e3)
        + _flops_tds(r)
        + f'<td class="prov" data-sort="{esc(provenance_text(r))}">{_badges(r)}</td>'
        + f'<td class="num" data-sort="{r.n_runs}">{r.n_runs}</td></tr>'
    )


_COLUMNS = (
    ("#", "", "num"), ("Stars", "", "num"), ("Model", "", "text"), ("Dataset", "", "text"),
    ("Energy", "Wh / 1,000 queries", "num"), ("Carbon", "g CO₂eq / 1,000 q.", "num"),
    ("Parameters", "", "num"), ("Latency", "ms / query", "num"),
    ("Compute", "GFLOP / query", "num"), ("FLOP/J", "% of peak", "num"),
    ("Provenance", "", "text"), ("Runs", "", "num"),
)  # fmt: skip


def _leaderboard(t: TaskSummary) -> str:
    head = "".join(
        f'<th data-type="{kind}" class="{"num" if kind == "num" else ""}">'
        f'<button type="button">{esc(label)}</button>'
        + (f'<span class="unit">{esc(unit)}</span>' if unit else "")
        + "</th>"
        for label, unit, kind in _COLUMNS
    )
    s = t.energy_wh_per_1000_queries
    summary = f"{t.n_models} model(s) · {t.n_runs} run(s)" + (
        f" · task mean {fmt_num(s.mean)} Wh per 1,000 queries" if s else ""
    )
    warn = (
        '<p class="note-warn">⚠ Part of the energy in this task is a <strong>model estimate'
        "</strong> (badge), not a measurement.</p>"
        if t.estimated
        else ""
    )
    rows = "".join(_row(i, r) for i, r in enumerate(t.rows, start=1))
    return (
        f'<details class="task-board" data-task="{esc(t.task)}" open><summary><h3>'
        f'{esc(t.task)} <span class="muted">{esc(summary)}</span></h3></summary>{warn}'
        f'<div class="board-wrap"><table class="sortable"><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div></details>"
    )


def _filter(report: Report) -> str:
    colours = charts.task_colours(report)
    chips = "".join(
        f'<label class="chip"><input type="checkbox" checked value="{esc(t.task)}">'
        f'<span class="swatch" style="background:{colours[t.task]}"></span>{esc(t.task)}</label>'
        for t in report.tasks
    )
    return (
        '<div class="filter" role="group" aria-label="task filter"><strong>Tasks:</strong> '
        f'{chips}<button type="button" data-all="1">all</button>'
        '<button type="button" data-all="0">none</button></div>'
    )


def _kpis(report: Report) -> str:
    n_models = len({(r.model) for r in report.rows})
    total = next((e for e in report.equivalents if e.task is None), None)
    items = [
        (str(len(report.tasks)), "tasks"),
        (str(n_models), "models"),
        (f"{report.methodology.n_runs:,}", "successful runs"),
        (str(report.methodology.repetitions_median or "n/a"), "repetitions (median)"),
    ]
    if total is not None:
        items.append((fmt_num(total.value), f"{total.label}, all runs"))
    return (
        '<div class="kpis">'
        + "".join(
            f'<div class="kpi"><div class="v">{esc(v)}</div><div class="k">{esc(k)}</div></div>'
            for v, k in items
        )
        + "</div>"
    )


def _section(title: str, lead: str, body: str, sid: str) -> str:
    return (
        f'<section class="card" id="{sid}"><h2>{esc(title)}</h2>'
        f'<p class="lead">{lead}</p>{body}</section>'
    )


def _equivalents(report: Report) -> str:
    names = list(dict.fromkeys(e.label for e in report.equivalents))
    by_task: dict[str | None, dict[str, float]] = {}
    for e in report.equivalents:
        by_task.setdefault(e.task, {})[e.label] = e.value
    tasks = {t.task: t for t in report.tasks}
    head = "".join(f'<th class="num">{esc(n)}</th>' for n in names)
    rows = []
    for task, vals in by_task.items():
        t = tasks.get(task) if task is not None else None
        label = "all runs together (totals)" if task is None else task
        attr = "" if task is None else f' data-task="{esc(task)}"'
        g = t.emissions_g_per_1000_queries if t is not None else None
        energy = fmt_num(t.energy_wh_per_1000_queries.mean) if t is not None else ""
        grams = fmt_num(g.mean) if g is not None else ""
        cells = "".join(
            f'<td class="num">{esc(fmt_num(vals[n])) if n in vals else "n/a"}</td>' for n in names
        )
        rows.append(
            f'<tr{attr}><td>{esc(label)}</td><td class="num">{esc(energy)}</td>'
            f'<td class="num">{esc(grams)}</td>{cells}</tr>'
        )
    basis = "".join(
        f"<li><strong>{esc(e.label)}</strong>: {esc(e.basis)} ({esc(e.source)})</li>"
        for e in {e.label: e for e in report.equivalents}.values()
    )
    return (
        '<div class="board-wrap"><table><thead><tr><th>per 1,000 queries of</th>'
        '<th class="num">Wh</th><th class="num">g CO₂eq</th>'
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        f'<ul class="notes muted">{basis}</ul>'
    )


def _environment(report: Report) -> str:
    if not report.environment:
        return '<p class="muted">The runs recorded no environment snapshot.</p>'
    items = []
    for e in report.environment:
        more = f" (+{e.n_distinct - len(e.values)} more)" if e.n_distinct > len(e.values) else ""
        items.append(f"<dt>{esc(e.key)}</dt><dd>{esc(' | '.join(e.values) + more)}</dd>")
    return f'<dl class="env">{"".join(items)}</dl>'


def _methodology(report: Report) -> str:
    m = report.methodology
    notes = [
        "Energy is the <strong>query phase only</strong> (model loading is measured apart and "
        "not included), scaled to 1,000 queries, as in the Power Hungry Processing study."
        if m.query_phase_only
        else f"Energy is the query phase where a run recorded one; {m.runs_without_query_phase:,} "
        "run(s) had no query phase and contribute their whole measured window.",
        f"Each (task, model, dataset) was repeated {m.repetitions_median or 'n/a'} time(s) "
        "(median); means carry a 95% Student-t interval over repetitions.",
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
        "Stars (AI Energy Score style): by quintile of the models' mean energy per query within "
        "each task (text generation: within each size class); 5 for the lowest fifth, 1 for the "
        "highest. Ratings compare models within a cohort only; cohorts under five models are "
        "flagged.",
    ]
    if m.flops_runs:
        notes.append(
            f"{esc(FLOPS_NOTE)} {m.flops_runs:,} run(s) counted FLOPs ({esc('; '.join(m.flops_bases))})."
        )
    else:
        notes.append("No run counted its FLOPs per query: GFLOP and FLOP/J columns show —.")
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
    if m.unusable_runs:
        notes.append(
            f"{m.unusable_runs:,} successful run(s) have no query count or no known energy "
            "(e.g. <code>joulebench measure</code> of a whole command) and are not in the "
            "per-query figures."
        )
    if report.failed.n_failed:
        errs = "; ".join(f"{e} ({n})" for e, n in report.failed.top_errors)
        notes.append(
            f"{report.failed.n_failed:,} failed run(s) are not in any figure. Top errors: {esc(errs)}."
        )
    return '<ul class="notes">' + "".join(f"<li>{n}</li>" for n in notes) + "</ul>"


def _charts(report: Report) -> str:
    out = []
    ref = ""
    if report.reference_citation is not None:
        ref = (
            " Diamonds: the study's published per-task means, "
            f'<a href="{esc(report.reference_citation.url)}">'
            f"{esc(report.reference_citation.text)}</a>."
        )
    out.append(
        _section(
            "Energy by task",
            "Mean energy per 1,000 queries of each task across its runs (log scale); dots are "
            "individual models." + ref,
            charts.energy_by_task(report),
            "tasks",
        )
    )
    return "".join(out)


def _extra_charts(report: Report) -> str:
    params = charts.energy_vs_parameters(report)
    multi = charts.task_vs_multi(report)
    return _section(
        "Energy against parameters",
        "Each model's mean energy per 1,000 queries against its parameter count (log-log), with "
        "each task's least-squares fit in log space and its R².",
        params or '<p class="muted">No run recorded a parameter count.</p>',
        "params",
    ) + _section(
        "Task-specific against multi-purpose models",
        "Per dataset: the median of its task-specific models against each multi-purpose model "
        "run zero-shot with a prompt, and its multiple of that median (log scale).",
        multi or '<p class="muted">No dataset has runs of both kinds of model.</p>',
        "multi",
    )


def _busy_alert(report: Report) -> str:
    """Above the fold: figures taken on a busy machine are not the workload's alone."""
    m = report.methodology
    parts = []
    if m.busy_idle_runs:
        parts.append(
            f"{m.busy_idle_runs:,} of {m.n_runs:,} run(s) took their idle baseline on a "
            "<strong>busy machine</strong> (other processes kept the CPUs busy): their net "
            "figures (above idle) are unreliable."
        )
    if m.busy_window_runs:
        parts.append(
            f"{m.busy_window_runs:,} of {m.n_runs:,} run(s) were measured while other processes "
            "kept the CPUs busy: their machine-level figures include that work."
        )
    if not parts:
        return ""
    return '<p class="alert" id="busy-alert">⚠ ' + " ".join(parts) + "</p>"


def render_html(report: Report) -> str:
    failed = ""
    if report.failed.n_failed:
        failed = (
            f'<p class="alert">{report.failed.n_failed:,} failed run(s) are left out of every '
            "figure; see the methodology notes.</p>"
        )
    failed += _busy_alert(report)
    store = f" · store {esc(report.store)}" if report.store else ""
    boards = "".join(_leaderboard(t) for t in report.tasks)
    citation = ""
    if report.reference_citation is not None:
        citation = f"Reference figures: {esc(report.reference_citation.text)}. "
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>joulebench report</title>"
        f"<style>{_asset('report.css')}</style></head><body>"
        '<header class="top"><div class="wrap"><h1>Energy and carbon of AI inference</h1>'
        f'<div class="sub">joulebench report · generated {esc(report.generated_at)} by '
        f"{esc(report.generator)}{store}</div></div></header>"
        f'<main class="wrap">{failed}{_kpis(report)}'
        f'<section class="card">{_filter(report)}</section>'
        f"{_charts(report)}"
        + _section(
            "Leaderboards",
            "Per task, lowest energy first. Click a column to sort. Provenance says how each "
            "figure was obtained; <strong>model estimates</strong> are not measurements.",
            boards,
            "leaderboards",
        )
        + _extra_charts(report)
        + _section(
            "Everyday equivalents",
            "Mean energy and emissions per 1,000 queries of each task, in everyday terms.",
            _equivalents(report),
            "equivalents",
        )
        + _section(
            "Environment",
            "What the runs recorded about their machine.",
            _environment(report),
            "env",
        )
        + _section(
            "Methodology", "How these figures were obtained.", _methodology(report), "method"
        )
        + f'</main><footer class="wrap">{citation}Generated by {esc(report.generator)}. '
        "This file is self-contained: it needs no network to view.</footer>"
        '<div id="tip" hidden></div>'
        f'<script type="application/json" id="joulebench-data">{script_json(report_dict(report))}</script>'
        f"<script>{_asset('report.js')}</script></body></html>\n"
    )
