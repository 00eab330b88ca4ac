"""Markdown view: the leaderboard tables, one per task, and a task summary table.

Every user-provided string is escaped for Markdown tables and for inline HTML (which
many renderers pass through), so a model named ``<script>`` stays text.
"""

from __future__ import annotations

import re

from ..analysis.quality import metric_label
from ..stats import positive_interval
from . import lengths_view, quality_view
from .model import ModelRow, Report, RunRow, Stats, TaskSummary
from .svg import fmt_num, fmt_params, fmt_wh

UNKNOWN = "—"

# Inside a table cell only these change the rendering (emphasis, code, links, pipes).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md_escape(value: object) -> str:
    text = " ".join(str(value).split())  # no newlines inside a table cell
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def stars_text(n: int | None, note: str = "") -> str:
    if n is None:
        return f"n/a: {note}" if note else ""
    return "★" * n + "☆" * (5 - n)


def energy_cell(s: Stats | None) -> str:
    """Mean and the shown 95% interval (stats.positive_interval): ``50 [0 (clipped), 114]``,
    ``50 (n too small for an interval, n = 2)``."""
    if s is None:
        return "n/a"
    ci = positive_interval(s)
    if not ci.shown:
        return fmt_num(s.mean) + (
            "" if ci.reason == "single run" else f" ({ci.reason}, n = {ci.n})"
        )
    assert ci.low is not None and ci.high is not None
    low = "0 (clipped)" if ci.clipped else fmt_num(ci.low)
    return f"{fmt_num(s.mean)} [{low}, {fmt_num(ci.high)}]"


def provenance_text(r: ModelRow) -> str:
    names = ["⚠ model estimate" if m == "model" else m for m in r.methods]
    return ", ".join(names) or "unknown"


def fmt_si(value: float) -> str:
    """An SI-prefixed figure: 350M, 1.2G, 3.4T (for FLOPs and FLOP/J)."""
    for limit, suffix in ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{fmt_num(value / limit, 3)}{suffix}"
    return fmt_num(value, 3)


def gflop_text(r: ModelRow) -> str:
    """GFLOP per query, or ``—`` when no run counted it."""
    return UNKNOWN if r.flops_per_query is None else fmt_num(r.flops_per_query / 1e9)


def flop_j_text(r: ModelRow) -> str:
    """Achieved FLOP/J with its share of the device's peak where known: ``350M (0.12% of
    peak)``; ``—`` without a FLOP count."""
    if r.flops_per_j is None:
        return UNKNOWN
    text = fmt_si(r.flops_per_j)
    if r.fraction_of_peak is not None:
        text += f" ({fmt_num(r.fraction_of_peak * 100)}% of peak)"
    return text


FLOPS_NOTE = (
    "FLOPs are counted, not measured: one query (the first input) under torch's "
    "FlopCounterMode, which counts matmul, convolution and attention ops only. FLOP/J divides "
    "them by the query-phase energy per query (every measured component); the peak is the "
    "GPU's datasheet dense FLOP/s over its TDP at the run's dtype (none for CPUs)."
)


def _row(rank: int, r: ModelRow, quality: bool = False, output: bool = False) -> str:
    g = r.emissions_g_per_1000_queries
    latency = (
        "n/a" if r.latency_s_per_query_mean is None else fmt_num(r.latency_s_per_query_mean * 1e3)
    )
    cells = [
        str(rank),
        stars_text(r.stars, r.star_note),
        md_escape(r.model) + (" (multi-purpose)" if r.multi_purpose else ""),
        md_escape(r.dataset),
        energy_cell(r.energy_wh_per_1000_queries),
        "n/a" if g is None else fmt_num(g.mean),
        "n/a" if r.parameters is None else fmt_params(r.parameters),
        latency,
        gflop_text(r),
        md_escape(flop_j_text(r)),
        md_escape(provenance_text(r)),
        str(r.n_runs),
    ]
    if output:
        cells.insert(8, md_escape(lengths_view.output_text(r)))
    if quality:
        cells.insert(5, quality_view.quality_text(r.quality))  # numbers only
    return "| " + " | ".join(cells) + " |"


def header(t: TaskSummary) -> str:
    """The leaderboard's header; FLOP/J says "% of peak" only where some row has a peak."""
    peak = any(r.fraction_of_peak is not None for r in t.rows)
    flop_j = "FLOP/J (% of peak)" if peak else "FLOP/J"
    cols = [
        ("#", "---:"), ("stars", "---"), ("model", "---"), ("dataset", "---"),
        ("Wh / 1,000 queries [95% CI]", "---:"), ("g CO2eq / 1,000 queries", "---:"),
        ("parameters", "---:"), ("latency ms / query", "---:"), ("GFLOP / query", "---:"),
        (flop_j, "---:"), ("provenance", "---"), ("runs", "---:"),
    ]  # fmt: skip
    if lengths_view.has_lengths(t.rows):
        cols.insert(8, ("output tokens / query (J / token)", "---:"))
    if quality_view.has_quality(t.rows):
        cols.insert(5, (md_escape(quality_view.metric_labels(t.rows)) + " [95% CI]", "---:"))
    return (
        "| " + " | ".join(c for c, _ in cols) + " |\n|" + "|".join(a for _, a in cols) + "|"
    )


def board_line(t: TaskSummary) -> str:
    """What the table shows, then what the task's mean counts."""
    zs = t.shown_zero_shot_models
    shown = f"{t.shown_models} model(s)" + (f" ({zs} multi-purpose, zero-shot)" if zs else "")
    return (
        f"{shown}, {len(t.rows)} model x dataset row(s), {t.shown_runs} run(s); task mean "
        f"{fmt_wh(t.energy_wh_per_1000_queries.mean)} per 1,000 queries over {t.n_models} "
        "task-specific model(s)."
    )


def _run_line(r: RunRow) -> str:
    cells = [
        md_escape(r.name),
        md_escape(" / ".join(x for x in (r.task, r.dataset) if x) or UNKNOWN),
        fmt_wh(r.energy_wh),
        f"{fmt_num(r.duration_s)} s",
        "n/a" if r.emissions_g is None else fmt_num(r.emissions_g),
        md_escape(", ".join("⚠ model estimate" if m == "model" else m for m in r.methods)),
        md_escape(r.started_at[:19].replace("T", " ")),
        md_escape(r.run_id),
    ]
    return "| " + " | ".join(cells) + " |"


def _per_run(report: Report) -> list[str]:
    if not report.per_run:
        return []
    return [
        "",
        "## Runs without per-query figures",
        "",
        f"{len(report.per_run)} run(s) with a measured energy but no query count (e.g. a plain "
        "CodeCarbon emissions.csv): their whole measured window, run by run.",
        "",
        "| run | task / dataset | energy | duration | g CO2eq | provenance | started (UTC) | id |",
        "|---|---|---:|---:|---:|---|---|---|",
        *(_run_line(r) for r in report.per_run),
    ]


def render_markdown(report: Report) -> str:
    out = [
        "# joulebench report",
        "",
        f"Generated {report.generated_at} by {report.generator}; "
        + (
            f"{report.methodology.n_runs} successful runs with per-query figures, "
            f"{len(report.per_run)} without"
            if report.per_run
            else f"{report.methodology.n_runs} successful runs"
        )
        + (f", {report.failed.n_failed} failed" if report.failed.n_failed else "")
        + ". Energy of the query phase only, per 1,000 queries.",
    ]
    if report.headlines:
        out += ["", "## Findings", "", *(f"- {md_escape(h)}" for h in report.headlines)]
    if report.endpoints:
        from .endpoint_view import markdown as endpoint_markdown

        out += ["", endpoint_markdown(report.endpoints)]
    if not report.tasks:
        return "\n".join(out + _per_run(report)) + "\n"
    ref = report.reference_citation is not None
    out += [
        "",
        "## Tasks",
        "",
        "Task means average the runs of each task's task-specific models (the study's Table 2).",
        "",
        "| task | Wh / 1,000 queries [95% CI] | kWh / 1,000 queries | g CO2eq / 1,000 queries "
        "| models in the mean | runs" + (" | study (Table 2), Wh |" if ref else " |"),
        "|---|---:|---:|---:|---:|---:" + ("|---:|" if ref else "|"),
    ]
    for t in report.tasks:
        g = t.emissions_g_per_1000_queries
        cells = [
            md_escape(t.task),
            energy_cell(t.energy_wh_per_1000_queries),
            fmt_num(t.energy_wh_per_1000_queries.mean / 1000),
            "n/a" if g is None else fmt_num(g.mean),
            str(t.n_models),
            str(t.n_runs),
        ]
        if report.reference_citation:
            cells.append(
                "" if t.reference is None else fmt_num(t.reference.energy_wh_per_1000_queries_mean)
            )
        out.append("| " + " | ".join(cells) + " |")
    if report.reference_citation:
        out += ["", f"Study figures: {md_escape(report.reference_citation.text)}."]
    for t in report.tasks:
        out += ["", f"## {md_escape(t.task)}", "", md_escape(board_line(t)), "", header(t)]
        q, o = quality_view.has_quality(t.rows), lengths_view.has_lengths(t.rows)
        out += [_row(i, r, q, o) for i, r in enumerate(t.rows, start=1)]
        if t.estimated:
            out += ["", "⚠ *model estimate*: part of that energy is estimated, not measured."]
    if any(r.flops_per_query is not None for r in report.rows):
        out += ["", md_escape(FLOPS_NOTE)]
    out += quality_view.markdown_lines(report, md_escape)
    out += _comparisons(report)
    out += lengths_view.markdown_lines(report, md_escape)
    return "\n".join(out + _per_run(report)) + "\n"


def _comparisons(report: Report) -> list[str]:
    """Task-specific against multi-purpose models per dataset, quality beside the ratio."""
    if not report.comparisons:
        return []
    quality = any(c.quality is not None for c in report.comparisons)
    out = [
        "",
        "## Task-specific against multi-purpose models",
        "",
        "Each multi-purpose model run zero-shot against the median of the dataset's "
        "task-specific models" + (", with quality beside the energy." if quality else "."),
        "",
        "| task | dataset | model | Wh / 1,000 queries | task-specific median, Wh | x median "
        + ("| quality | task-specific median quality |" if quality else "|"),
        "|---|---|---|---:|---:|---:|" + ("---|---:|" if quality else ""),
    ]
    for c in report.comparisons:
        med = c.task_specific_median_wh_per_1000_queries
        cells = [
            md_escape(c.task), md_escape(c.dataset), md_escape(c.model),
            fmt_num(c.multi_purpose_wh_per_1000_queries),
            "n/a" if med is None else fmt_num(med),
            "n/a" if c.ratio is None else fmt_num(c.ratio),
        ]  # fmt: skip
        if quality:
            label = metric_label(c.quality_metric) if c.quality_metric else ""
            cells += [
                "n/a" if c.quality is None else md_escape(f"{label} {fmt_num(c.quality)}"),
                "n/a" if c.task_specific_median_quality is None
                else fmt_num(c.task_specific_median_quality),
            ]  # fmt: skip
        out.append("| " + " | ".join(cells) + " |")
    return out
