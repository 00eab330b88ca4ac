"""The HTML view: one self-contained file (inline CSS, JS and SVG; no network to view it).

Data first, template second: every section is a small function from the report data
model to markup. Every user-provided string goes through ``esc`` (text, attributes, SVG)
or ``script_json`` (the JSON embedded in a ``<script>`` element).
"""

from __future__ import annotations

from importlib import resources

from ..stats import positive_interval
from . import charts, endpoint_view, lengths_view, quality_view
from .html_notes import (
    METHOD_TIPS,
    PER_RUN_SHOWN,
    badge,
    environment,
    equivalents,
    methodology,
    per_run,
)
from .json_view import report_dict, script_json
from .markdown import UNKNOWN, flop_j_text, gflop_text, provenance_text
from .model import ComponentRow, ModelRow, Report, Stats, TaskSummary
from .svg import esc, fmt_num, fmt_params, fmt_wh

__all__ = ["METHOD_TIPS", "render_html"]


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("assets", name).read_text("utf-8")


def _stars(r: ModelRow) -> str:
    n = r.stars
    if n is None:
        if r.star_note:
            tip = f"not rated: {r.star_note} in {r.star_cohort or 'its cohort'}"
            return (
                f'<td data-sort="0" class="muted nostars" data-tip="{esc(tip)}">'
                f"n/a: {esc(r.star_note)}</td>"
            )
        return '<td data-sort="0" class="muted">n/a</td>'
    cuts = ", ".join(fmt_num(c) for c in r.star_cut_points_wh)
    small = "\nsmall cohort: fewer than five rows" if r.small_cohort else ""
    tip = (
        f"{n} of 5 stars among the rows of {r.star_cohort}\n"
        f"quintile limits (Wh per 1,000 queries): {cuts}{small}"
    )
    return (
        f'<td data-sort="{n}"><span class="stars" aria-label="{n} of 5 stars" '
        f'data-tip="{esc(tip)}">{"★" * n}<span class="off">{"★" * (5 - n)}</span></span></td>'
    )


def _badges(r: ModelRow) -> str:
    out = [badge(m) for m in r.methods]
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


def ci_html(s: Stats) -> str:
    """The shown interval (stats.positive_interval): clipped at 0 and marked, or why none."""
    ci = positive_interval(s)
    if not ci.shown:
        if ci.reason == "single run":
            return '<div class="ci">single run</div>'
        return f'<div class="ci">{esc(ci.reason)} (n = {ci.n})</div>'
    assert ci.low is not None and ci.high is not None
    if ci.clipped:
        tip = "the t interval's lower end is below 0; energy cannot be: shown from 0"
        return (
            f'<div class="ci" data-tip="{esc(tip)}">95% CI 0 (clipped) to '
            f"{esc(fmt_num(ci.high))}</div>"
        )
    return f'<div class="ci">95% CI {esc(fmt_num(ci.low))} to {esc(fmt_num(ci.high))}</div>'


def _energy_td(s: Stats | None) -> str:
    if s is None:
        return _num_td(None)
    kwh = f'<div class="ci">= {esc(fmt_wh(s.mean))}</div>' if s.mean >= 1000 else ""
    return f'<td class="num" data-sort="{s.mean!r}">{esc(fmt_num(s.mean))}{kwh}{ci_html(s)}</td>'


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


def _has_flops(t: TaskSummary) -> bool:
    return any(r.flops_per_query is not None for r in t.rows)


def _row(
    rank: int, r: ModelRow, flops: bool = True, quality: bool = False, output: bool = False
) -> str:
    g = r.emissions_g_per_1000_queries
    latency = r.latency_s_per_query_mean
    components = "\n".join(_component_line(c) for c in r.components)
    tip = f"{r.model}\n{r.dataset}\n{r.n_runs} run(s); per 1,000 queries:\n{components}"
    return (
        f'<tr><td class="num" data-sort="{rank}">{rank}</td>{_stars(r)}'
        f'<td class="model" data-tip="{esc(tip)}">{esc(r.model)}</td>'
        f'<td class="ds">{esc(r.dataset)}</td>{_energy_td(r.energy_wh_per_1000_queries)}'
        f'<td class="prov" data-sort="{esc(provenance_text(r))}">{_badges(r)}</td>'
        + (quality_view.quality_td(r) if quality else "")
        + _num_td(None if g is None else g.mean)
        + _num_td(
            None if r.parameters is None else float(r.parameters),
            None if r.parameters is None else fmt_params(r.parameters),
        )
        + _num_td(None if latency is None else latency * 1e3)
        + (lengths_view.output_td(r) if output else "")
        + (_flops_tds(r) if flops else "")
        + f'<td class="num" data-sort="{r.n_runs}">{r.n_runs}</td></tr>'
    )


def _columns(t: TaskSummary) -> tuple[tuple[str, str, str], ...]:
    """(label, unit, sort type) per column. Model and provenance come first so that both
    fit a 1,400 px screen; quality and output length only where some row has one; the
    FLOPs columns only where some row counted FLOPs, and FLOP/J says "% of peak" only where
    some row has a peak."""
    peak = any(r.fraction_of_peak is not None for r in t.rows)
    flops = (
        ("Compute", "GFLOP / query", "num"),
        ("FLOP/J", "achieved (% of peak)" if peak else "achieved", "num"),
    )
    return (
        ("#", "", "num"), ("Stars", "", "num"), ("Model", "", "text"), ("Dataset", "", "text"),
        ("Energy", "Wh / 1,000 queries", "num"), ("Provenance", "", "text"),
        *((("Quality", quality_view.column_unit(t.rows), "num"),)
          if quality_view.has_quality(t.rows) else ()),
        ("Carbon", "g CO₂eq / 1,000 q.", "num"), ("Parameters", "", "num"),
        ("Latency", "ms / query", "num"),
        *((("Output", "tokens / query; J / token", "num"),)
          if lengths_view.has_lengths(t.rows) else ()),
        *(flops if _has_flops(t) else ()), ("Runs", "", "num"),
    )  # fmt: skip


def board_summary(t: TaskSummary) -> str:
    """What the leaderboard shows, then what the task's headline mean counts."""
    s = t.energy_wh_per_1000_queries
    zs = t.shown_zero_shot_models
    shown = f"{t.shown_models} model(s)" + (f" ({zs} multi-purpose, zero-shot)" if zs else "")
    text = f"{shown} · {len(t.rows)} model × dataset row(s) · {t.shown_runs} run(s)"
    if s is not None:
        text += (
            f" · task mean {fmt_wh(s.mean)} per 1,000 queries over {t.n_models} "
            f"task-specific model(s)"
        )
    return text


def _leaderboard(t: TaskSummary) -> str:
    head = "".join(
        f'<th data-type="{kind}" class="{"num" if kind == "num" else label.lower()}">'
        f'<button type="button">{esc(label)}</button>'
        + (f'<span class="unit">{esc(unit)}</span>' if unit else "")
        + "</th>"
        for label, unit, kind in _columns(t)
    )
    warn = (
        '<p class="note-warn">⚠ Part of the energy in this task is a <strong>model estimate'
        "</strong> (badge), not a measurement.</p>"
        if t.estimated
        else ""
    )
    flops, quality = _has_flops(t), quality_view.has_quality(t.rows)
    output = lengths_view.has_lengths(t.rows)
    rows = "".join(_row(i, r, flops, quality, output) for i, r in enumerate(t.rows, start=1))
    return (
        f'<details class="task-board" data-task="{esc(t.task)}"><summary><h3>'
        f'{esc(t.task)} <span class="muted">{esc(board_summary(t))}</span></h3></summary>{warn}'
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
    items = []
    if report.tasks:
        items += [
            (str(len(report.tasks)), "tasks"),
            (str(n_models), "models"),
            (f"{report.methodology.n_runs:,}", "successful runs"),
            (str(report.methodology.repetitions_median or "n/a"), "repetitions (median)"),
        ]
    if total is not None:
        items.append((fmt_num(total.value), f"{total.label}, all runs"))
    if report.per_run:
        items += [
            (f"{len(report.per_run):,}", "runs without per-query figures"),
            (fmt_wh(sum(r.energy_wh for r in report.per_run)), "measured in those runs"),
        ]
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


def _chart(svg: str) -> str:
    """A chart keeps its font size on narrow screens and scrolls sideways instead."""
    return (
        f'<div class="chart-scroll">{svg}</div>'
        '<p class="scroll-hint muted">Scroll sideways to see the whole chart.</p>'
    )


def _charts(report: Report) -> str:
    ref = ""
    if report.reference_citation is not None:
        ref = (
            " Diamonds: the study's published per-task means, "
            f'<a href="{esc(report.reference_citation.url)}">'
            f"{esc(report.reference_citation.text)}</a>."
        )
    outside = [r for r in report.rows if not r.in_task_mean]
    why = (
        "multi-purpose models run zero-shot"
        if all(r.multi_purpose for r in outside)
        else "multi-purpose models run zero-shot, or runs outside the task's headline cohort"
    )
    lead = (
        "Bars: each task's mean energy per 1,000 queries over the runs of its task-specific "
        "models (log scale), with its 95% interval. Dots: every leaderboard row, one per "
        "model × dataset"
        + (f"; red dots are {why}, shown but not in the bar." if outside else ".")
        + ref
    )
    return _section("Energy by task", lead, _chart(charts.energy_by_task(report)), "tasks")


def _extra_charts(report: Report) -> str:
    params = charts.energy_vs_parameters(report)
    multi = charts.task_vs_multi(report)
    return _section(
        "Energy against parameters",
        "Each leaderboard row's (model × dataset) mean energy per 1,000 queries against the "
        "model's parameter count (log-log), with each task's least-squares fit in log space "
        "and its R².",
        _chart(params) if params else '<p class="muted">No run recorded a parameter count.</p>',
        "params",
    ) + _section(
        "Task-specific against multi-purpose models",
        "Per dataset: the median of its task-specific models against each multi-purpose model "
        "run zero-shot with a prompt, and its multiple of that median (log scale)"
        + (
            ", with each model's quality beside it (the task-specific models' median quality "
            "beside theirs)."
            if any(c.quality is not None for c in report.comparisons)
            else "."
        ),
        _chart(multi)
        if multi
        else '<p class="muted">No dataset has runs of both kinds of model.</p>',
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


def _estimate_alert(report: Report) -> str:
    """Above the fold: some figures are model estimates (e.g. CPU power curves), not
    measurements; says which sources and how much of the energy shown they make."""
    rows = [r for r in report.rows if r.estimated]
    runs = [r for r in report.per_run if r.estimated]
    if not rows and not runs:
        return ""
    total = estimated = 0.0
    for r in report.rows:
        for c in r.components:
            e = c.energy_wh_per_1000_queries_mean or 0.0
            total += e
            estimated += e if "model" in c.methods else 0.0
    share = (
        f", about {fmt_num(100 * estimated / total, 2)}% of the energy shown" if total > 0 else ""
    )
    where = []
    if rows:
        where.append(f"{len(rows):,} of {len(report.rows):,} leaderboard row(s)")
    if runs:
        where.append(f"{len(runs):,} of {len(report.per_run):,} run(s) without per-query figures")
    named = set(report.methodology.estimated_sources)
    named.update(s for r in runs for s in r.estimated_sources)
    sources = ", ".join(sorted(named)) or "a model"
    return (
        '<p class="alert estimate" id="estimate-alert">⚠ <strong>Model estimates, not '
        f"measurements</strong>: part of the energy in {' and '.join(where)} comes from "
        f"{esc(sources)}{share}. Those figures carry the <em>model estimate</em> badge.</p>"
    )


def _findings(report: Report) -> str:
    items = [esc(h) for h in report.headlines]  # plain text from analysis.headlines
    if not report.tasks and report.per_run:
        items.append(
            f"No run has a query count, so there are no per-query figures: the "
            f"{len(report.per_run):,} run(s) are listed one by one below. Importing with "
            "<code>--task T --n-queries N</code> gives per-query figures."
        )
    if not items:
        return ""
    body = "".join(f"<li>{t}</li>" for t in items)
    return (
        '<section class="card" id="findings"><h2>Findings</h2>'
        f'<ul class="findings">{body}</ul></section>'
    )


def _data(report: Report) -> dict[str, object]:
    """The embedded JSON: the JSON view, with the per-run list cut to what the page shows
    (the full list is in ``--format json``)."""
    data = report_dict(report)
    runs = data["runs_without_per_query_figures"]
    data["runs_without_per_query_figures"] = runs[:PER_RUN_SHOWN]
    data["runs_without_per_query_figures_total"] = len(runs)
    return data


def render_html(report: Report) -> str:
    failed = ""
    if report.failed.n_failed:
        failed = (
            f'<p class="alert">{report.failed.n_failed:,} failed run(s) are left out of every '
            "figure; see the methodology notes.</p>"
        )
    failed += _busy_alert(report) + _estimate_alert(report)
    store = f" · store {esc(report.store)}" if report.store else ""
    boards = "".join(_leaderboard(t) for t in report.tasks)
    citation = ""
    if report.reference_citation is not None:
        citation = f"Reference figures: {esc(report.reference_citation.text)}. "
    body = ""
    if report.tasks:
        body += (
            f'<section class="card">{_filter(report)}</section>{_charts(report)}'
            + _section(
                "Leaderboards",
                "Per task, lowest energy first; open a task to see its table. Click a column to "
                "sort. Provenance says how each figure was obtained; <strong>model estimates"
                "</strong> are not measurements.",
                boards,
                "leaderboards",
            )
            + quality_view.section_html(report)
            + lengths_view.section_html(report, _chart)
            + _extra_charts(report)
        )
    if report.endpoints:
        body += endpoint_view.summaries_section_html(report.endpoints, itl_deadline_ms=None)
    if report.per_run:
        body += _section(
            "Runs without per-query figures",
            "Runs with a measured energy but no query count (e.g. a plain CodeCarbon "
            "<code>emissions.csv</code>): their whole measured window, run by run.",
            per_run(report),
            "per-run",
        )
    if report.equivalents:
        body += _section(
            "Everyday equivalents",
            "Mean energy and emissions per 1,000 queries of each task, in everyday terms; the "
            "last row is every measured run together.",
            equivalents(report),
            "equivalents",
        )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>joulebench report</title>"
        f"<style>{_asset('report.css')}</style></head><body>"
        '<header class="top"><div class="wrap"><h1>Energy and carbon of AI inference</h1>'
        f'<div class="sub">joulebench report · generated {esc(report.generated_at)} by '
        f"{esc(report.generator)}{store}</div></div></header>"
        f'<main class="wrap">{failed}{_findings(report)}{_kpis(report)}{body}'
        + _section("Environment", "What the runs recorded.", environment(report), "env")
        + _section("Methodology", "How these figures were obtained.", methodology(report), "method")
        + f'</main><footer class="wrap">{citation}Generated by {esc(report.generator)}. '
        "This file is self-contained: it needs no network to view.</footer>"
        '<div id="tip" hidden></div>'
        f'<script type="application/json" id="joulebench-data">{script_json(_data(report))}</script>'
        f"<script>{_asset('report.js')}</script></body></html>\n"
    )
