"""Build the report data model from run records through ``joulebench.analysis``.

``build_report(records)`` is the only place the report computes: it asks the analysis for
per-run samples (query phase, per 1,000 queries), cell and task summaries, star ratings,
scaling fits, the task-specific / multi-purpose comparison, quality against energy and
output lengths (``report.cost_benefit``), converts joules to the displayed Wh, and adds
what only the records know (provenance, environment, failures).
"""

from __future__ import annotations

import json
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from importlib import resources

from .. import __version__, analysis, units
from ..analysis import CellSummary, FlopsCell, MultiPurposeRow, RunSample, in_task_cohort
from ..analysis import QualityPanel as AnalysisQualityPanel
from ..analysis.headlines import CellFigure, TaskFigure, headlines
from ..analysis.quality import metric_key
from ..analysis.stars import rate_cells
from ..bench.records import STATUS_OK, RunRecord
from ..errors import UsageError, closest
from ..measure.results import ComponentEnergy, PhaseResult
from ..serve.record import KIND_ENDPOINT
from .cost_benefit import load_reference_lengths, with_lengths, with_quality
from .endpoint_view import endpoint_summaries
from .environment import summarize_environment
from .equivalents import equivalents
from .model import (
    PROVENANCE_ORDER,
    SCHEMA_VERSION,
    Citation,
    Comparison,
    ComponentRow,
    FailedSummary,
    Methodology,
    ModelRow,
    ReferenceFigure,
    Report,
    RunRow,
    ScalingFit,
    TaskSummary,
)

WH_PER_J = 1.0 / units.J_PER_WH
NO_NAME = "(none)"
_Key = tuple[str, str, str]


def _key(s: RunSample | CellSummary | FlopsCell) -> _Key:
    return (s.task or NO_NAME, s.model or NO_NAME, s.dataset or NO_NAME)


def _query_components(rec: RunRecord) -> tuple[ComponentEnergy, ...]:
    m = rec.measurement
    if m is None:
        return ()
    phase = m.phase(analysis.QUERY_PHASE)
    return phase.components if phase is not None else m.components


def _ordered(methods: Iterable[str]) -> tuple[str, ...]:
    seen = set(methods)
    known = tuple(m for m in PROVENANCE_ORDER if m in seen)
    return known + tuple(sorted(seen - set(PROVENANCE_ORDER)))


def _component_rows(
    cell: CellSummary, comps: Sequence[ComponentEnergy]
) -> tuple[ComponentRow, ...]:
    by_domain: dict[str, list[ComponentEnergy]] = defaultdict(list)
    for c in comps:
        by_domain[c.domain.value].append(c)
    rows = []
    for domain, summary in cell.components_j_per_1000_queries.items():
        net = cell.net_components_j_per_1000_queries.get(domain)
        items = by_domain.get(domain, [])
        rows.append(
            ComponentRow(
                domain=domain,
                sources=tuple(sorted({c.source for c in items})),
                methods=_ordered(c.method.value for c in items),
                covers="; ".join(sorted({c.covers for c in items if c.covers})),
                energy_wh_per_1000_queries_mean=summary.mean * WH_PER_J,
                net_energy_wh_per_1000_queries_mean=None if net is None else net.mean * WH_PER_J,
            )
        )
    return tuple(rows)


def _model_row(
    cell: CellSummary,
    comps: Sequence[ComponentEnergy],
    n_queries: int | None,
    flops: FlopsCell | None = None,
) -> ModelRow:
    em = cell.emissions_g_per_1000_queries
    net = cell.net_energy_j_per_1000_queries
    methods = _ordered(c.method.value for c in comps)
    task, model, dataset = _key(cell)
    return ModelRow(
        task=task,
        model=model,
        dataset=dataset,
        n_runs=cell.n_runs,
        n_queries=n_queries,
        energy_wh_per_1000_queries=cell.energy_j_per_1000_queries.scaled(WH_PER_J),
        net_energy_wh_per_1000_queries=None if net is None else net.scaled(WH_PER_J),
        emissions_g_per_1000_queries=em,
        latency_s_per_query_mean=cell.latency_s_per_query.mean,
        parameters=cell.parameters,
        methods=methods,
        estimated="model" in methods,
        multi_purpose=cell.zero_shot,
        components=_component_rows(cell, comps),
        flops_per_query=None if flops is None else flops.flops_per_query,
        flops_per_j=None if flops is None else flops.flops_per_j,
        peak_flops_per_j=None if flops is None else flops.peak_flops_per_j,
        fraction_of_peak=None if flops is None else flops.fraction_of_peak,
        peak_note="" if flops is None else flops.peak_note,
        output_tokens_per_query=cell.output_tokens_per_query,
    )


def _rate(rows: list[ModelRow], cells: Sequence[CellSummary]) -> list[ModelRow]:
    """Stars per leaderboard row within its cohort (analysis.rate_cells): rows are
    (model, dataset) cells and are rated by the value they are ranked by, so within a
    cohort the stars follow the rank. A one-model cohort gets no stars, and says so."""
    rating: dict[_Key, tuple[int | None, str, tuple[float, ...], bool, str]] = {}
    for cohort in rate_cells(cells):
        task = cohort.task or NO_NAME
        label = task if cohort.size_class is None else f"{task}, size class {cohort.size_class}"
        # cut points are in J per query: x 1,000 queries, in Wh
        cuts = tuple(c * units.QUERIES_PER_REPORT * WH_PER_J for c in cohort.ratings.cut_points)
        small = cohort.ratings.small_cohort
        for model, dataset in cohort.members:
            key = (task, model or NO_NAME, dataset or NO_NAME)
            n_stars = cohort.ratings.stars.get((model, dataset))
            if cohort.unrated is not None:
                rating[key] = (None, label, (), small, cohort.unrated)
            else:
                rating[key] = (n_stars, label, cuts, small, "")
    out = []
    for r in rows:
        n, label, cuts, small, note = rating.get(
            (r.task, r.model, r.dataset), (None, "", (), False, "")
        )
        out.append(
            replace(
                r, stars=n, star_cohort=label, star_cut_points_wh=cuts, small_cohort=small,
                star_note=note,
            )
        )  # fmt: skip
    return out


def _fit(fit: analysis.ScalingFit | None) -> ScalingFit | None:
    if fit is None:
        return None
    # J per query -> Wh per 1,000 queries is a constant factor: a shift in log space.
    shift = math.log10(units.QUERIES_PER_REPORT * WH_PER_J)
    return ScalingFit(
        slope=fit.slope, intercept=fit.intercept_log10_j + shift, r2=fit.r_squared, n=fit.n_points
    )


def _comparisons(multi: Sequence[MultiPurposeRow]) -> tuple[Comparison, ...]:
    out = []
    for row in multi:
        med = row.task_specific_median_j_per_1000_queries
        out.append(
            Comparison(
                task=row.task or NO_NAME,
                dataset=row.dataset or NO_NAME,
                model=row.model or NO_NAME,
                multi_purpose_wh_per_1000_queries=row.energy_j_per_1000_queries * WH_PER_J,
                task_specific_median_wh_per_1000_queries=None if med is None else med * WH_PER_J,
                n_task_specific=row.n_task_specific_models,
                ratio=row.energy_multiple,
                quality_metric=None if row.quality_metric is None else metric_key(row.quality_metric),
                quality=row.quality,
                task_specific_median_quality=row.task_specific_median_quality,
            )
        )
    return tuple(out)


def load_reference() -> tuple[Citation, dict[str, ReferenceFigure]]:
    """The study's Table 2 (package data ``reference_study.json``), in Wh per 1,000 queries."""
    text = resources.files(__package__).joinpath("reference_study.json").read_text("utf-8")
    data = json.loads(text)
    figures = {
        task: ReferenceFigure(
            task=task,
            energy_wh_per_1000_queries_mean=units.kwh_to_j(v["mean_kwh"]) * WH_PER_J,
            energy_wh_per_1000_queries_std=units.kwh_to_j(v["std_kwh"]) * WH_PER_J,
        )
        for task, v in data["tasks"].items()
    }
    return Citation(text=data["citation"], url=data["url"]), figures


def first_line(error: str | None) -> str:
    lines = (error or "").strip().splitlines()
    return (lines[0][:200] if lines else "") or "no error message"


def failed_summary(records: Sequence[RunRecord]) -> FailedSummary:
    errors = Counter(first_line(r.error) for r in records if r.status != STATUS_OK)
    return FailedSummary(n_failed=sum(errors.values()), top_errors=tuple(errors.most_common(5)))


def _has_idle_baseline(rec: RunRecord) -> bool:
    """A run measured an idle baseline when its components carry an idle power (a
    baseline shared by a session leaves ``idle_s`` unset in older stores) or it timed one."""
    m = rec.measurement
    if m is None:
        return False
    if m.idle_s is not None:
        return True
    comps = list(m.components) + [c for p in _walk(m.phases) for c in p.components]
    return any(c.idle_power_w is not None for c in comps)


def _walk(phases: Iterable[PhaseResult]) -> Iterable[PhaseResult]:
    for p in phases:
        yield p
        yield from _walk(p.children)


def _run_row(rec: RunRecord) -> RunRow | None:
    """A successful run with a known energy that gives no per-query figures."""
    m = rec.measurement
    if rec.status != STATUS_OK or m is None or m.energy_j is None:
        return None
    cc = rec.extra.get("codecarbon")
    project = cc.get("project_name") if isinstance(cc, dict) else None
    ctx = rec.carbon
    grams = None if ctx is None else units.emissions_g(m.energy_j, ctx.intensity_g_per_kwh, ctx.pue)
    methods = _ordered(c.method.value for c in m.components)
    source = rec.extra.get("source_file")
    return RunRow(
        run_id=rec.run_id,
        started_at=rec.started_at,
        name=rec.model or (str(project) if project else NO_NAME),
        task=rec.task,
        dataset=rec.dataset,
        duration_s=m.duration_s,
        energy_wh=m.energy_j * WH_PER_J,
        emissions_g=grams,
        methods=methods,
        estimated="model" in methods,
        sources=tuple(sorted({c.source for c in m.components})),
        estimated_sources=tuple(
            sorted({c.source for c in m.components if c.method.value == "model"})
        ),
        producer=rec.producer,
        source_file=str(source) if source else "",
    )


def _headlines(
    summaries: Sequence[TaskSummary],
    multi: Sequence[MultiPurposeRow],
    quality: Sequence[AnalysisQualityPanel] = (),
) -> tuple[str, ...]:
    """The findings in sentences (analysis.headlines) over the report's own aggregates."""
    tasks = [
        TaskFigure(t.task, t.energy_wh_per_1000_queries.mean * units.J_PER_WH, t.n_models)
        for t in summaries
        if t.task != NO_NAME
    ]
    cells = [
        CellFigure(r.task, r.model, r.dataset, e.mean * units.J_PER_WH, r.in_task_mean)
        for t in summaries
        if t.task != NO_NAME
        for r in t.rows
        if (e := r.energy_wh_per_1000_queries) is not None
    ]
    named = [r for r in multi if r.task is not None]
    shown = [p for p in quality if p.task != NO_NAME]
    return tuple(h.text for h in headlines(tasks, cells, named, shown))


def _methodology(
    records: Sequence[RunRecord],
    used: Sequence[RunRecord],
    comps: Mapping[str, tuple[ComponentEnergy, ...]],
    samples: Sequence[RunSample],
    rows: Sequence[ModelRow],
    flops: Sequence[FlopsCell] = (),
) -> Methodology:
    no_query = sum(
        1 for r in used if r.measurement is not None and r.measurement.phase("query") is None
    )
    estimated = sorted({c.source for cs in comps.values() for c in cs if c.method.value == "model"})
    measured = [r.measurement for r in used if r.measurement is not None]
    carbon = [r.carbon for r in used if r.carbon is not None]
    return Methodology(
        n_runs=len(samples),
        repetitions_median=int(statistics.median(r.n_runs for r in rows)) if rows else None,
        query_phase_only=no_query == 0,
        runs_without_query_phase=no_query,
        idle_baseline_runs=sum(1 for r in used if _has_idle_baseline(r)),
        estimated_sources=tuple(estimated),
        carbon_sources=tuple(sorted({c.source for c in carbon})),
        pue_values=tuple(sorted({c.pue for c in carbon})),
        producers=tuple(sorted({r.producer for r in used})),
        unusable_runs=sum(1 for r in records if r.status == STATUS_OK) - len(used),
        flops_runs=sum(f.n_runs for f in flops),
        flops_bases=tuple(sorted({b for f in flops for b in f.basis.split("; ")})),
        busy_idle_runs=sum(
            1 for m in measured if m.idle_host_load is not None and m.idle_host_load.busy
        ),
        busy_window_runs=sum(1 for m in measured if m.host_load is not None and m.host_load.busy),
        scopes=tuple(sorted({m.scope for m in measured})),
    )


def filter_tasks(records: Sequence[RunRecord], tasks: Sequence[str]) -> list[RunRecord]:
    """Keep the records of ``tasks``; a task with no runs raises UsageError."""
    if not tasks:
        return list(records)
    known = sorted({r.task for r in records if r.task})
    for t in tasks:
        if t not in known:
            raise UsageError(
                f"no runs for task {t!r} in the store{closest(t, known)}",
                hint="tasks with runs: " + (", ".join(known) or "none"),
            )
    wanted = set(tasks)
    return [r for r in records if r.task in wanted]


def build_report(
    records: Iterable[RunRecord],
    *,
    reference_study: bool = False,
    tasks: Sequence[str] = (),
    store: str | None = None,
    now: datetime | None = None,
) -> Report:
    """The report of ``records``: usable runs aggregate, failed ones are counted."""
    records = filter_tasks(list(records), tasks)
    by_id = {r.run_id: r for r in records}
    samples = analysis.samples(records)
    used = [by_id[s.run_id] for s in samples]
    comps = {r.run_id: _query_components(r) for r in used}
    cell_groups: dict[_Key, list[RunSample]] = defaultdict(list)
    task_groups: dict[str, list[RunSample]] = defaultdict(list)
    all_by_task: dict[str, list[RunSample]] = defaultdict(list)
    for s in samples:
        cell_groups[_key(s)].append(s)
        all_by_task[s.task or NO_NAME].append(s)
        if in_task_cohort(by_id[s.run_id]):
            task_groups[s.task or NO_NAME].append(s)
    for task, group in all_by_task.items():  # a task with only zero-shot runs: use them
        task_groups.setdefault(task, group)
    in_mean = {s.run_id for g in task_groups.values() for s in g}
    cells = [analysis.summarize_cell(g) for g in cell_groups.values()]
    flops = analysis.flops_efficiency(used)
    flops_by_key = {_key(f): f for f in flops}
    rows = [
        _model_row(
            c,
            [comp for rid in c.run_ids for comp in comps[rid]],
            Counter(s.n_queries for s in g).most_common(1)[0][0],
            flops_by_key.get(_key(c)),
        )
        for c, g in zip(cells, cell_groups.values(), strict=True)
    ]
    rows = [
        replace(r, in_task_mean=any(rid in in_mean for rid in c.run_ids))
        for r, c in zip(rows, cells, strict=True)
    ]
    rows = _rate(rows, cells)
    parts = {k: [s.parts for s in g] for k, g in cell_groups.items()}
    rows, quality_panels, analysis_panels = with_quality(rows, parts)
    lengths_citation, lengths = load_reference_lengths() if reference_study else (None, {})
    rows = with_lengths(rows, lengths)
    fits = analysis.scaling_by_task(cells)
    multi = analysis.task_specific_vs_multipurpose(cells)
    citation, ref = load_reference() if reference_study else (None, {})
    rows_by_task: dict[str, list[ModelRow]] = defaultdict(list)
    for r in rows:
        rows_by_task[r.task].append(r)
    summaries = []
    for task, group in task_groups.items():
        t = analysis.summarize_task(group)
        net = t.net_energy_j_per_1000_queries
        task_rows = sorted(
            rows_by_task[task],
            key=lambda r: (r.energy_wh_per_1000_queries.mean, r.model, r.dataset),  # type: ignore[union-attr]
        )
        summaries.append(
            TaskSummary(
                task=task,
                n_runs=t.n_runs,
                n_models=t.n_models,
                n_datasets=t.n_datasets,
                energy_wh_per_1000_queries=t.energy_j_per_1000_queries.scaled(WH_PER_J),
                net_energy_wh_per_1000_queries=None if net is None else net.scaled(WH_PER_J),
                emissions_g_per_1000_queries=t.emissions_g_per_1000_queries,
                rows=tuple(task_rows),
                fit=_fit(fits.get(None if task == NO_NAME else task)),
                reference=ref.get(task),
                estimated=any(r.estimated for r in task_rows),
            )
        )
    summaries.sort(key=lambda s: (s.energy_wh_per_1000_queries.mean, s.task))
    total_wh = math.fsum(s.energy_j_per_1000_queries * s.n_queries for s in samples) / (
        units.QUERIES_PER_REPORT * units.J_PER_WH
    )
    grams = [
        s.emissions_g_per_1000_queries * s.n_queries
        for s in samples
        if s.emissions_g_per_1000_queries is not None
    ]
    total_g = math.fsum(grams) / units.QUERIES_PER_REPORT if grams else None
    used_ids = {s.run_id for s in samples}
    per_run = sorted(
        (
            row
            for r in records
            if r.run_id not in used_ids and r.kind != KIND_ENDPOINT
            for row in [_run_row(r)]
            if row
        ),
        key=lambda row: (row.started_at, row.run_id),
    )
    when = now or datetime.now(timezone.utc)
    return Report(
        schema_version=SCHEMA_VERSION,
        generated_at=when.isoformat(timespec="seconds"),
        generator=f"joulebench {__version__}",
        tasks=tuple(summaries),
        comparisons=_comparisons(multi),
        equivalents=equivalents(summaries, total_wh if samples else None, total_g),
        environment=summarize_environment(used + [by_id[r.run_id] for r in per_run]),
        methodology=_methodology(records, used, comps, samples, rows, flops),
        failed=failed_summary(records),
        reference_citation=citation,
        store=store,
        task_filter=tuple(tasks),
        headlines=_headlines(summaries, multi, analysis_panels),
        per_run=tuple(per_run),
        total_energy_wh=total_wh if samples else None,
        total_emissions_g=total_g,
        endpoints=tuple(endpoint_summaries(records)),
        quality_panels=quality_panels,
        lengths_citation=lengths_citation if any(r.reference_output_tokens_per_query for r in rows) else None,
    )
