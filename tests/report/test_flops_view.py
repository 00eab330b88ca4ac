"""FLOPs per query and FLOP/J against the device's peak in the report: build and views."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from report_factories import make_record

from joulebench.report import render
from joulebench.report.build import build_report
from joulebench.report.markdown import FLOPS_NOTE

BASIS = "torch FlopCounterMode, one query (matmul/conv/attention ops only), input 0"


def _runs(model: str, flops: float | None, device: str = "cuda", dtype: str = "float32"):
    out = []
    for k in range(2):
        rec = make_record(model=model, dataset="sst2", energy_wh_per_1000=2.0, repetition=k,
                          run_id=f"{model}-{k}")
        extra = {} if flops is None else {"flops_per_query": flops, "flops_basis": BASIS}
        out.append(replace(rec, extra=extra, config={"device": device, "dtype": dtype}))
    return out


@pytest.fixture(scope="module")
def report():
    # 2 Wh per 1,000 queries = 7.2 J per query; the factory's GPU is an A100 SXM
    recs = _runs("gpu-model", 7.2e9) + _runs("cpu-model", 3.6e9, device="cpu")
    recs += _runs("uncounted", None)
    return build_report(recs)


def test_rows_carry_flops_and_fraction_of_peak(report) -> None:
    rows = {r.model: r for r in report.rows}
    gpu = rows["gpu-model"]
    assert gpu.flops_per_query == pytest.approx(7.2e9)
    assert gpu.flops_per_j == pytest.approx(1e9)
    assert gpu.peak_flops_per_j == pytest.approx(19.5e12 / 400)
    assert gpu.fraction_of_peak == pytest.approx(1e9 / (19.5e12 / 400))
    cpu = rows["cpu-model"]
    assert cpu.flops_per_j == pytest.approx(5e8) and cpu.fraction_of_peak is None
    assert cpu.peak_note == "no peak: DEVICE_PEAKS has no figure for CPUs"
    none = rows["uncounted"]
    assert none.flops_per_query is None and none.flops_per_j is None and none.peak_note == ""
    assert report.methodology.flops_runs == 4
    assert report.methodology.flops_bases == (BASIS,)


def test_json_fields_null_when_unknown(report) -> None:
    data = json.loads(render(report, "json"))
    aggs = {a["model"]: a for a in data["aggregates"]}
    gpu = aggs["gpu-model"]
    assert gpu["flops_per_query"] == pytest.approx(7.2e9)
    assert gpu["flops_per_j"] == pytest.approx(1e9)
    assert gpu["peak_flops_per_j"] == pytest.approx(48.75e9)
    assert gpu["fraction_of_peak"] == pytest.approx(1e9 / 48.75e9)
    assert aggs["cpu-model"]["peak_flops_per_j"] is None
    assert aggs["cpu-model"]["fraction_of_peak"] is None
    for key in ("flops_per_query", "flops_per_j", "peak_flops_per_j", "fraction_of_peak"):
        assert aggs["uncounted"][key] is None
    assert data["methodology"]["flops_runs"] == 4
    assert data["methodology"]["flops_bases"] == [BASIS]
    assert "flops" in data["units"]
    assert "fraction_of_peak" in render(report, "csv").splitlines()[0]


def test_markdown_and_html_columns(report) -> None:
    md = render(report, "md")
    assert "| GFLOP / query | FLOP/J (% of peak) |" in md
    lines = {line.split(" | ")[2]: line for line in md.splitlines() if line.startswith("| ")
             and line.count("|") > 10}
    assert "| 7.2 | 1G (2.05% of peak) |" in lines["gpu-model"]
    assert "| 3.6 | 500M |" in lines["cpu-model"]
    assert "| — | — |" in lines["uncounted"]
    assert FLOPS_NOTE in md
    page = render(report, "html")
    assert "GFLOP / query" in page and "% of peak" in page
    assert "1G (2.05% of peak)" in page
    assert "FlopCounterMode" in page  # the methodology note says how FLOPs were counted
    assert "no peak: DEVICE_PEAKS has no figure for CPUs" in page  # the cell's tooltip


def test_no_flops_note_when_nothing_was_counted() -> None:
    report = build_report(_runs("uncounted", None))
    assert FLOPS_NOTE not in render(report, "md")
    assert "No run counted its FLOPs per query" in render(report, "html")
