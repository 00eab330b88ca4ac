"""The report data model: everything a view (HTML, Markdown, JSON, CSV) needs, and nothing else.

``report.build`` fills it from run records through the analysis functions; views only read
it. Numbers keep their unit in their name; energies are shown per 1,000 queries, in Wh
(the study's kWh x 1,000), emissions in g CO2eq per 1,000 queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..analysis.endpoint import EndpointSummary
from ..analysis.lengths import OutputLength
from ..analysis.quality import QualityFigure
from ..stats import Summary

SCHEMA_VERSION = 1

# Summaries over runs (n, mean, std, median, 95% interval) in the unit of the field name.
Stats = Summary

# How an energy figure was obtained (measure.sensor.Method values), strongest first.
PROVENANCE_ORDER = ("counter", "power-integration", "user", "model")


@dataclass(frozen=True)
class ComponentRow:
    """Energy of one component (a sensor domain: ``gpu``, ``cpu-package`` ...) per 1,000
    queries, with the sensors and methods that measured it."""

    domain: str
    sources: tuple[str, ...]
    methods: tuple[str, ...]
    covers: str
    energy_wh_per_1000_queries_mean: float | None
    net_energy_wh_per_1000_queries_mean: float | None


@dataclass(frozen=True)
class ModelRow:
    """One (task, model, dataset) aggregate over its successful runs."""

    task: str
    model: str
    dataset: str
    n_runs: int
    n_queries: int | None  # queries per run (the most common value)
    energy_wh_per_1000_queries: Stats | None  # gross, query phase
    net_energy_wh_per_1000_queries: Stats | None  # above the idle baseline
    emissions_g_per_1000_queries: Stats | None
    latency_s_per_query_mean: float | None
    parameters: int | None
    methods: tuple[str, ...]  # provenance, strongest first
    estimated: bool  # some energy comes from a model, not a measurement
    multi_purpose: bool  # a multi-purpose model run zero-shot
    stars: int | None = None  # 1..5, 5 = most efficient in its cohort
    star_cohort: str = ""  # the task, or e.g. "text-generation, size class A"
    star_cut_points_wh: tuple[float, ...] = ()  # cohort limits, Wh per 1,000 queries
    small_cohort: bool = False  # fewer than five rows rated together
    star_note: str = ""  # why there are no stars, e.g. "one model"
    in_task_mean: bool = True  # counted in the task's headline mean (task-specific runs)
    components: tuple[ComponentRow, ...] = ()
    # Counted FLOPs of one query (mean over runs) against the GPU's datasheet peak; None
    # when unknown (no count; CPU or a GPU without a peak figure: see peak_note).
    flops_per_query: float | None = None
    flops_per_j: float | None = None  # achieved: FLOPs per query / J per query (query phase)
    peak_flops_per_j: float | None = None  # the device's peak at the job's dtype
    fraction_of_peak: float | None = None  # flops_per_j / peak_flops_per_j
    peak_note: str = ""  # the peak used, or why there is none
    # Quality (analysis.quality): the study's metric over the runs, with its interval, and
    # whether no other row of the (task, dataset, metric) beats it on energy and quality.
    quality: QualityFigure | None = None
    on_quality_front: bool = False
    quality_beaten_by: str | None = None  # the cheapest row that beats it on both
    # Output length (analysis.lengths): measured mean output tokens per query over runs,
    # the reference's (the study's lengths, with --reference-study), and what they cost.
    output_tokens_per_query: Stats | None = None
    reference_output_tokens_per_query: float | None = None
    output_length: OutputLength | None = None  # measured, else the reference's


@dataclass(frozen=True)
class ScalingFit:
    """log10(energy Wh per 1,000 queries) = intercept + slope * log10(parameters)."""

    slope: float
    intercept: float
    r2: float | None  # None when every point has the same energy
    n: int


@dataclass(frozen=True)
class ReferenceFigure:
    """The study's published figure for a task (Table 2), converted to Wh per 1,000 queries."""

    task: str
    energy_wh_per_1000_queries_mean: float
    energy_wh_per_1000_queries_std: float


@dataclass(frozen=True)
class TaskSummary:
    task: str
    n_runs: int
    n_models: int
    n_datasets: int
    energy_wh_per_1000_queries: Stats  # over all runs of the task (the study's Table 2)
    net_energy_wh_per_1000_queries: Stats | None
    emissions_g_per_1000_queries: Stats | None
    rows: tuple[ModelRow, ...]  # leaderboard, lowest energy first
    fit: ScalingFit | None = None
    reference: ReferenceFigure | None = None
    estimated: bool = False

    # What the leaderboard shows (every row), next to what the headline mean counts
    # (``n_models``, ``n_runs``: the task-specific models, the study's Table 2 cohort).
    @property
    def shown_models(self) -> int:
        return len({r.model for r in self.rows})

    @property
    def shown_zero_shot_models(self) -> int:
        return len({r.model for r in self.rows if r.multi_purpose})

    @property
    def shown_runs(self) -> int:
        return sum(r.n_runs for r in self.rows)


@dataclass(frozen=True)
class Comparison:
    """A multi-purpose model run zero-shot on a dataset, against the median of that
    dataset's task-specific models (the study's Section 4.3)."""

    task: str
    dataset: str
    model: str
    multi_purpose_wh_per_1000_queries: float
    task_specific_median_wh_per_1000_queries: float | None
    n_task_specific: int
    ratio: float | None  # multi-purpose / task-specific median
    quality_metric: str | None = None  # the dataset's metric (analysis.quality.metric_key)
    quality: float | None = None  # the multi-purpose model's
    task_specific_median_quality: float | None = None


@dataclass(frozen=True)
class QualityPanel:
    """The rows of one (task, dataset) scored in one metric, lowest energy first, for the
    energy-quality chart; ``front`` names the models on its Pareto front."""

    task: str
    dataset: str
    metric: str
    rows: tuple[ModelRow, ...]
    front: tuple[str, ...]


@dataclass(frozen=True)
class Equivalent:
    """An everyday equivalent of an energy or carbon figure, with its basis."""

    task: str | None  # None: all measured runs together
    label: str  # e.g. "smartphone charges"
    value: float
    unit: str  # what ``value`` counts, e.g. "charges per 1,000 queries"
    basis: str  # the conversion factor
    source: str  # where the factor comes from


@dataclass(frozen=True)
class EnvironmentItem:
    """One environment key and the distinct values the runs recorded for it."""

    key: str  # dotted path in the snapshot, e.g. "gpu.0.name"
    values: tuple[str, ...]  # most frequent first, at most a few
    n_distinct: int
    n_runs: int


@dataclass(frozen=True)
class FailedSummary:
    n_failed: int
    top_errors: tuple[tuple[str, int], ...]  # (error, count), most frequent first


@dataclass(frozen=True)
class Methodology:
    n_runs: int
    repetitions_median: int | None  # successful runs per (task, model, dataset)
    query_phase_only: bool  # every figure comes from a ``query`` phase
    runs_without_query_phase: int
    idle_baseline_runs: int  # runs with a measured idle baseline (net figures)
    estimated_sources: tuple[str, ...]  # components whose energy is a model estimate
    carbon_sources: tuple[str, ...]
    pue_values: tuple[float, ...]
    producers: tuple[str, ...]
    unusable_runs: int = 0  # successful runs with no query count or no known energy
    flops_runs: int = 0  # runs with a counted FLOPs per query
    flops_bases: tuple[str, ...] = ()  # how those FLOPs were counted
    busy_idle_runs: int = 0  # runs whose idle baseline was taken on a busy machine
    busy_window_runs: int = 0  # runs measured while other processes kept the CPUs busy
    scopes: tuple[str, ...] = ()  # the runs' measurement scopes ("machine", "process")


@dataclass(frozen=True)
class RunRow:
    """A successful run with a known energy but no per-query figures (no query count,
    e.g. a plain CodeCarbon ``emissions.csv``): shown run by run, whole window."""

    run_id: str
    started_at: str
    name: str  # the model, else the project, else "(none)"
    task: str | None
    dataset: str | None
    duration_s: float
    energy_wh: float  # the whole measured window (every phase)
    emissions_g: float | None  # None without a carbon context
    methods: tuple[str, ...]  # provenance, strongest first
    estimated: bool  # some energy comes from a model, not a measurement
    sources: tuple[str, ...]  # the sensors, e.g. ("codecarbon:gpu", ...)
    estimated_sources: tuple[str, ...]  # those whose energy is a model estimate
    producer: str
    source_file: str = ""


@dataclass(frozen=True)
class Citation:
    text: str
    url: str


@dataclass(frozen=True)
class Report:
    schema_version: int
    generated_at: str  # ISO 8601 UTC
    generator: str  # "joulebench 0.1.0"
    tasks: tuple[TaskSummary, ...]
    comparisons: tuple[Comparison, ...]
    equivalents: tuple[Equivalent, ...]
    environment: tuple[EnvironmentItem, ...]
    methodology: Methodology
    failed: FailedSummary
    reference_citation: Citation | None = None  # set when the study's figures are shown
    store: str | None = None
    task_filter: tuple[str, ...] = field(default_factory=tuple)
    headlines: tuple[str, ...] = ()  # the findings in sentences (analysis.headlines)
    per_run: tuple[RunRow, ...] = ()  # runs without per-query figures, by start time
    total_energy_wh: float | None = None  # all runs with per-query figures, as measured
    total_emissions_g: float | None = None
    endpoints: tuple[EndpointSummary, ...] = ()  # serving-endpoint points (analysis.endpoint)
    quality_panels: tuple[QualityPanel, ...] = ()  # energy against quality, per dataset
    lengths_citation: Citation | None = None  # set when the study's lengths are shown

    @property
    def rows(self) -> tuple[ModelRow, ...]:
        return tuple(r for t in self.tasks for r in t.rows)
