"""analysis.quality (Pareto front, a cell's quality) and analysis.lengths (output length),
from literals; and the cost-benefit headline."""

from __future__ import annotations

import pytest

from joulebench.analysis import (
    LengthCell,
    QualityFigure,
    QualityPoint,
    beaten_by,
    metric_label,
    output_lengths,
    output_tokens_per_query,
    pareto_indices,
    quality_figure,
    quality_panels,
    run_sample,
    shows_output_length,
)
from joulebench.analysis.headlines import TaskFigure, headlines
from joulebench.analysis.quality import SOURCE_IMPORTED, SOURCE_MEASURED, SOURCE_STUDY

from .conftest import record

WH = 3600.0  # J per Wh


# ---------------------------------------------------------------- Pareto front
def test_pareto_front_keeps_the_points_nothing_beats_on_both() -> None:
    # (energy, quality): A cheap and poor, B dearer and better, C dearer than B and worse,
    # D the dearest and the best
    points = [(1.0, 0.80), (2.0, 0.90), (3.0, 0.85), (5.0, 0.95)]
    assert pareto_indices(points) == [0, 1, 3]
    assert beaten_by(points, 2) == 1
    assert beaten_by(points, 0) is None


def test_pareto_front_ties() -> None:
    # same quality at more energy is beaten; same energy at lower quality is beaten
    assert pareto_indices([(1.0, 0.9), (2.0, 0.9)]) == [0]
    assert pareto_indices([(1.0, 0.9), (1.0, 0.8)]) == [0]
    # two identical points are both on the front; one point is its own front
    assert pareto_indices([(1.0, 0.9), (1.0, 0.9)]) == [0, 1]
    assert pareto_indices([(4.0, 0.1)]) == [0]
    assert pareto_indices([]) == []


def test_pareto_front_is_ordered_by_energy_and_beaten_by_names_the_cheapest_rival() -> None:
    points = [(9.0, 0.99), (3.0, 0.5), (1.0, 0.6), (5.0, 0.4)]
    assert pareto_indices(points) == [2, 0]
    # (5, 0.4) is beaten by (1, 0.6) and (3, 0.5): the cheaper one is named
    assert beaten_by(points, 3) == 2


# ---------------------------------------------------------------- a cell's quality
def _q(value: float, low: float, high: float, n: int = 1000, metric: str = "accuracy") -> dict:
    return {"metric": metric, "value": value, "n": n, "ci95_low": low, "ci95_high": high}


def test_quality_figure_of_measured_runs_joins_their_intervals() -> None:
    fig = quality_figure(
        [{"quality": _q(0.90, 0.88, 0.92)}, {"quality": _q(0.92, 0.90, 0.94, n=872)}, {}]
    )
    assert fig == QualityFigure(
        "accuracy", pytest.approx(0.91), 2, n=1000, ci95_low=0.88, ci95_high=0.94,
        source=SOURCE_MEASURED,
    )  # fmt: skip


def test_quality_figure_of_imported_runs_has_no_interval() -> None:
    study = quality_figure([{"quality": {"metric": "acc", "value": 0.9564}, "study": {"table2": False}}])
    assert study is not None
    assert (study.metric, study.value, study.source) == ("accuracy", 0.9564, SOURCE_STUDY)
    assert study.ci95_low is None and study.n is None and study.label == "accuracy"
    other = quality_figure([{"quality": {"metric": "f1", "value": 0.5}, "study": {"indexed": False}}])
    assert other is not None and other.source == SOURCE_IMPORTED
    bare = quality_figure([{"quality": 0.7}])
    assert bare is not None and (bare.metric, bare.value) == ("quality", 0.7)
    assert quality_figure([{}, {"quality": "high"}]) is None


def test_quality_figure_keeps_the_most_common_metric() -> None:
    fig = quality_figure(
        [{"quality": _q(0.4, 0.3, 0.5, metric="rougeL")}] * 2
        + [{"quality": _q(0.9, 0.8, 1.0, metric="rouge1")}]
    )
    assert fig is not None and fig.metric == "rougeL" and fig.value == pytest.approx(0.4)
    assert fig.n_runs == 2 and fig.label == "ROUGE-L"
    assert metric_label("f1, has answer") == "F1 (has answer)"


def _point(model: str, wh: float, value: float, dataset: str = "sst2", zs: bool = False,
           metric: str = "accuracy") -> QualityPoint:  # fmt: skip
    return QualityPoint(
        "text-classification", model, dataset, wh * WH, QualityFigure(metric, value, 1),
        zero_shot=zs,
    )  # fmt: skip


def test_quality_panels_group_by_dataset_and_metric() -> None:
    panels = quality_panels(
        [
            _point("distilbert", 1.5, 0.91),
            _point("roberta", 6.0, 0.95),
            _point("bert", 7.0, 0.93),
            _point("flan-t5-xl", 40.0, 0.956, zs=True),
            _point("distilbert", 1.4, 0.88, dataset="imdb"),
            _point("distilbert", 1.4, 0.5, dataset="imdb", metric="f1"),
        ]
    )
    assert [(p.dataset, p.metric, len(p.points)) for p in panels] == [
        ("imdb", "accuracy", 1), ("imdb", "f1", 1), ("sst2", "accuracy", 4),
    ]  # fmt: skip
    sst2 = panels[-1]
    assert [p.model for p in sst2.points] == ["distilbert", "roberta", "bert", "flan-t5-xl"]
    assert [p.model for p in sst2.front] == ["distilbert", "roberta", "flan-t5-xl"]
    assert sst2.beaten_by == (None, None, "roberta", None)


def test_quality_panel_front_for_a_lower_is_better_metric() -> None:
    worse = QualityFigure("error", 0.2, 1, higher_is_better=False)
    better = QualityFigure("error", 0.1, 1, higher_is_better=False)
    (panel,) = quality_panels(
        [QualityPoint("t", "a", "d", 1.0, worse), QualityPoint("t", "b", "d", 1.0, better)]
    )
    assert [p.model for p in panel.front] == ["b"]


# ---------------------------------------------------------------- output length
def test_output_tokens_per_query_and_where_it_is_shown() -> None:
    assert output_tokens_per_query(12_000, 1000) == 12.0
    assert output_tokens_per_query(0, 1000) is None  # tasks that produce no tokens
    assert output_tokens_per_query(None, 1000) is None
    assert output_tokens_per_query(50, 0) is None
    assert shows_output_length("summarization", False)
    assert shows_output_length("text-classification", True)  # zero-shot: generated text
    assert not shows_output_length("text-classification", False)


def test_run_sample_reads_output_tokens() -> None:
    r = record("r1", gpu_j=500.0, n_queries=10, units={"output_tokens": 125})
    s = run_sample(r)
    assert s is not None and s.output_tokens_per_query == 12.5
    assert s.energy_j_per_output_token == pytest.approx(500.0 / 125)
    s0 = run_sample(record("r2", gpu_j=500.0, units={"output_tokens": 0}))
    assert s0 is not None and s0.output_tokens_per_query is None


def test_output_lengths_measured_else_reference() -> None:
    cells = [
        LengthCell("a", "cnn", 40.0 * WH, output_tokens_per_query=10.0),
        LengthCell("b", "cnn", 60.0 * WH, output_tokens_per_query=20.0,
                   reference_output_tokens_per_query=11.0),
        LengthCell("c", "cnn", 30.0 * WH, reference_output_tokens_per_query=15.0),
        LengthCell("d", "cnn", 30.0 * WH),  # nothing known: left out
        LengthCell("e", "sst2", 2.0 * WH, output_tokens_per_query=1.0),
    ]  # fmt: skip
    out = {o.key: o for o in output_lengths(cells)}
    assert set(out) == {"a", "b", "c", "e"}
    assert (out["b"].tokens_per_query, out["b"].basis) == (20.0, "measured")
    assert (out["c"].tokens_per_query, out["c"].basis) == (15.0, "reference")
    # J per output token = (Wh per 1,000 queries x 3,600 / 1,000) / tokens per query
    assert out["a"].energy_j_per_output_token == pytest.approx(40.0 * 3.6 / 10.0)
    assert out["c"].energy_j_per_output_token == pytest.approx(30.0 * 3.6 / 15.0)
    # the cnn median of 10, 20 and 15 is 15
    assert out["b"].times_dataset_median == pytest.approx(20.0 / 15.0)
    assert out["e"].times_dataset_median is None  # alone on its dataset


# ---------------------------------------------------------------- the headline
def test_cost_benefit_headline_names_what_the_energy_bought() -> None:
    panels = quality_panels(
        [
            _point("distilbert-sst2", 1.5, 0.989),
            _point("roberta-sst2", 6.0, 0.92),
            _point("flan-t5-xl", 40.0, 0.956, zs=True),
            _point("flan-t5-base", 10.0, 0.93, zs=True),
        ]
    )
    out = headlines([TaskFigure("text-classification", 2 * WH, 2)], quality=panels)
    (cost,) = [h for h in out if h.kind == "cost-benefit"]
    assert cost.text == (
        "On sst2, the most accurate multi-purpose model run zero-shot, flan-t5-xl, reached "
        "0.956 accuracy at 26.7x the energy of the most accurate task-specific model, "
        "distilbert-sst2 (0.989)."
    )


def test_cost_benefit_headline_without_zero_shot_runs() -> None:
    panels = quality_panels([_point("small", 1.0, 0.90), _point("large", 4.0, 0.93)])
    out = headlines([TaskFigure("text-classification", 2 * WH, 2)], quality=panels)
    (cost,) = [h for h in out if h.kind == "cost-benefit"]
    assert cost.text == (
        "On sst2, the most accurate text-classification model, large, reached 0.93 accuracy at "
        "4x the energy of small (0.9), the cheapest model on the energy-quality Pareto front."
    )
    # one model, or one that wins on both: no trade-off to state
    lone = quality_panels([_point("small", 1.0, 0.95), _point("large", 4.0, 0.93)])
    assert all(h.kind != "cost-benefit" for h in headlines([TaskFigure("t", WH, 1)], quality=lone))
