from __future__ import annotations

import math

import pytest

from joulebench.analysis import (
    breakeven,
    cell_summaries,
    compare_values,
    task_specific_vs_multipurpose,
)
from joulebench.errors import UsageError

from .conftest import record


def test_breakeven_hand_computed() -> None:
    be = breakeven(1000.0, 200.0, kwh_per_query=0.0004, queries_per_day=1000.0)
    assert be.inferences == pytest.approx(3_000_000.0)  # 1,200 kWh / 0.0004 kWh
    assert be.days == pytest.approx(3000.0)
    assert breakeven(10.0, kwh_per_query=0.5).days is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"training_kwh": -1.0, "kwh_per_query": 1.0},
        {"training_kwh": math.nan, "kwh_per_query": 1.0},
        {"training_kwh": 1.0, "kwh_per_query": 0.0},
        {"training_kwh": 1.0, "finetune_kwh": math.inf, "kwh_per_query": 1.0},
        {"training_kwh": 1.0, "kwh_per_query": 1.0, "queries_per_day": 0.0},
    ],
)
def test_breakeven_rejects_bad_input(kwargs: dict[str, float]) -> None:
    with pytest.raises(UsageError):
        breakeven(**kwargs)


def test_compare_values() -> None:
    c = compare_values([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
    assert c.ratio_b_over_a == pytest.approx(2.5)
    assert c.significant is True
    assert c.test is not None and c.test.p_value == pytest.approx(0.0213116, abs=1e-6)
    single = compare_values([1.0], [2.0, 3.0])
    assert single.test is None and single.significant is None


def test_task_specific_vs_multipurpose() -> None:
    q = {"metric": "acc", "value": 0.9}
    recs = [
        record("s1", gpu_j=1.0, model="s1", dataset="imdb", extra={"quality": 0.8}),
        record("s2", gpu_j=2.0, model="s2", dataset="imdb", extra={"quality": q}),
        record("s3", gpu_j=6.0, model="s3", dataset="imdb"),
        record(
            "z1",
            gpu_j=20.0,
            model="flan",
            dataset="imdb",
            config={"zero_shot": True},
            extra={"quality": {"metric": "acc", "value": 0.95}},
        ),
        record("z2", gpu_j=9.0, model="flan", dataset="other", extra={"zero_shot": True}),
    ]
    rows = task_specific_vs_multipurpose(cell_summaries(recs))
    assert [(r.model, r.dataset) for r in rows] == [("flan", "imdb"), ("flan", "other")]
    imdb = rows[0]
    # task-specific cell means 100, 200, 600 J per 1,000 queries -> median 200; flan 2,000
    assert imdb.task_specific_median_j_per_1000_queries == pytest.approx(200.0)
    assert imdb.energy_multiple == pytest.approx(10.0)
    assert imdb.n_task_specific_models == 3
    assert (imdb.quality_metric, imdb.quality) == ("acc", 0.95)
    assert imdb.task_specific_median_quality == pytest.approx(0.85)
    assert rows[1].energy_multiple is None and rows[1].n_task_specific_models == 0
