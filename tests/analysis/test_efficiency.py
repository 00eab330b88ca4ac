"""FLOPs per query against the device's peak FLOP per joule, per cell (literal figures)."""

from __future__ import annotations

import pytest

from joulebench.analysis import DEVICE_PEAKS, flops_efficiency, peak_for_gpu
from joulebench.analysis.efficiency import record_device

from .conftest import record

H100 = {"gpus": [{"name": "NVIDIA H100 80GB HBM3"}, {"name": "NVIDIA A100-SXM4-80GB"}]}


def _rec(run_id: str, *, flops: float | None = 2e9, device: str = "cuda", env=H100, **kw):
    extra = kw.pop("extra", {} if flops is None else {"flops_per_query": flops,
                                                     "flops_basis": "torch, one query"})
    return record(run_id, gpu_j=kw.pop("gpu_j", 8.0), cpu_j=kw.pop("cpu_j", 2.0),
                  config={"device": device, "dtype": kw.pop("dtype", "float32")},
                  environment=env, extra=extra, **kw)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("NVIDIA H100 80GB HBM3", "H100 SXM"),
        ("NVIDIA H200", "H200 SXM"),
        ("NVIDIA A100-SXM4-40GB", "A100 SXM"),
        ("NVIDIA L4", "L4"),
        ("Tesla T4", "T4"),
        ("h100 sxm", "H100 SXM"),
        ("NVIDIA H100 PCIe", None),  # other board power: another peak
        ("NVIDIA A100-PCIE-40GB", None),
        ("NVIDIA L40S", None),
        ("NVIDIA GH200 480GB", None),
        ("AMD EPYC 7R13 Processor", None),
        (None, None),
    ],
)
def test_peak_for_gpu_name(name: str | None, key: str | None) -> None:
    peak = peak_for_gpu(name)
    assert (peak.name if peak else None) == key


def test_flops_per_j_and_fraction_of_peak_on_a_known_gpu() -> None:
    # 10 J per run over 10 queries -> 1 J per query; 2e9 and 4e9 FLOPs -> mean 3e9 FLOP/J
    cells = flops_efficiency([_rec("a", flops=2e9), _rec("b", flops=4e9)])
    (c,) = cells
    assert (c.task, c.model, c.dataset, c.n_runs) == ("text-classification", "m", "d", 2)
    assert c.flops_per_query == pytest.approx(3e9)
    assert c.flops_per_j == pytest.approx(3e9)
    assert c.device == "NVIDIA H100 80GB HBM3" and c.dtype == "float32"
    assert c.peak_flops_per_j == pytest.approx(67e12 / 700)  # FP32 FLOP/s over TDP
    assert c.fraction_of_peak == pytest.approx(3e9 / (67e12 / 700))
    assert c.peak_note.startswith("H100 SXM at float32: NVIDIA H100")
    assert c.basis == "torch, one query"


def test_dtype_and_device_index_pick_the_peak() -> None:
    (c,) = flops_efficiency([_rec("a", device="cuda:1", dtype="bfloat16")])
    assert c.device == "NVIDIA A100-SXM4-80GB"
    assert c.peak_flops_per_j == pytest.approx(312e12 / 400)
    # the runner's own device name wins over the environment's list
    r = _rec("b", extra={"flops_per_query": 1e9, "device": "cuda:0", "device_name": "Tesla T4"})
    assert record_device(r) == ("cuda", "Tesla T4")
    (c,) = flops_efficiency([_rec("c", env={"gpus": [{"name": "Tesla T4"}]}, dtype="bfloat16")])
    assert c.peak_flops_per_j is None and c.fraction_of_peak is None
    assert c.peak_note == "no peak: DEVICE_PEAKS has no bfloat16 figure for T4"


def test_no_peak_on_cpu_or_unknown_gpu_but_flop_per_j_still_given() -> None:
    (c,) = flops_efficiency([_rec("a", device="cpu", env={"gpus": []})])
    assert c.flops_per_j == pytest.approx(2e9) and c.device is None
    assert c.peak_flops_per_j is None and c.fraction_of_peak is None
    assert c.peak_note == "no peak: DEVICE_PEAKS has no figure for CPUs"
    (c,) = flops_efficiency([_rec("b", env={"gpus": [{"name": "NVIDIA L40S"}]})])
    assert c.device == "NVIDIA L40S" and c.fraction_of_peak is None
    assert c.peak_note == "no peak: NVIDIA L40S is not in DEVICE_PEAKS"
    (c,) = flops_efficiency([_rec("c"), _rec("d", device="cpu")])
    assert c.peak_note == "no peak: the runs ran on different devices"
    (c,) = flops_efficiency([_rec("e", env={})])
    assert c.peak_note == "no peak: the runs did not record their GPU's name"


def test_runs_without_a_count_or_unusable_are_left_out() -> None:
    recs = [
        _rec("a", flops=None),
        _rec("b", extra={"flops_per_query": 0.0}),
        _rec("c", extra={"flops_per_query": "many"}),
        _rec("d", extra={"flops_skipped": "torch is not loaded"}),
        _rec("e", status="failed"),
        _rec("f", model="other", flops=5e9, gpu_j=4.0, cpu_j=1.0),
    ]
    (c,) = flops_efficiency(recs)
    assert c.model == "other" and c.n_runs == 1
    assert c.flops_per_j == pytest.approx(1e10)  # 5 J / 10 queries = 0.5 J per query
    assert set(DEVICE_PEAKS) >= {"H100 SXM"}
