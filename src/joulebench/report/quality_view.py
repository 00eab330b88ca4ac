"""Quality against energy: the leaderboard's quality cell, one energy-quality chart per
(task, dataset, metric) with its Pareto front named, and the Markdown and JSON parts.

Reads the report data model only (``Report.quality_panels``, ``ModelRow.quality``); the
figures and the front come from ``joulebench.analysis.quality`` through ``report.build``.
Measured quality carries a 95% bootstrap interval over queries; quality imported with an
index (the study's ``eval/performance.csv``, its Table 7) has none, and says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..analysis.quality import SOURCE_MEASURED, SOURCE_STUDY, QualityFigure, metric_label
from .model import ModelRow, QualityPanel, Report
from .svg import LinearScale, LogScale, esc, fmt_num, svg_open, text, x_log_axis, y_linear_axis

PANEL_WIDTH, PANEL_HEIGHT = 360, 270
WH = "Wh / 1,000 queries"


def _short(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def source_words(q: QualityFigure) -> str:
    """Where a figure comes from, in words, with its interval or why there is none."""
    if q.source == SOURCE_MEASURED:
        n = "" if q.n is None else f" over {q.n:,} queries"
        if q.ci95_low is None or q.ci95_high is None:
            return f"measured{n}; no interval (too few queries)"
        return f"95% CI {fmt_num(q.ci95_low)} to {fmt_num(q.ci95_high)} (bootstrap{n})"
    if q.source == SOURCE_STUDY:
        return "the study's Table 7 (eval/performance.csv); no interval"
    return "imported with the index; no interval"


def quality_text(q: QualityFigure | None) -> str:
    """``0.956 [0.94, 0.97]`` (measured), ``0.956 (study)``, or ``—``."""
    if q is None:
        return "—"
    if q.ci95_low is not None and q.ci95_high is not None:
        return f"{fmt_num(q.value)} [{fmt_num(q.ci95_low)}, {fmt_num(q.ci95_high)}]"
    return fmt_num(q.value) + {SOURCE_STUDY: " (study)", SOURCE_MEASURED: ""}.get(
        q.source, " (imported)"
    )


def has_quality(rows: Sequence[ModelRow]) -> bool:
    return any(r.quality is not None for r in rows)


def metric_labels(rows: Sequence[ModelRow]) -> str:
    """The metrics of the rows, for a column header: "accuracy", "F1, accuracy"."""
    return ", ".join(sorted({metric_label(r.quality.metric) for r in rows if r.quality}))


def column_unit(rows: Sequence[ModelRow]) -> str:
    """The Quality column's unit line: the metrics of the task's rows."""
    return metric_labels(rows) + " (95% CI)"


def front_words(r: ModelRow) -> str:
    if r.on_quality_front:
        return "on the energy-quality Pareto front"
    if r.quality_beaten_by:
        return f"beaten on both energy and quality by {r.quality_beaten_by}"
    return ""


def quality_td(r: ModelRow) -> str:
    """The leaderboard's quality cell: value, interval (or its source), front marker."""
    q = r.quality
    if q is None:
        return '<td class="num muted" data-sort="">—</td>'
    tip = f"{q.label} {fmt_num(q.value)}\n{source_words(q)}\n{front_words(r)}".rstrip()
    if q.ci95_low is not None and q.ci95_high is not None:
        under = f"95% CI {fmt_num(q.ci95_low)} to {fmt_num(q.ci95_high)}"
    else:
        under = "study, no interval" if q.source == SOURCE_STUDY else "no interval"
    mark = ' <span class="front-mark" aria-label="Pareto front">◆</span>' if r.on_quality_front else ""
    return (
        f'<td class="num" data-sort="{q.value!r}" data-tip="{esc(tip)}">{esc(fmt_num(q.value))}'
        f'{mark}<div class="ci">{esc(under)}</div></td>'
    )


def _point_tip(panel: QualityPanel, r: ModelRow, q: QualityFigure, energy: float) -> str:
    kind = "multi-purpose, zero-shot" if r.multi_purpose else "task-specific"
    return (
        f"{r.model}\n{panel.dataset} ({panel.task}); {kind}\n{fmt_num(energy)} {WH}\n"
        f"{q.label} {fmt_num(q.value)}: {source_words(q)}\n{front_words(r)}"
    ).rstrip()


def panel_svg(panel: QualityPanel, chart_id: str) -> str:
    """Quality (linear) against energy per 1,000 queries (log), the front as a staircase."""
    left, right, top, bottom = 50, 26, 30, PANEL_HEIGHT - 46
    pts = [
        (r, r.quality, r.energy_wh_per_1000_queries.mean)
        for r in panel.rows
        if r.quality is not None and r.energy_wh_per_1000_queries is not None
    ]
    xs = LogScale.covering([e for _, _, e in pts], left, PANEL_WIDTH - right)
    bounds = [q.value for _, q, _ in pts]
    bounds += [v for _, q, _ in pts for v in (q.ci95_low, q.ci95_high) if v is not None]
    ys = LinearScale.covering(bounds, bottom, top, clamp=(0.0, 1.0))
    label = metric_label(panel.metric)
    out = [svg_open(PANEL_WIDTH, PANEL_HEIGHT, chart_id, f"{label} against energy, {panel.dataset}")]
    out.append(text(8, 18, _short(f"{panel.dataset} · {label}", 46), cls="label"))
    out += x_log_axis(xs, top, bottom, f"{WH} (log)")
    out += y_linear_axis(ys, left, PANEL_WIDTH - right, label)
    front = [(r, q, e) for r, q, e in pts if r.on_quality_front]
    if len(front) > 1:
        d = f"M{xs(front[0][2]):.1f},{ys(front[0][1].value):.1f}"
        for _, q, e in front[1:]:
            d += f"H{xs(e):.1f}V{ys(q.value):.1f}"
        out.append(f'<path class="front-line" d="{d}" data-task="{esc(panel.task)}"/>')
    for r, q, e in pts:
        x, y = xs(e), ys(q.value)
        attrs = f' data-task="{esc(panel.task)}" data-tip="{esc(_point_tip(panel, r, q, e))}"'
        if q.ci95_low is not None and q.ci95_high is not None:
            out.append(
                f'<path class="whisker q" d="M{x:.1f},{ys(q.ci95_low):.1f}V{ys(q.ci95_high):.1f}"'
                f"{attrs}/>"
            )
        cls = "qpoint " + ("mp" if r.multi_purpose else "ts") + (" front" if r.on_quality_front else "")
        out.append(f'<circle class="{cls}" cx="{x:.1f}" cy="{y:.1f}" r="4.5"{attrs}/>')
    out += _front_labels([(xs(e), ys(q.value), r.model) for r, q, e in front], PANEL_WIDTH - right)
    out.append("</svg>")
    return "".join(out)


def _front_labels(points: list[tuple[float, float, str]], x_max: float) -> list[str]:
    """Names of the front's points, last part of the model id: above right of the point,
    else below, else on its left; a name that fits nowhere without overlapping another
    is left out (the caption under the chart names them all)."""
    placed: list[tuple[float, float, float, float]] = []
    out = []
    for x, y, model in points:
        name = _short(model.rsplit("/", 1)[-1], 22)
        w, h = 6.2 * len(name), 12.0
        for dx, dy, anchor in ((7, -7, "start"), (7, 15, "start"), (-7, -7, "end"), (-7, 15, "end")):
            if anchor == "start" and x + dx + w > x_max + 20:
                continue
            x0 = x + dx if anchor == "start" else x + dx - w
            box = (x0, y + dy - h + 2, x0 + w, y + dy + 2)
            if not any(b[0] < box[2] and box[0] < b[2] and b[1] < box[3] and box[1] < b[3] for b in placed):
                placed.append(box)
                out.append(text(x + dx, y + dy, name, cls="sublabel", anchor=anchor))
                break
    return out


def _caption(panel: QualityPanel) -> str:
    """The front in words (figures in the tooltips and the Markdown/JSON views)."""
    beaten = len(panel.rows) - len(panel.front)
    return (
        f"Pareto front ({len(panel.front)} of {len(panel.rows)}): " + ", ".join(panel.front)
        + (f"; {beaten} beaten on both." if beaten else ".")
    )  # fmt: skip


def section_html(report: Report) -> str:
    """The "Quality against energy" section ("" when no row has a quality)."""
    if not report.quality_panels:
        return ""
    by_task: dict[str, list[tuple[int, QualityPanel]]] = {}
    for i, p in enumerate(report.quality_panels):
        by_task.setdefault(p.task, []).append((i, p))
    body = []
    for task, panels in by_task.items():
        figs = "".join(
            f'<figure class="qpanel" data-task="{esc(task)}"><div class="chart-scroll">'
            f"{panel_svg(p, f'chart-quality-{i}')}</div>"
            f'<figcaption class="muted">{esc(_caption(p))}</figcaption></figure>'
            for i, p in panels
        )
        body.append(f'<h3 data-task="{esc(task)}">{esc(task)}</h3><div class="qgrid">{figs}</div>')
    sources = {r.quality.source for p in report.quality_panels for r in p.rows if r.quality}
    study = (
        " Quality from the study's <code>eval/performance.csv</code> (its Table 7, imported with "
        "the index) has no interval."
        if SOURCE_STUDY in sources
        else ""
    )
    lead = (
        "Per dataset: each model's quality (the study's metric for its task, higher is better) "
        "against its energy per 1,000 queries (log scale). "
        '<span class="key ts">●</span> task-specific, <span class="key mp">●</span> '
        "multi-purpose run zero-shot; ringed points and the line are the <strong>Pareto front"
        "</strong>: the models no other model beats on both (lower or equal energy and higher "
        "or equal quality, better on one). Whiskers: 95% intervals of measured quality "
        "(bootstrap over queries); where intervals overlap, the quality ranking is uncertain."
        + study
    )
    return (
        '<section class="card" id="quality"><h2>Quality against energy</h2>'
        f'<p class="lead">{lead}</p>{"".join(body)}</section>'
    )


def markdown_lines(report: Report, md_escape: Any) -> list[str]:
    """The Markdown section: one row per model on each panel, front first named."""
    if not report.quality_panels:
        return []
    out = [
        "",
        "## Quality against energy",
        "",
        "Per task and dataset, the study's quality metric (higher is better) beside the energy; "
        "the Pareto front is the models no other model beats on both (lower or equal energy, "
        "higher or equal quality, better on one).",
        "",
        "| task | dataset | model | Wh / 1,000 queries | quality [95% CI] | Pareto front |",
        "|---|---|---|---:|---:|---|",
    ]
    for p in report.quality_panels:
        for r in p.rows:
            e = r.energy_wh_per_1000_queries
            front = "yes" if r.on_quality_front else f"beaten by {r.quality_beaten_by or '?'}"
            cells = [
                md_escape(p.task),
                md_escape(p.dataset),
                md_escape(r.model) + (" (multi-purpose)" if r.multi_purpose else ""),
                "n/a" if e is None else fmt_num(e.mean),
                f"{md_escape(metric_label(p.metric))} {quality_text(r.quality)}",
                md_escape(front),
            ]
            out.append("| " + " | ".join(cells) + " |")
    if any(r.quality and r.quality.source == SOURCE_STUDY for p in report.quality_panels for r in p.rows):
        out += ["", "(study): the study's Table 7 (eval/performance.csv), no interval."]
    return out


def quality_fields(r: ModelRow) -> dict[str, Any]:
    """The JSON aggregate's quality fields (``null`` without a quality)."""
    q = r.quality
    return {
        "quality_metric": None if q is None else q.metric,
        "quality_value": None if q is None else q.value,
        "quality_n": None if q is None else q.n,
        "quality_ci95_low": None if q is None else q.ci95_low,
        "quality_ci95_high": None if q is None else q.ci95_high,
        "quality_source": None if q is None else q.source,
        "quality_pareto_front": r.on_quality_front if q is not None else None,
        "quality_beaten_by": r.quality_beaten_by,
    }


def panel_dicts(report: Report) -> list[dict[str, Any]]:
    return [
        {
            "task": p.task,
            "dataset": p.dataset,
            "metric": p.metric,
            "n_models": len(p.rows),
            "pareto_front": list(p.front),
        }
        for p in report.quality_panels
    ]
