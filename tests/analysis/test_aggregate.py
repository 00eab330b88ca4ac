from __future__ import annotations

import pytest

from joulebench.analysis import (
    cell_summaries,
    equivalents_per_1000_queries,
    run_sample,
    task_summaries,
)
from joulebench.measure.results import Measurement
from joulebench.measure.sensor import Domain

from .conftest import CTX, comp, record


def test_run_sample_uses_query_phase_per_1000_queries() -> None:
    r = record(
        "r1",
        gpu_j=30.0,
        cpu_j=6.0,
        gpu_net_j=20.0,
        query_s=5.0,
        n_queries=10,
        units={"output_tokens": 100, "images": 4},
    )
    s = run_sample(r, CTX)
    assert s is not None
    # 36 J for 10 queries -> 3,600 J per 1,000 queries (load phase left out)
    assert s.energy_j_per_1000_queries == pytest.approx(3600.0)
    assert s.components_j_per_1000_queries == {
        "gpu": pytest.approx(3000.0),
        "cpu-package": pytest.approx(600.0),
    }
    # the CPU component has no net figure (no idle power for it): the net total is unknown,
    # not the GPU's net alone (which would read as "net of idle 0 J" for the CPU)
    assert s.net_energy_j_per_1000_queries is None
    # 3,600 J = 0.001 kWh -> 0.36 g at 360 g/kWh
    assert s.emissions_g_per_1000_queries == pytest.approx(0.36)
    assert s.latency_s_per_query == pytest.approx(0.5)
    assert s.energy_j_per_output_token == pytest.approx(0.36)
    assert s.energy_j_per_image == pytest.approx(9.0)


def test_run_sample_whole_window_without_query_phase() -> None:
    r = record("r1", gpu_j=1.0, n_queries=4)
    m = Measurement("2024-01-01T00:00:00+00:00", 2.0, (comp(Domain.GPU, 8.0),))
    from dataclasses import replace

    s = run_sample(replace(r, measurement=m))
    assert s is not None
    assert s.energy_j_per_1000_queries == pytest.approx(2000.0)
    assert s.latency_s_per_query == pytest.approx(0.5)
    assert s.emissions_g_per_1000_queries is None  # no carbon context anywhere
    assert s.net_energy_j_per_1000_queries is None  # no idle baseline


def test_unusable_runs_are_left_out() -> None:
    assert run_sample(record("f", gpu_j=1.0, status="failed")) is None
    assert run_sample(record("n", gpu_j=1.0, n_queries=None)) is None


def test_cell_summaries_group_and_summarize() -> None:
    recs = [
        record("a1", gpu_j=1.0, model="a"),
        record("a2", gpu_j=2.0, model="a"),
        record("a3", gpu_j=3.0, model="a"),
        record("b1", gpu_j=10.0, model="b", carbon=CTX),
    ]
    cells = cell_summaries(recs)
    assert [c.model for c in cells] == ["a", "b"]
    a = cells[0]
    assert a.n_runs == 3
    # 1, 2, 3 J per 10 queries -> 100, 200, 300 J per 1,000 queries
    assert a.energy_j_per_1000_queries.mean == pytest.approx(200.0)
    assert a.energy_j_per_1000_queries.std == pytest.approx(100.0)
    assert a.energy_j_per_1000_queries.median == pytest.approx(200.0)
    # t(0.975, 2) = 4.302652730 -> half width 4.302652730 * 100 / sqrt(3) = 248.413
    assert a.energy_j_per_1000_queries.ci95_high == pytest.approx(448.4138, rel=1e-6)
    assert a.components_j_per_1000_queries["gpu"].mean == pytest.approx(200.0)
    assert a.emissions_g_per_1000_queries is None
    b = cells[1]
    assert b.emissions_g_per_1000_queries is not None
    assert b.emissions_g_per_1000_queries.mean == pytest.approx(1000.0 / 3.6e6 * 360.0)


def test_carbon_argument_overrides_record_context() -> None:
    from joulebench.carbon.context import CarbonContext

    other = CarbonContext(intensity_g_per_kwh=36.0, source="t", pue=2.0)
    [cell] = cell_summaries([record("b1", gpu_j=36.0, carbon=CTX)], carbon=other)
    # 3,600 J = 0.001 kWh x PUE 2 x 36 g/kWh = 0.072 g
    assert cell.emissions_g_per_1000_queries is not None
    assert cell.emissions_g_per_1000_queries.mean == pytest.approx(0.072)


def test_task_summaries_pool_all_runs_and_sort() -> None:
    recs = [
        record("x1", gpu_j=1.0, model="a", dataset="d1"),
        record("x2", gpu_j=3.0, model="b", dataset="d2"),
        record("y1", gpu_j=50.0, task="summarization"),
        record("y2", gpu_j=70.0, task="summarization"),
    ]
    tasks = task_summaries(recs, where=lambda r: r.run_id != "y2")
    assert [t.task for t in tasks] == ["text-classification", "summarization"]
    tc = tasks[0]
    assert (tc.n_runs, tc.n_models, tc.n_datasets) == (2, 2, 2)
    assert tc.energy_j_per_1000_queries.mean == pytest.approx(200.0)
    assert tc.energy_j_per_1000_queries.std == pytest.approx(141.42135, rel=1e-6)
    assert tasks[1].n_runs == 1


def test_equivalents_accepts_a_function() -> None:
    [cell] = cell_summaries([record("e", gpu_j=36.0, carbon=CTX)])
    seen = []

    def fake(energy_j: float | None, emissions_g: float | None) -> list[str]:
        seen.append((energy_j, emissions_g))
        return ["ok"]

    assert equivalents_per_1000_queries(cell, fake) == ["ok"]
    assert seen == [(pytest.approx(3600.0), pytest.approx(0.36))]
