"""Markdown view: the leaderboard tables, one per task, and a task summary table.

Every user-provided string is escaped for Markdown tables and for inline HTML (which
many renderers pass through), so a model named ``<script>`` stays text.
"""

from __future__ import annotations

import re

from .model import ModelRow, Report, Stats
from .svg import fmt_num, fmt_params

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
        md_escape(provenance_text(r)),
        str(r.n_runs),
    ]
    return "| " + " | ".join(cells) + " |"


HEADER = (
    "| # | stars | model | dataset | Wh / 1,000 queries [95% CI] | g CO2eq / 1,000 queries "
    "| parameters | latency ms / query | provenance | runs |\n"
    "|---:|---|---|---|---:|---:|---:|---:|---|---:|"
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
    return "\n".join(out) + "\n"
