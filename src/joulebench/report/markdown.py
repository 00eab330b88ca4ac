"""Markdown view: the leaderboard tables, one per task, and a task summary table.

Every user-provided string is escaped for Markdown tables and for inline HTML (which
many renderers pass through), so a model named ``<script>`` stays text.
"""

from __future__ import annotations

import re

from .model import ModelRow, Report, Stats
from .svg import fmt_num, fmt_params

UNKNOWN = "—"

# Inside a table cell only these change the rendering (emphasis, code, links, pipes).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md_escape(value: object) -> str:
    text = " ".join(str(value).split())  # no newlines inside a table cell
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def stars_text(n: int | None) -> str:
    return "" if n is None else "★" * n + "☆" * (5 - n)


def energy_cell(s: Stats | None) -> str:
    if s is None:
        return "n/a"
    if s.ci95_low is None or s.ci95_high is None:
        return fmt_num(s.mean)
    return f"{fmt_num(s.mean)} [{fmt_num(s.ci95_low)}, {fmt_num(s.ci95_high)}]"


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


def _row(rank: int, r: ModelRow) -> str:
    g = r.emissions_g_per_1000_queries
    latency = (
        "n/a" if r.latency_s_per_query_mean is None else fmt_num(r.latency_s_per_query_mean * 1e3)
    )
    cells = [
        str(rank),
        stars_text(r.stars),
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
    return "| " + " | ".join(cells) + " |"


HEADER = (
    "| # | stars | model | dataset | Wh / 1,000 queries [95% CI] | g CO2eq / 1,000 queries "
    "| parameters | latency ms / query | GFLOP / query | FLOP/J (% of peak) | provenance | runs |\n"
    "|---:|---|---|---|---:|---:|---:|---:|---:|---:|---|---:|"
)


def render_markdown(report: Report) -> str:
    out = [
        "# joulebench report",
        "",
        f"Generated {report.generated_at} by {report.generator}; "
        f"{report.methodology.n_runs} successful runs"
        + (f", {report.failed.n_failed} failed" if report.failed.n_failed else "")
        + ". Energy of the query phase only, per 1,000 queries.",
        "",
        "## Tasks",
        "",
        "| task | Wh / 1,000 queries [95% CI] | g CO2eq / 1,000 queries | models | runs"
        + (" | study (Table 2), Wh |" if report.reference_citation else " |"),
        "|---|---:|---:|---:|---:" + ("|---:|" if report.reference_citation else "|"),
    ]
    for t in report.tasks:
        g = t.emissions_g_per_1000_queries
        cells = [
            md_escape(t.task),
            energy_cell(t.energy_wh_per_1000_queries),
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
        out += ["", f"## {md_escape(t.task)}", "", HEADER]
        out += [_row(i, r) for i, r in enumerate(t.rows, start=1)]
        if t.estimated:
            out += ["", "⚠ *model estimate*: part of that energy is estimated, not measured."]
    if any(r.flops_per_query is not None for r in report.rows):
        out += ["", md_escape(FLOPS_NOTE)]
    return "\n".join(out) + "\n"
