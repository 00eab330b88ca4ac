"""Output length: mean output tokens per query and energy per output token, per model and
dataset, with the study's lengths (its Table 4) as a reference series, so verbose models
are visible. The leaderboard's output cell, a dot chart, a table, Markdown and JSON parts.

Reads ``ModelRow.output_length`` (``joulebench.analysis.lengths`` through ``report.build``):
the measured length (each run's ``units["output_tokens"] / n_queries``, mean over runs),
else the study's for the same model and dataset (``--reference-study``), whose energy per
output token is then derived from it and said to be.
"""

from __future__ import annotations

from typing import Any

from ..analysis.lengths import BASIS_MEASURED
from .model import ModelRow, Report
from .svg import REFERENCE_COLOUR, LogScale, esc, fmt_num, svg_open, text, x_log_axis

WIDTH = 900
TOKENS = "output tokens per query"


def _short(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def length_rows(report: Report) -> list[ModelRow]:
    return [r for r in report.rows if r.output_length is not None]


def has_lengths(rows: list[ModelRow] | tuple[ModelRow, ...]) -> bool:
    return any(r.output_length is not None for r in rows)


def _j_per_token(r: ModelRow) -> str:
    ol = r.output_length
    if ol is None or ol.energy_j_per_output_token is None:
        return "—"
    return fmt_num(ol.energy_j_per_output_token)


def basis_words(r: ModelRow) -> str:
    ol = r.output_length
    if ol is None:
        return ""
    return "measured" if ol.basis == BASIS_MEASURED else "the study's length (Table 4)"


def output_td(r: ModelRow) -> str:
    """The leaderboard's output cell: tokens per query, then J per output token."""
    ol = r.output_length
    if ol is None:
        return '<td class="num muted" data-sort="">—</td>'
    ref = r.reference_output_tokens_per_query
    tip = f"{fmt_num(ol.tokens_per_query)} {TOKENS} ({basis_words(r)})"
    if ref is not None and ol.basis == BASIS_MEASURED:
        tip += f"\nthe study's: {fmt_num(ref)}"
    if ol.times_dataset_median is not None:
        tip += f"\n{fmt_num(ol.times_dataset_median)}x the dataset's median"
    under = f"{_j_per_token(r)} J / token" + ("" if ol.basis == BASIS_MEASURED else " (study)")
    return (
        f'<td class="num" data-sort="{ol.tokens_per_query!r}" data-tip="{esc(tip)}">'
        f'{esc(fmt_num(ol.tokens_per_query))}<div class="ci">{esc(under)}</div></td>'
    )


def output_text(r: ModelRow) -> str:
    """Markdown: ``12.1 (0.53 J/token)``; ``(study)`` when from the study's lengths."""
    ol = r.output_length
    if ol is None:
        return "—"
    study = "" if ol.basis == BASIS_MEASURED else ", study"
    return f"{fmt_num(ol.tokens_per_query)} ({_j_per_token(r)} J/token{study})"


def _groups(report: Report) -> dict[tuple[str, str], list[ModelRow]]:
    """Rows per (task, dataset): tasks in the report's order, datasets by name."""
    order = {t.task: i for i, t in enumerate(report.tasks)}
    groups: dict[tuple[str, str], list[ModelRow]] = {}
    for r in sorted(length_rows(report), key=lambda r: (order.get(r.task, 0), r.dataset)):
        groups.setdefault((r.task, r.dataset), []).append(r)
    return groups


def lengths_chart(report: Report) -> str | None:
    """One row per (task, dataset): each model's mean output tokens per query (log scale),
    the study's lengths as diamonds, and the most verbose model named on the right."""
    groups = _groups(report)
    if not groups:
        return None
    left, right_text, top, row_h = 230, 190, 44, 25
    plot_right = WIDTH - right_text
    bottom = top + row_h * len(groups)
    values = [r.output_length.tokens_per_query for g in groups.values() for r in g if r.output_length]
    values += [
        v for g in groups.values() for r in g if (v := r.reference_output_tokens_per_query)
    ]
    xs = LogScale.covering(values, left, plot_right)
    out = [svg_open(WIDTH, bottom + 56, "chart-lengths", "Output tokens per query by model")]
    out += x_log_axis(xs, top - 6, bottom, f"{TOKENS} (log scale)")
    out.append(
        f'<g class="legend" transform="translate({left},18)">'
        '<circle cx="6" cy="-4" r="4" class="lpoint ts"/><text x="14" y="0">task-specific</text>'
        '<circle cx="120" cy="-4" r="4" class="lpoint mp"/>'
        '<text x="128" y="0">multi-purpose, zero-shot</text>'
        f'<path d="M300,-11l6,7l-6,7l-6,-7z" fill="{REFERENCE_COLOUR}"/>'
        '<text x="312" y="0">study (Table 4)</text>'
        f'<text x="{plot_right - left + 8}" y="0">most verbose (x median)</text></g>'
    )
    for i, ((task, dataset), rows) in enumerate(groups.items()):
        y = top + i * row_h + row_h / 2
        out.append(f'<g class="series" data-task="{esc(task)}">')
        out.append(text(left - 10, y + 4, _short(f"{dataset} · {task}", 34), cls="sublabel", anchor="end"))
        for r in rows:
            ol = r.output_length
            assert ol is not None
            tip = (
                f"{r.model}\n{dataset} ({task})\n{fmt_num(ol.tokens_per_query)} {TOKENS} "
                f"({basis_words(r)})\n{_j_per_token(r)} J per output token"
                + ("" if ol.times_dataset_median is None else
                   f"\n{fmt_num(ol.times_dataset_median)}x the dataset's median")
            )  # fmt: skip
            attrs = f' data-task="{esc(task)}" data-tip="{esc(tip)}"'
            if ol.basis == BASIS_MEASURED:
                cls = "lpoint " + ("mp" if r.multi_purpose else "ts")
                out.append(
                    f'<circle class="{cls}" cx="{xs(ol.tokens_per_query):.1f}" cy="{y:.1f}" '
                    f'r="4"{attrs}/>'
                )
            ref = r.reference_output_tokens_per_query
            if ref is not None:
                cx = xs(ref)
                rtip = f"{r.model}\n{dataset}: the study's {fmt_num(ref)} {TOKENS} (Table 4)"
                out.append(
                    f'<path class="lref" d="M{cx:.1f},{y - 7:.1f}l6,7l-6,7l-6,-7z" '
                    f'fill="{REFERENCE_COLOUR}" data-task="{esc(task)}" data-tip="{esc(rtip)}"/>'
                )
        top_row = max(rows, key=lambda r: (r.output_length.tokens_per_query, r.model))  # type: ignore[union-attr]
        times = top_row.output_length.times_dataset_median  # type: ignore[union-attr]
        name = _short(top_row.model.rsplit("/", 1)[-1], 20)
        out.append(
            text(plot_right + 8, y + 4, name + ("" if times is None else f" ×{fmt_num(times, 2)}"),
                 cls="sublabel")
        )  # fmt: skip
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)


HEADERS = (
    ("Task", "", "text"), ("Dataset", "", "text"), ("Model", "", "text"),
    ("Output", TOKENS, "num"), ("Study", "Table 4, tokens / query", "num"),
    ("Energy / token", "J / output token", "num"), ("× median", "of the dataset", "num"),
    ("Energy", "Wh / 1,000 queries", "num"),
)  # fmt: skip


MD_HEADERS = (
    "output tokens / query", "study (Table 4), tokens / query", "J / output token",
    "x dataset median", "Wh / 1,000 queries",
)  # fmt: skip


def _cells(r: ModelRow) -> list[tuple[float | None, str]]:
    ol = r.output_length
    assert ol is not None
    e = r.energy_wh_per_1000_queries
    ref = r.reference_output_tokens_per_query
    measured = ol.tokens_per_query if ol.basis == BASIS_MEASURED else None
    return [
        (measured, "—" if measured is None else fmt_num(measured)),
        (ref, "—" if ref is None else fmt_num(ref)),
        (ol.energy_j_per_output_token,
         _j_per_token(r) + ("" if ol.basis == BASIS_MEASURED else " (study)")),
        (ol.times_dataset_median,
         "—" if ol.times_dataset_median is None else fmt_num(ol.times_dataset_median)),
        (None if e is None else e.mean, "—" if e is None else fmt_num(e.mean)),
    ]  # fmt: skip


def _table(report: Report) -> str:
    head = "".join(
        f'<th data-type="{kind}" class="{"num" if kind == "num" else ""}">'
        f'<button type="button">{esc(label)}</button>'
        + (f'<span class="unit">{esc(unit)}</span>' if unit else "")
        + "</th>"
        for label, unit, kind in HEADERS
    )
    body = []
    for r in length_rows(report):
        nums = "".join(
            f'<td class="num" data-sort="{"" if v is None else repr(v)}">{esc(t)}</td>'
            for v, t in _cells(r)
        )
        body.append(
            f'<tr data-task="{esc(r.task)}"><td>{esc(r.task)}</td><td class="ds">{esc(r.dataset)}'
            f'</td><td class="model">{esc(r.model)}</td>{nums}</tr>'
        )
    return (
        '<details class="extra-board" id="lengths-table"><summary><h3>Table '
        f'<span class="muted">{len(body)} model × dataset row(s)</span></h3></summary>'
        f'<div class="board-wrap"><table class="sortable"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div></details>"
    )


def section_html(report: Report, chart: Any) -> str:
    """The "Output length" section ("" when no row has one); ``chart`` wraps an SVG."""
    svg = lengths_chart(report)
    if svg is None:
        return ""
    study = ""
    if report.lengths_citation is not None:
        c = report.lengths_citation
        study = (
            f' Diamonds: the study\'s mean output lengths, <a href="{esc(c.url)}">{esc(c.text)}'
            "</a>; where a run counted no tokens, its energy per token uses the study's length "
            "and says so."
        )
    lead = (
        "Generative tasks and zero-shot runs: each model's mean output tokens per query (its "
        "runs' token counts over their queries), its energy per output token, and its length "
        "as a multiple of the dataset's median; a model that says more costs more per query."
        + study
    )
    return (
        '<section class="card" id="lengths"><h2>Output length</h2>'
        f'<p class="lead">{lead}</p>{chart(svg)}{_table(report)}</section>'
    )


def markdown_lines(report: Report, md_escape: Any) -> list[str]:
    rows = length_rows(report)
    if not rows:
        return []
    out = [
        "",
        "## Output length",
        "",
        "Mean output tokens per query (runs' token counts over their queries) and energy per "
        "output token, generative tasks and zero-shot runs."
        + (" Study: its mean output lengths (Table 4); '(study)': energy per token from the "
           "study's length." if report.lengths_citation is not None else ""),
        "",
        "| task | dataset | model | " + " | ".join(MD_HEADERS) + " |",
        "|---|---|---|" + "---:|" * len(MD_HEADERS),
    ]  # fmt: skip
    for r in rows:
        cells = [md_escape(r.task), md_escape(r.dataset), md_escape(r.model)]
        cells += [md_escape(t) for _, t in _cells(r)]
        out.append("| " + " | ".join(cells) + " |")
    return out


def length_fields(r: ModelRow) -> dict[str, Any]:
    """The JSON aggregate's output-length fields (``null`` when unknown)."""
    ol, t = r.output_length, r.output_tokens_per_query
    return {
        "output_tokens_per_query_mean": None if t is None else t.mean,
        "output_tokens_per_query_std": None if t is None else t.std,
        "reference_study_output_tokens_per_query": r.reference_output_tokens_per_query,
        "output_length_tokens_per_query": None if ol is None else ol.tokens_per_query,
        "output_length_basis": None if ol is None else ol.basis,
        "energy_j_per_output_token": None if ol is None else ol.energy_j_per_output_token,
        "output_length_times_dataset_median": None if ol is None else ol.times_dataset_median,
    }
