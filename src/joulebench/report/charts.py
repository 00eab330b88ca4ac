"""The report's charts as inline SVG strings, drawn from the report data model.

Every mark carries ``data-task`` (for the task filter) and ``data-tip`` (the tooltip
text); both are escaped like every other user-provided string.
"""

from __future__ import annotations

import math

from ..analysis.quality import metric_label
from ..stats import positive_interval
from .model import Comparison, Report, Stats
from .svg import (
    PALETTE,
    REFERENCE_COLOUR,
    LogScale,
    esc,
    fmt_num,
    fmt_params,
    fmt_wh,
    svg_open,
    text,
    x_log_axis,
    y_log_axis,
)

WIDTH = 900
WH = "Wh per 1,000 queries"


def task_colours(report: Report) -> dict[str, str]:
    return {t.task: PALETTE[i % len(PALETTE)] for i, t in enumerate(report.tasks)}


def _short(label: str, limit: int = 30) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _mark(task: str, tip: str) -> str:
    return f' data-task="{esc(task)}" data-tip="{esc(tip)}"'


def interval_text(s: Stats | None) -> str:
    """The shown 95% interval in words (stats.positive_interval): clipped at 0, or why
    there is none."""
    if s is None:
        return ""
    ci = positive_interval(s)
    if not ci.shown:
        return f" ({ci.reason}, n = {ci.n})" if ci.reason != "single run" else " (single run)"
    assert ci.low is not None and ci.high is not None
    low = "0 (clipped at 0)" if ci.clipped else fmt_num(ci.low)
    return f" (95% interval {low} to {fmt_num(ci.high)})"


def energy_by_task(report: Report) -> str:
    """Horizontal bars of each task's headline mean (log scale: its task-specific models),
    every leaderboard row (model x dataset cell) as a dot, zero-shot cells of
    multi-purpose models apart, the study's Table 2 as diamonds when requested.

    An interval whose lower end is clipped at 0 cannot be drawn to 0 on a log axis: its
    whisker runs to the axis's left edge and ends in an arrow. No interval, no whisker;
    the tooltip says why."""
    tasks = [t for t in report.tasks if t.energy_wh_per_1000_queries is not None]
    colours = task_colours(report)
    left, right, top, row_h = 200, 40, 44, 36
    height = top + row_h * len(tasks) + 56
    values: list[float] = []
    for t in tasks:
        s = t.energy_wh_per_1000_queries
        values.append(s.mean)
        ci = positive_interval(s)
        if ci.shown and ci.high is not None:
            values.append(ci.high)
            if not ci.clipped and ci.low is not None:
                values.append(ci.low)
        values += [
            r.energy_wh_per_1000_queries.mean for r in t.rows if r.energy_wh_per_1000_queries
        ]
        if t.reference is not None:
            values.append(t.reference.energy_wh_per_1000_queries_mean)
    scale = LogScale.covering(values, left, WIDTH - right)
    bottom = top + row_h * len(tasks)
    out = [svg_open(WIDTH, height, "chart-tasks", "Energy per 1,000 queries by task, log scale")]
    out += x_log_axis(scale, top - 6, bottom, f"{WH} (log scale)")
    outside = [r for t in tasks for r in t.rows if not r.in_task_mean]
    multi_only = all(r.multi_purpose for r in outside)
    label = "zero-shot (not in the mean)" if multi_only else "not in the mean"
    clipped = any(positive_interval(t.energy_wh_per_1000_queries).clipped for t in tasks)
    out.append(
        _task_legend(
            report.reference_citation is not None,
            label if outside else None,
            clipped,
            WIDTH - right,
            18,
        )
    )
    for i, t in enumerate(tasks):
        s = t.energy_wh_per_1000_queries
        y = top + i * row_h + row_h / 2
        colour = colours[t.task]
        zs = t.shown_zero_shot_models
        tip = (
            f"{t.task}\nbar: mean {fmt_wh(s.mean)} per 1,000 queries{interval_text(s)}\n"
            f"over {t.n_models} task-specific model(s), {t.n_runs} run(s)\n"
            f"dots: {len(t.rows)} model x dataset cell(s) of {t.shown_models} model(s)"
            + (f", {zs} multi-purpose zero-shot (not in the bar)" if zs else "")
        )
        out.append(f'<g class="series"{_mark(t.task, tip)}>')
        out.append(text(left - 10, y + 4, _short(t.task), cls="label", anchor="end"))
        x_end = scale(s.mean)
        out.append(
            f'<rect class="bar" x="{left}" y="{y - 9:.1f}" width="{max(x_end - left, 1):.1f}" '
            f'height="18" rx="3" fill="{colour}"/>'
        )
        ci = positive_interval(s)
        if ci.shown and ci.low is not None and ci.high is not None:
            x1 = scale(ci.high)
            if ci.clipped:  # to the axis edge, with an arrow: the interval reaches 0
                x0 = scale.range_low
                out.append(
                    f'<path class="whisker clipped" d="M{x0 + 6:.1f},{y:.1f}H{x1:.1f}'
                    f'M{x1:.1f},{y - 6:.1f}V{y + 6:.1f}"/>'
                    f'<path class="whisker-arrow" d="M{x0:.1f},{y:.1f}l7,-4.5v9z"/>'
                )
            else:
                x0 = scale(ci.low)
                out.append(
                    f'<path class="whisker" d="M{x0:.1f},{y:.1f}H{x1:.1f}M{x0:.1f},{y - 6:.1f}'
                    f'V{y + 6:.1f}M{x1:.1f},{y - 6:.1f}V{y + 6:.1f}"/>'
                )
        out.append("</g>")
        for r in t.rows:
            rs = r.energy_wh_per_1000_queries
            if rs is None:
                continue
            kind = "in the bar" if r.in_task_mean else "multi-purpose, zero-shot: not in the bar"
            if not r.in_task_mean and not r.multi_purpose:
                kind = "outside the task's headline cohort: not in the bar"
            rtip = f"{r.model}\n{r.dataset} ({kind})\n{fmt_wh(rs.mean)} per 1,000 queries"
            cls = "dot" if r.in_task_mean else "dot zs"
            out.append(
                f'<circle class="{cls}" cx="{scale(rs.mean):.1f}" cy="{y:.1f}" r="3.2"'
                f"{_mark(t.task, rtip)}/>"
            )
        if t.reference is not None:
            ref = t.reference
            cx = scale(ref.energy_wh_per_1000_queries_mean)
            rtip = (
                f"{t.task}: the study's Table 2\n"
                f"{fmt_num(ref.energy_wh_per_1000_queries_mean)} {WH} "
                f"(std {fmt_num(ref.energy_wh_per_1000_queries_std)})"
            )
            out.append(
                f'<path class="reference" d="M{cx:.1f},{y - 8:.1f}l7,8l-7,8l-7,-8z" '
                f'fill="{REFERENCE_COLOUR}"{_mark(t.task, rtip)}/>'
            )
    out.append("</svg>")
    return "".join(out)


def _task_legend(
    reference: bool, outside: str | None, clipped: bool, x_right: float, y: float
) -> str:
    items = [
        ('<rect x="0" y="-9" width="14" height="10" rx="2" fill="#8899aa"/>'
         '<text x="19" y="0">task mean</text>', 96),
        ('<path class="whisker" d="M0,-4H16M0,-9V1M16,-9V1"/><text x="21" y="0">95% interval'
         "</text>", 112),
        ('<circle class="dot" cx="6" cy="-4" r="3.2"/><text x="14" y="0">model x dataset</text>',
         126),
    ]  # fmt: skip
    if outside is not None:
        items.append(
            ('<circle class="dot zs" cx="6" cy="-4" r="3.2"/>'
             f'<text x="14" y="0">{outside}</text>', 14 + 7 * len(outside))
        )  # fmt: skip
    if clipped:
        items.append(
            ('<path class="whisker-arrow" d="M0,-4l7,-4.5v9z"/>'
             '<text x="12" y="0">interval reaches 0</text>', 132)
        )  # fmt: skip
    if reference:
        items.append(
            (f'<path d="M6,-12l6,7l-6,7l-6,-7z" fill="{REFERENCE_COLOUR}"/>'
             '<text x="16" y="0">study (Table 2)</text>', 116)
        )  # fmt: skip
    x = x_right - sum(w for _, w in items)
    out = ['<g class="legend">']
    for item, w in items:
        out.append(f'<g transform="translate({x:.1f},{y:.1f})">{item}</g>')
        x += w
    out.append("</g>")
    return "".join(out)


def energy_vs_parameters(report: Report) -> str | None:
    """Log-log scatter of each model's mean energy against its parameters, with the
    per-task fit line and R^2; None when no model has a parameter count."""
    colours = task_colours(report)
    points = [
        (t, r)
        for t in report.tasks
        for r in t.rows
        if r.parameters and r.energy_wh_per_1000_queries is not None
    ]
    if not points:
        return None
    left, right, top, bottom_pad, legend_w = 84, 24, 24, 64, 230
    height = 470
    plot_right = WIDTH - legend_w - right
    bottom = height - bottom_pad
    xs = LogScale.covering([float(r.parameters or 0) for _, r in points], left, plot_right)
    ys = LogScale.covering(
        [r.energy_wh_per_1000_queries.mean for _, r in points if r.energy_wh_per_1000_queries],
        bottom,
        top,
    )
    out = [svg_open(WIDTH, height, "chart-params", "Energy against parameters, log-log")]
    out += x_log_axis(xs, top, bottom, "parameters (log scale)", fmt=fmt_params)
    out += y_log_axis(ys, left, plot_right, f"{WH} (log)")
    for t in report.tasks:
        if t.fit is None:
            continue
        params = [r.parameters for r in t.rows if r.parameters and r.energy_wh_per_1000_queries]
        lo, hi = float(min(params)), float(max(params))
        ends = [(p, 10 ** (t.fit.intercept + t.fit.slope * math.log10(p))) for p in (lo, hi)]
        d = "M" + "L".join(f"{xs(p):.1f},{ys(e):.1f}" for p, e in ends)
        tip = (
            f"{t.task}: log-log fit\nslope {fmt_num(t.fit.slope)}, "
            f"R² {_r2(t.fit.r2)} (n = {t.fit.n})"
        )
        out.append(f'<path class="fit" d="{d}" stroke="{colours[t.task]}"{_mark(t.task, tip)}/>')
    for t, r in points:
        s = r.energy_wh_per_1000_queries
        assert s is not None and r.parameters
        tip = (
            f"{r.model}\n{t.task}, {r.dataset}\n{fmt_params(r.parameters)} parameters\n"
            f"{fmt_num(s.mean)} {WH}" + ("\nincludes a model estimate" if r.estimated else "")
        )
        out.append(
            f'<circle class="point" cx="{xs(float(r.parameters)):.1f}" '
            f'cy="{ys(s.mean):.1f}" r="4.5" fill="{colours[t.task]}"{_mark(t.task, tip)}/>'
        )
    ly = top + 4
    for t in report.tasks:
        if not any(tt is t for tt, _ in points):
            continue
        label = _short(t.task, 24)
        fit = f"R² {_r2(t.fit.r2)}" if t.fit is not None else "no fit"
        out.append(
            f'<g class="legend-item"{_mark(t.task, t.task)}>'
            f'<circle cx="{plot_right + 24}" cy="{ly:.1f}" r="5" fill="{colours[t.task]}"/>'
            + text(plot_right + 34, ly + 4, label, cls="legend-text")
            + text(WIDTH - right, ly + 4, fit, cls="legend-fit", anchor="end")
            + "</g>"
        )
        ly += 22
    out.append("</svg>")
    return "".join(out)


def _r2(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def task_vs_multi(report: Report) -> str | None:
    """Per dataset: the median of its task-specific models, then each multi-purpose model
    run zero-shot on it, with its multiple of that median and, where measured or imported,
    its quality beside it (the task-specific models' median quality beside their bar)."""
    groups: dict[tuple[str, str], list[Comparison]] = {}
    for c in report.comparisons:
        groups.setdefault((c.task, c.dataset), []).append(c)
    if not groups:
        return None
    quality = any(c.quality is not None for c in report.comparisons)
    left, right, top, bar_h, head_h, gap = 250, 150 if quality else 70, 44, 17, 22, 12
    n_bars = sum(len(g) + 1 for g in groups.values())
    bottom = top + len(groups) * (head_h + gap) + n_bars * bar_h
    height = bottom + 56
    values = [c.multi_purpose_wh_per_1000_queries for c in report.comparisons] + [
        c.task_specific_median_wh_per_1000_queries
        for c in report.comparisons
        if c.task_specific_median_wh_per_1000_queries
    ]
    scale = LogScale.covering(values, left, WIDTH - right)
    ratio_x = WIDTH - 88 if quality else WIDTH - 8
    out = [svg_open(WIDTH, height, "chart-multi", "Task-specific against multi-purpose models")]
    out += x_log_axis(scale, top - 6, bottom, f"{WH} (log scale)")
    out.append(
        f'<g class="legend" transform="translate({left},18)">'
        '<rect x="0" y="-9" width="14" height="10" rx="2" class="ts"/>'
        '<text x="19" y="0">task-specific models (median)</text>'
        '<rect x="230" y="-9" width="14" height="10" rx="2" class="mp"/>'
        '<text x="249" y="0">multi-purpose model, zero-shot</text>'
        f'<text x="{ratio_x - left}" y="0" text-anchor="end">× median</text>'
        + (f'<text x="{WIDTH - 8 - left}" y="0" text-anchor="end">quality</text>' if quality else "")
        + "</g>"
    )
    y = top
    for (task, dataset), group in groups.items():
        out.append(f'<g class="series" data-task="{esc(task)}">')
        metric = next((c.quality_metric for c in group if c.quality_metric), None)
        head = f"{_short(dataset, 40)}  ·  {_short(task, 28)}"
        out.append(text(8, y + 15, head + (f"  ·  {metric_label(metric)}" if metric else ""),
                        cls="group"))  # fmt: skip
        y += head_h
        med = group[0].task_specific_median_wh_per_1000_queries
        bars: list[tuple[str, float | None, str, str, float | None, float | None]] = [
            (f"task-specific ({group[0].n_task_specific})", med, "ts", "", None,
             group[0].task_specific_median_quality)
        ] + [
            (c.model, c.multi_purpose_wh_per_1000_queries, "mp", c.model, c.ratio, c.quality)
            for c in sorted(group, key=lambda c: c.multi_purpose_wh_per_1000_queries)
        ]  # fmt: skip
        for label, val, cls, model, ratio, q in bars:
            if val is not None:
                tip = (
                    f"{model or 'task-specific models (median)'}\n{dataset} ({task})\n"
                    f"{fmt_num(val)} {WH}"
                    + ("" if ratio is None else f"\n{fmt_num(ratio)}x the task-specific median")
                    + ("" if q is None else f"\n{metric_label(metric or 'quality')} {fmt_num(q)}")
                )
                w = max(scale(val) - left, 1)
                out.append(
                    f'<rect class="bar {cls}" x="{left}" y="{y + 2:.1f}" width="{w:.1f}" '
                    f'height="{bar_h - 4}" rx="2"{_mark(task, tip)}/>'
                )
            out.append(
                text(left - 8, y + bar_h - 5, _short(label, 34), cls="sublabel", anchor="end")
            )
            if ratio is not None:
                out.append(
                    text(ratio_x, y + bar_h - 5, f"×{fmt_num(ratio, 2)}", cls="ratio", anchor="end")
                )
            if q is not None:
                out.append(text(WIDTH - 8, y + bar_h - 5, fmt_num(q), cls="sublabel", anchor="end"))
            y += bar_h
        y += gap
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)
