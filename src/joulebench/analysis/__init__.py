"""Analysis: pure functions over run records and plain numbers. No I/O.

Units are in every name: ``*_j_per_1000_queries`` (joules per 1,000 queries, the study's
unit; ``units.j_to_kwh`` for its kWh), ``*_g_per_1000_queries`` (grams CO2eq),
``*_s_per_query``, ``*_j_per_output_token``, ``*_j_per_image``; break-even in kWh.

- :func:`cell_summaries` / :func:`task_summaries`: per (task, model, dataset) and per task
  (the study's Table 2): n, mean, sample std, median, 95% Student-t interval.
- :func:`rate_models` / :func:`star_ratings`: 1-5 stars by quintile of a cohort.
- :func:`scaling_by_task` / :func:`loglog_fit`: energy vs parameter count, log-log.
- :func:`efficiency_vs_peak` and :data:`DEVICE_PEAKS`: FLOP/J vs the hardware's peak;
  :func:`flops_efficiency`: per cell, counted FLOPs per query, FLOP/J and its fraction.
- :func:`task_specific_vs_multipurpose`: zero-shot models as a multiple of the
  task-specific median per dataset.
- :func:`quality_figure` / :func:`quality_panels` / :func:`pareto_indices`: a cell's
  quality over its runs, and the energy-quality Pareto front per (task, dataset, metric).
- :func:`output_lengths` / :func:`shows_output_length`: mean output tokens per query,
  energy per output token, and each length against its dataset's median.
- :func:`breakeven`: queries until inference equals training energy.
- :func:`compare_values`: two samples side by side with Welch's t-test.
- :class:`Summary`, :func:`summarize`, :func:`welch`, :func:`t_ppf`, :func:`percentile`:
  re-exported from :mod:`joulebench.stats` (the one statistics module, below all layers).
"""

from __future__ import annotations

from ..stats import (
    Summary,
    WelchTest,
    percentile,
    summarize,
    summarize_or_none,
    t_cdf,
    t_ppf,
    welch,
)
from .aggregate import (
    CellSummary,
    TaskSummary,
    cell_summaries,
    equivalents_per_1000_queries,
    samples,
    summarize_cell,
    summarize_task,
    task_summaries,
)
from .breakeven import BreakEven, breakeven
from .compare import Comparison, PairedComparison, Pairing, compare_values, pair_runs
from .efficiency import FlopsCell, flops_efficiency
from .hardware import (
    DEVICE_PEAKS,
    DevicePeak,
    PeakEfficiency,
    device_peak,
    efficiency_vs_peak,
    peak_for_gpu,
)
from .lengths import (
    GENERATIVE_TASKS,
    LengthCell,
    OutputLength,
    output_lengths,
    output_tokens_per_query,
    shows_output_length,
)
from .multipurpose import MultiPurposeRow, task_specific_vs_multipurpose
from .quality import (
    QualityFigure,
    QualityPanel,
    QualityPoint,
    beaten_by,
    metric_key,
    metric_label,
    pareto_indices,
    quality_figure,
    quality_figure_of,
    quality_panels,
)
from .samples import QUERY_PHASE, RunSample, in_task_cohort, is_zero_shot, quality_of, run_sample
from .scaling import ScalingFit, loglog_fit, scaling_by_task
from .stars import (
    CohortRating,
    StarRatings,
    rate_models,
    size_class,
    star_ratings,
    stars_for,
)

__all__ = [
    "DEVICE_PEAKS",
    "GENERATIVE_TASKS",
    "QUERY_PHASE",
    "BreakEven",
    "CellSummary",
    "CohortRating",
    "Comparison",
    "DevicePeak",
    "FlopsCell",
    "LengthCell",
    "MultiPurposeRow",
    "OutputLength",
    "PairedComparison",
    "Pairing",
    "PeakEfficiency",
    "QualityFigure",
    "QualityPanel",
    "QualityPoint",
    "RunSample",
    "ScalingFit",
    "StarRatings",
    "Summary",
    "TaskSummary",
    "WelchTest",
    "beaten_by",
    "breakeven",
    "cell_summaries",
    "compare_values",
    "device_peak",
    "efficiency_vs_peak",
    "equivalents_per_1000_queries",
    "flops_efficiency",
    "in_task_cohort",
    "is_zero_shot",
    "loglog_fit",
    "metric_key",
    "metric_label",
    "output_lengths",
    "output_tokens_per_query",
    "pair_runs",
    "pareto_indices",
    "peak_for_gpu",
    "percentile",
    "quality_figure",
    "quality_figure_of",
    "quality_of",
    "quality_panels",
    "rate_models",
    "run_sample",
    "samples",
    "scaling_by_task",
    "shows_output_length",
    "size_class",
    "star_ratings",
    "stars_for",
    "summarize",
    "summarize_cell",
    "summarize_or_none",
    "summarize_task",
    "t_cdf",
    "t_ppf",
    "task_specific_vs_multipurpose",
    "task_summaries",
    "welch",
]
