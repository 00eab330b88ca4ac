"""JSON and CSV views of the report data model. Units live in the field names.

JSON: ``{"schema": "joulebench.report", "schema_version": N, "tasks": [...],
"aggregates": [...], ...}``; per task and per (task, model, dataset) aggregates, energies
in ``*_wh_per_1000_queries_*``, emissions in ``*_g_per_1000_queries_*``; counted
``flops_per_query``, achieved ``flops_per_j``, the device's ``peak_flops_per_j`` and
``fraction_of_peak`` (``null`` when unknown). Non-finite numbers become ``null``.
Intervals (``*_ci95_low``/``*_ci95_high``) are those the report shows
(:func:`joulebench.stats.positive_interval`): never below 0 (``*_ci95_clipped`` says when
the lower end was cut at 0), ``null`` with fewer than three runs. Quality (``quality_*``:
metric, value, queries scored, 95% bootstrap interval, source, on the energy-quality
Pareto front) and output length (``output_tokens_per_query_*``,
``energy_j_per_output_token``, the study's length) per aggregate; the fronts per
(task, dataset, metric) in ``quality_panels``. Runs without per-query figures are listed
in ``runs_without_per_query_figures``; the findings in sentences in ``headlines``. CSV:
one row per (task, model, dataset) aggregate.
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

from ..stats import positive_interval
from .lengths_view import length_fields
from .model import (
    Comparison,
    EnvironmentItem,
    Equivalent,
    ModelRow,
    Report,
    RunRow,
    Stats,
    TaskSummary,
)
from .quality_view import panel_dicts, quality_fields

SCHEMA_NAME = "joulebench.report"


def _num(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return value


def _stats(prefix: str, s: Stats | None) -> dict[str, Any]:
    ci = None if s is None else positive_interval(s)
    return {
        f"{prefix}_mean": _num(s.mean) if s else None,
        f"{prefix}_std": _num(s.std) if s else None,
        f"{prefix}_median": _num(s.median) if s else None,
        f"{prefix}_ci95_low": _num(ci.low) if ci else None,
        f"{prefix}_ci95_high": _num(ci.high) if ci else None,
        f"{prefix}_ci95_clipped": ci.clipped if ci else False,
    }


def aggregate_dict(r: ModelRow, *, components: bool = True) -> dict[str, Any]:
    d: dict[str, Any] = {
        "task": r.task,
        "model": r.model,
        "dataset": r.dataset,
        "n_runs": r.n_runs,
        "n_queries_per_run": r.n_queries,
        **_stats("energy_wh_per_1000_queries", r.energy_wh_per_1000_queries),
        **_stats("net_energy_wh_per_1000_queries", r.net_energy_wh_per_1000_queries),
        **_stats("emissions_g_per_1000_queries", r.emissions_g_per_1000_queries),
        "latency_s_per_query_mean": _num(r.latency_s_per_query_mean),
        "parameters": r.parameters,
        "stars": r.stars,
        "star_cohort": r.star_cohort,
        "star_cut_points_wh_per_1000_queries": [_num(c) for c in r.star_cut_points_wh],
        "star_small_cohort": r.small_cohort,
        "star_note": r.star_note,
        "in_task_mean": r.in_task_mean,
        "multi_purpose": r.multi_purpose,
        "estimated": r.estimated,
        "methods": list(r.methods),
        "flops_per_query": _num(r.flops_per_query),
        "flops_per_j": _num(r.flops_per_j),
        "peak_flops_per_j": _num(r.peak_flops_per_j),
        "fraction_of_peak": _num(r.fraction_of_peak),
        "peak_note": r.peak_note,
        **{k: _num(v) if isinstance(v, float) else v for k, v in quality_fields(r).items()},
        **{k: _num(v) if isinstance(v, float) else v for k, v in length_fields(r).items()},
    }
    if components:
        d["components"] = [
            {
                "domain": c.domain,
                "sources": list(c.sources),
                "methods": list(c.methods),
                "covers": c.covers,
                "energy_wh_per_1000_queries_mean": _num(c.energy_wh_per_1000_queries_mean),
                "net_energy_wh_per_1000_queries_mean": _num(c.net_energy_wh_per_1000_queries_mean),
            }
            for c in r.components
        ]
    return d


def _task_dict(t: TaskSummary) -> dict[str, Any]:
    return {
        "task": t.task,
        "n_runs": t.n_runs,
        "n_models": t.n_models,
        "n_datasets": t.n_datasets,
        "n_models_shown": t.shown_models,
        "n_zero_shot_models_shown": t.shown_zero_shot_models,
        "n_rows_shown": len(t.rows),
        "n_runs_shown": t.shown_runs,
        **_stats("energy_wh_per_1000_queries", t.energy_wh_per_1000_queries),
        **_stats("net_energy_wh_per_1000_queries", t.net_energy_wh_per_1000_queries),
        **_stats("emissions_g_per_1000_queries", t.emissions_g_per_1000_queries),
        "estimated": t.estimated,
        "scaling_fit": None
        if t.fit is None
        else {
            "model": "log10(energy_wh_per_1000_queries) = intercept + slope * log10(parameters)",
            "slope": _num(t.fit.slope),
            "intercept": _num(t.fit.intercept),
            "r2": None if t.fit.r2 is None else _num(t.fit.r2),
            "n": t.fit.n,
        },
        "reference_study_energy_wh_per_1000_queries_mean": None
        if t.reference is None
        else t.reference.energy_wh_per_1000_queries_mean,
        "reference_study_energy_wh_per_1000_queries_std": None
        if t.reference is None
        else t.reference.energy_wh_per_1000_queries_std,
    }


def _comparison(c: Comparison) -> dict[str, Any]:
    return {
        "task": c.task,
        "dataset": c.dataset,
        "model": c.model,
        "multi_purpose_energy_wh_per_1000_queries_mean": _num(c.multi_purpose_wh_per_1000_queries),
        "task_specific_median_energy_wh_per_1000_queries": None
        if c.task_specific_median_wh_per_1000_queries is None
        else _num(c.task_specific_median_wh_per_1000_queries),
        "n_task_specific_models": c.n_task_specific,
        "ratio_multi_purpose_to_task_specific_median": None if c.ratio is None else _num(c.ratio),
        "quality_metric": c.quality_metric,
        "quality_value": None if c.quality is None else _num(c.quality),
        "task_specific_median_quality": None
        if c.task_specific_median_quality is None
        else _num(c.task_specific_median_quality),
    }


def _equivalent(e: Equivalent) -> dict[str, Any]:
    return {
        "task": e.task,
        "name": e.label,
        "value": _num(e.value),
        "unit": e.unit,
        "basis": e.basis,
        "source": e.source,
    }


def _run(r: RunRow) -> dict[str, Any]:
    return {
        "run_id": r.run_id,
        "started_at": r.started_at,
        "name": r.name,
        "task": r.task,
        "dataset": r.dataset,
        "duration_s": _num(r.duration_s),
        "energy_wh": _num(r.energy_wh),
        "emissions_g": None if r.emissions_g is None else _num(r.emissions_g),
        "methods": list(r.methods),
        "estimated": r.estimated,
        "sources": list(r.sources),
        "estimated_sources": list(r.estimated_sources),
        "producer": r.producer,
        "source_file": r.source_file,
    }


def _env(e: EnvironmentItem) -> dict[str, Any]:
    return {"key": e.key, "values": list(e.values), "n_distinct": e.n_distinct, "n_runs": e.n_runs}


def report_dict(report: Report) -> dict[str, Any]:
    m = report.methodology
    return {
        "schema": SCHEMA_NAME,
        "schema_version": report.schema_version,
        "generated_at": report.generated_at,
        "generator": report.generator,
        "store": report.store,
        "task_filter": list(report.task_filter),
        "units": {
            "energy": "Wh per 1,000 queries, query phase (gross unless net_)",
            "emissions": "g CO2eq per 1,000 queries",
            "latency": "s per query",
            "flops": "FLOPs of one query (counted, not measured); FLOP/J = FLOPs per query / "
            "J per query of the query phase; peak: the GPU's datasheet FLOP/s / TDP",
            "quality": "quality_value and its interval: a fraction in [0, 1] in quality_metric "
            "(higher is better); interval: 95% bootstrap over queries, null when imported",
            "output_length": "output tokens per query (a run's output tokens / its queries); "
            "energy_j_per_output_token: J per query of the query phase / output tokens per query",
        },
        "headlines": list(report.headlines),
        "tasks": [_task_dict(t) for t in report.tasks],
        "aggregates": [aggregate_dict(r) for r in report.rows],
        "comparisons": [_comparison(c) for c in report.comparisons],
        "quality_panels": panel_dicts(report),
        "equivalents": [_equivalent(e) for e in report.equivalents],
        "environment": [_env(e) for e in report.environment],
        "runs_without_per_query_figures": [_run(r) for r in report.per_run],
        "totals": {
            "energy_wh": None if report.total_energy_wh is None else _num(report.total_energy_wh),
            "emissions_g": None
            if report.total_emissions_g is None
            else _num(report.total_emissions_g),
        },
        "methodology": {
            "n_runs": m.n_runs,
            "repetitions_median": m.repetitions_median,
            "query_phase_only": m.query_phase_only,
            "runs_without_query_phase": m.runs_without_query_phase,
            "idle_baseline_runs": m.idle_baseline_runs,
            "estimated_sources": list(m.estimated_sources),
            "carbon_sources": list(m.carbon_sources),
            "pue_values": list(m.pue_values),
            "producers": list(m.producers),
            "unusable_runs": m.unusable_runs,
            "flops_runs": m.flops_runs,
            "flops_bases": list(m.flops_bases),
            "busy_idle_runs": m.busy_idle_runs,
            "busy_window_runs": m.busy_window_runs,
            "scopes": list(m.scopes),
            "interval": "95% Student-t interval of the mean over runs, lower end clipped at 0 "
            "(energy and emissions cannot be negative); none with fewer than 3 runs",
        },
        "failed_runs": {
            "n_failed": report.failed.n_failed,
            "top_errors": [{"error": e, "count": n} for e, n in report.failed.top_errors],
        },
        "reference_study": None
        if report.reference_citation is None
        else {"citation": report.reference_citation.text, "url": report.reference_citation.url},
        "reference_study_lengths": None
        if report.lengths_citation is None
        else {"citation": report.lengths_citation.text, "url": report.lengths_citation.url},
    }


def render_json(report: Report) -> str:
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def script_json(data: Any) -> str:
    """JSON safe inside an HTML ``<script>`` element: no ``</script>``, ``<!--`` or
    line separators can end or confuse it (every ``<``, ``>``, ``&`` is a \\u escape)."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> Any:
    """Text cells that a spreadsheet would run as a formula get a leading apostrophe."""
    if isinstance(value, str) and value.startswith(CSV_FORMULA_START):
        return "'" + value
    if isinstance(value, list):
        return "+".join(str(v) for v in value)
    return "" if value is None else value


def render_csv(report: Report) -> str:
    rows = [aggregate_dict(r, components=False) for r in report.rows]
    buf = io.StringIO()
    fields = list(rows[0]) if rows else list(aggregate_dict_fields())
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_cell(v) for k, v in row.items()})
    return buf.getvalue()


def aggregate_dict_fields() -> tuple[str, ...]:
    empty = ModelRow("", "", "", 0, None, None, None, None, None, None, (), False, False)
    return tuple(aggregate_dict(empty, components=False))
