"""analysis.headlines: the findings in sentences, from literals."""

from __future__ import annotations

from joulebench.analysis.headlines import (
    CellFigure,
    TaskFigure,
    energy_text,
    headlines,
    sig,
)
from joulebench.analysis.multipurpose import MultiPurposeRow

WH = 3600.0  # J per Wh


def _multi(ratio: float, dataset: str = "sst2", model: str = "flan-t5") -> MultiPurposeRow:
    return MultiPurposeRow(
        task="text-classification", dataset=dataset, model=model,
        energy_j_per_1000_queries=ratio * 2 * WH, task_specific_median_j_per_1000_queries=2 * WH,
        n_task_specific_models=3, energy_multiple=ratio, quality_metric=None, quality=None,
        task_specific_median_quality=None,
    )  # fmt: skip


def test_sig_and_energy_text() -> None:
    assert sig(1269.4) == "1,270"
    assert sig(4.586) == "4.59"
    assert sig(0.02134) == "0.0213"
    assert sig(198.2) == "198"
    assert sig(3.5) == "3.5"
    assert energy_text(2.29 * WH) == "2.29 Wh"
    assert energy_text(2907 * WH) == "2.91 kWh"  # the study's unit from 1,000 Wh
    assert energy_text(0.02 * WH) == "0.02 Wh"


def test_the_studys_headlines() -> None:
    tasks = [
        TaskFigure("text-classification", 2.29 * WH, 8),
        TaskFigure("summarization", 49.2 * WH, 8),
        TaskFigure("text-to-image", 2907 * WH, 8),
    ]
    cells = [
        CellFigure("text-classification", "sbcBI/sentiment", "imdb", 1.3 * WH),
        CellFigure("text-classification", "siebert/roberta-large", "sst2", 4.54 * WH),
        CellFigure("text-classification", "bloomz-7b1", "sst2", 90 * WH, in_task_mean=False),
        CellFigure("text-to-image", "segmind/tiny-sd", "diffusiondb", 745 * WH),
        CellFigure("text-to-image", "sdxl", "prompts", 11_400 * WH),
    ]
    multi = [_multi(8.0), _multi(20.0, model="bloomz"), _multi(0.9, dataset="imdb")]
    h = headlines(tasks, cells, multi)
    assert [x.kind for x in h] == [
        "task-range", "model-range", "model-range", "multi-purpose", "equivalent",
    ]  # fmt: skip
    assert h[0].text == (
        "Of the 3 tasks, text-to-image used 1,270x the energy of text-classification per query "
        "(2.91 kWh against 2.29 Wh per 1,000 queries, each the mean of the task's "
        "task-specific models)."
    )
    # the zero-shot cell (90 Wh) is not the "least efficient text-classification model"
    assert h[1].text == (
        "The most efficient text-classification model, sbcBI/sentiment on imdb, used 1.3 Wh "
        "per 1,000 queries; the least efficient, siebert/roberta-large on sst2, used 4.54 Wh "
        "(3.49x as much)."
    )
    assert "segmind/tiny-sd on diffusiondb, used 745 Wh" in h[2].text
    assert "sdxl on prompts, used 11.4 kWh (15.3x as much)" in h[2].text
    assert h[3].text == (
        "Multi-purpose models run zero-shot used more energy than the median task-specific "
        "model on the same dataset in 2 of 3 model x dataset pairs (2 datasets): a median "
        "8x as much (from 0.9x to 20x)."
    )
    assert h[4].text == (
        "1,000 text-to-image queries used as much energy as 132 smartphone charges "
        "(0.022 kWh each)."
    )


def test_one_task_and_no_comparison() -> None:
    h = headlines(
        [TaskFigure("fill-mask", 3.0 * WH, 1)],
        [CellFigure("fill-mask", "bert", "c4", 3.0 * WH)],
    )
    assert [x.text for x in h] == [
        "fill-mask used 3 Wh per 1,000 queries (mean of 1 model).",
        "1,000 fill-mask queries used as much energy as 0.136 smartphone charges "
        "(0.022 kWh each).",
    ]  # one model: no most/least efficient sentence


def test_every_multi_purpose_pair_dearer_and_a_single_pair() -> None:
    tasks = [TaskFigure("text-classification", 2 * WH, 2)]
    assert "in all 2 model x dataset pairs (1 dataset): a median 5x as much (from 2x to 8x)" in (
        headlines(tasks, (), [_multi(2.0), _multi(8.0, model="b")])[1].text
    )
    single = headlines(tasks, (), [_multi(3.0)])[1].text
    assert single == (
        "flan-t5, a multi-purpose model run zero-shot, used 3x the energy of the median "
        "task-specific model on sst2."
    )


def test_no_tasks_no_headlines() -> None:
    assert headlines([]) == ()
