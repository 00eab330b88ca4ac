from __future__ import annotations

import math

import pytest

from joulebench.analysis import (
    DEVICE_PEAKS,
    cell_summaries,
    device_peak,
    efficiency_vs_peak,
    loglog_fit,
    scaling_by_task,
)
from joulebench.errors import UsageError

from .conftest import record


def test_exact_power_law() -> None:
    fit = loglog_fit([(1e6, 0.01), (1e8, 1.0), (1e9, 10.0)])  # energy = 1e-8 * params
    assert fit.slope == pytest.approx(1.0)
    assert fit.intercept_log10_j == pytest.approx(-8.0)
    assert fit.r_squared == pytest.approx(1.0)
    assert fit.predict_energy_per_query_j(1e7) == pytest.approx(0.1)


def test_noisy_fit_hand_computed() -> None:
    # x = 0, 1, 2 ; y = 0, 2, 1 (log10 values) -> slope 0.5, intercept 0.5, R^2 = 0.25
    fit = loglog_fit([(1.0, 1.0), (10.0, 100.0), (100.0, 10.0)])
    assert fit.slope == pytest.approx(0.5)
    assert fit.intercept_log10_j == pytest.approx(0.5)
    assert fit.r_squared == pytest.approx(0.25)


def test_fit_rejects_bad_points() -> None:
    with pytest.raises(ValueError):
        loglog_fit([(1.0, 1.0)])
    with pytest.raises(ValueError):
        loglog_fit([(1.0, 1.0), (0.0, 1.0)])
    with pytest.raises(ValueError):
        loglog_fit([(5.0, 1.0), (5.0, 2.0)])


def test_scaling_by_task_from_cells() -> None:
    recs = [
        record("a", gpu_j=1.0, model="a", parameters=100),
        record("b", gpu_j=10.0, model="b", parameters=1000),
        record("c", gpu_j=5.0, model="c", task="summarization", parameters=100),
    ]
    fits = scaling_by_task(cell_summaries(recs))
    assert set(fits) == {"text-classification"}
    assert fits["text-classification"].slope == pytest.approx(1.0)
    assert fits["text-classification"].r_squared is None or math.isclose(
        fits["text-classification"].r_squared, 1.0
    )


def test_efficiency_vs_peak() -> None:
    e = efficiency_vs_peak(2e12, 10.0, 1e12)  # 2e11 FLOP/J vs 1e12
    assert e.achieved_flops_per_j == pytest.approx(2e11)
    assert e.fraction_of_peak == pytest.approx(0.2)
    with pytest.raises(UsageError):
        efficiency_vs_peak(1.0, 0.0, 1.0)
    with pytest.raises(UsageError):
        efficiency_vs_peak(math.nan, 1.0, 1.0)


def test_device_peaks_table() -> None:
    a100 = device_peak("a100 sxm")
    assert a100.peak_flops_per_j("float32") == pytest.approx(19.5e12 / 400.0)
    assert DEVICE_PEAKS["H100 SXM"].peak_flops_per_j("bf16") == pytest.approx(989.4e12 / 700)
    assert set(DEVICE_PEAKS) >= {"H100 SXM", "A100 SXM", "H200 SXM", "L4", "T4"}
    with pytest.raises(UsageError):
        DEVICE_PEAKS["T4"].peak_flops_per_j("bfloat16")
    with pytest.raises(UsageError, match="did you mean"):
        device_peak("H10")
