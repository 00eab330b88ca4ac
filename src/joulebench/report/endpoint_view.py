"""The serving-endpoint view: per-point tables (terminal, Markdown, HTML) and the
energy-vs-latency chart with its Pareto front.

Data first: :func:`endpoint_summaries` asks :mod:`joulebench.analysis.endpoint` for one
summary per stored point; the renderers only format. ``section_html`` is one
``<section>`` for the HTML report ("" when the store holds no endpoint run);
``page_html`` wraps it as a standalone file. Energy that was not measured reads
"not measured", model estimates are marked, and every flag is shown with its point.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..analysis.endpoint import (
    EndpointSummary,
    Percentiles,
    best_under_itl_deadline,
    endpoint_points,
    pareto_front,
    summarize_endpoint,
)
from ..bench.records import RunRecord
from .svg import LogScale, esc, fmt_num, svg_open, text, x_log_axis, y_log_axis

__all__ = [
    "endpoint_summaries",
    "markdown",
    "page_html",
    "section_html",
    "summaries_section_html",
    "text_table",
]

NOT_MEASURED = "not measured"
HEADERS = ("point", "ok/failed", "tok/s", "TTFT p50/p90/p99 ms", "ITL p50/p90/p99 ms",
           "J/token", "steady J/token", "J/response", "Wh/1k req", "energy")


def endpoint_summaries(records: Iterable[RunRecord]) -> list[EndpointSummary]:
    out = [summarize_endpoint(r, p) for r, p in endpoint_points(records)]
    return sorted(out, key=lambda s: (s.url, s.model, s.api, s.concurrency or 0,
                                      s.rate_per_s or 0.0, s.started_at))


def _pcts(p: Percentiles | None) -> str:
    return "n/a" if p is None else f"{p.p50:.3g} / {p.p90:.3g} / {p.p99:.3g}"


def _num(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}g}"


def _energy_kind(s: EndpointSummary) -> str:
    if s.server_energy_j is None:
        return NOT_MEASURED
    kind = "ESTIMATE" if set(s.methods) == {"model"} else (
        "incl. ESTIMATE" if "model" in s.methods else "measured")
    kind = f"{s.energy_mode}, {kind}"
    return kind if s.complete else kind + ", PARTIAL"


def _row(s: EndpointSummary) -> list[str]:
    status = "" if s.status == "ok" else f" [{s.status}]"
    return [
        s.label + status,
        f"{s.n_ok}/{s.n_failed}",
        _num(s.output_tokens_per_s),
        _pcts(s.ttft_ms),
        _pcts(s.itl_ms),
        _num(s.j_per_token) if s.server_energy_j is not None else NOT_MEASURED,
        _num(s.steady_j_per_token),
        _num(s.j_per_response_mean),
        _num(s.wh_per_1000_requests),
        _energy_kind(s),
    ]


def _plain_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([line(headers), "  ".join("-" * w for w in widths), *(line(r) for r in rows)])


def _groups(summaries: Sequence[EndpointSummary]) -> dict[tuple[str, str, str], list[EndpointSummary]]:
    groups: dict[tuple[str, str, str], list[EndpointSummary]] = {}
    for s in summaries:
        groups.setdefault((s.url, s.model, s.api), []).append(s)
    return groups


def _verdicts(group: Sequence[EndpointSummary], itl_deadline_ms: float | None) -> list[str]:
    out = []
    front = pareto_front(group)
    if front:
        out.append("Pareto front (J/token vs median ITL): " + ", ".join(s.label for s in front))
    if itl_deadline_ms is not None:
        best = best_under_itl_deadline(group, itl_deadline_ms)
        out.append(
            f"lowest energy with median ITL <= {itl_deadline_ms:g} ms: "
            + (f"{best.label} ({best.headline_j_per_token:.3g} J/token, {best.headline_window})"
               if best is not None else "none meets the deadline")
        )
    return out


def text_table(summaries: Sequence[EndpointSummary], *, itl_deadline_ms: float | None = None) -> str:
    """The terminal view: one table per (endpoint, model, api), then flags and verdicts."""
    blocks = []
    for (url, model, api), group in _groups(summaries).items():
        lines = [f"{url}  model {model}  api {api}", _plain_table(HEADERS, [_row(s) for s in group])]
        for s in group:
            lines += [f"  {s.label}: {flag}" for flag in s.flags]
            if s.server_energy_j is None and s.energy_note:
                lines.append(f"  {s.label}: {s.energy_note}")
        lines += _verdicts(group, itl_deadline_ms)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def markdown(summaries: Sequence[EndpointSummary], *, itl_deadline_ms: float | None = None) -> str:
    out = ["## Serving endpoints", ""]
    for (url, model, api), group in _groups(summaries).items():
        out += [f"### `{url}` · {model} · {api}", "", "| " + " | ".join(HEADERS) + " |",
                "|" + "---|" * len(HEADERS)]
        out += ["| " + " | ".join(c.replace("|", "\\|") for c in _row(s)) + " |" for s in group]
        out += [""] + [f"- {v}" for v in _verdicts(group, itl_deadline_ms)]
        out += [f"- {s.label}: {f}" for s in group for f in s.flags] + [""]
    return "\n".join(out)


# ------------------------------------------------------------------------- HTML
def chart_svg(group: Sequence[EndpointSummary], chart_id: str,
              itl_deadline_ms: float | None = None) -> str | None:
    """Energy per token against median ITL (log-log), the Pareto front as a line."""
    pts = [(s, s.itl_ms.p50, s.headline_j_per_token) for s in group
           if s.itl_ms is not None and s.headline_j_per_token]
    pts = [(s, x, y) for s, x, y in pts if x > 0 and y is not None and y > 0]
    if not pts:
        return None
    width, height, left, right, top, bottom = 640, 360, 84, 24, 20, 304
    xs = LogScale.covering([x for _, x, _ in pts], left, width - right)
    ys = LogScale.covering([float(y) for _, _, y in pts], bottom, top)
    out = [svg_open(width, height, chart_id, "Energy per token against median inter-token latency")]
    out += x_log_axis(xs, top, bottom, "median inter-token latency, ms (log)")
    out += y_log_axis(ys, left, width - right, "J per output token (log)")
    front = pareto_front([s for s, _, _ in pts])
    if len(front) > 1:
        d = "M" + "L".join(f"{xs(s.itl_ms.p50):.1f},{ys(float(s.headline_j_per_token or 0)):.1f}"  # type: ignore[union-attr]
                           for s in front)
        out.append(f'<path class="fit pareto" d="{d}" stroke="#e15759" fill="none"/>')
    best = best_under_itl_deadline([s for s, _, _ in pts], itl_deadline_ms) if itl_deadline_ms else None
    on_front = {id(s) for s in front}
    for s, x, y in pts:
        tip = (f"{s.label}\nmedian ITL {fmt_num(x)} ms\n{fmt_num(float(y))} J/token "
               f"({s.headline_window})" + ("\nPareto front" if id(s) in on_front else ""))
        colour = "#e15759" if id(s) in on_front else "#4e79a7"
        ring = ' stroke="#222" stroke-width="2.5"' if s is best else ""
        out.append(f'<circle class="point" cx="{xs(x):.1f}" cy="{ys(float(y)):.1f}" r="5" '
                   f'fill="{colour}"{ring}><title>{esc(tip)}</title></circle>')
        out.append(text(xs(x) + 8, ys(float(y)) - 6, s.label, cls="tick"))
    out.append("</svg>")
    return "".join(out)


def _html_table(group: Sequence[EndpointSummary]) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in HEADERS)
    rows = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in _row(s)) + "</tr>" for s in group)
    return f'<table class="leaderboard"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def section_html(records: Iterable[RunRecord], *, itl_deadline_ms: float | None = None) -> str:
    """The report's endpoint section of ``records``, or "" when there is no endpoint run."""
    return summaries_section_html(endpoint_summaries(records), itl_deadline_ms=itl_deadline_ms)


def summaries_section_html(summaries: Sequence[EndpointSummary], *,
                           itl_deadline_ms: float | None = None) -> str:
    """The endpoint section from :func:`endpoint_summaries`' output ("" when empty)."""
    if not summaries:
        return ""
    parts = []
    for i, ((url, model, api), group) in enumerate(_groups(summaries).items()):
        chart = chart_svg(group, f"chart-endpoint-{i}", itl_deadline_ms) or ""
        notes = _verdicts(group, itl_deadline_ms) + [f"{s.label}: {f}" for s in group for f in s.flags]
        notes += [f"{s.label}: {s.energy_note}" for s in group if s.server_energy_j is None and s.energy_note]
        items = "".join(f"<li>{esc(n)}</li>" for n in notes)
        parts.append(f"<h3>{esc(url)} · {esc(model)} · {esc(api)}</h3>{_html_table(group)}"
                     f"{chart}<ul>{items}</ul>")
    lead = ("Energy of the server per output token and per response across load points "
            "(J/token over the whole run and over the steady state, ML.ENERGY's definition), "
            "latency percentiles, and the energy-latency Pareto front. The client's own CPU "
            "is kept out where it ran on the server's host; J/response shares the run's "
            "energy among requests by their time in flight.")
    return (f'<section class="card" id="endpoints"><h2>Serving endpoints</h2>'
            f'<p class="lead">{esc(lead)}</p>{"".join(parts)}</section>')


def page_html(section: str, title: str = "joulebench: serving endpoints") -> str:
    style = ("body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem}"
             "table{border-collapse:collapse}td,th{padding:.25rem .6rem;border-bottom:1px solid #ddd;"
             "text-align:left}svg{max-width:100%;height:auto}.grid{stroke:#eee}.tick{font-size:11px}"
             ".axis-title{font-size:12px}.pareto{stroke-width:2}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{esc(title)}</title>"
            f"<style>{style}</style></head><body>{section}</body></html>")
