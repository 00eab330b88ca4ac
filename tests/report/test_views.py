"""The views of one small report: JSON schema and units, CSV rows, Markdown (checked
against a stored expected file), and what the HTML must show."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from report_factories import corpus, make_record

from joulebench.report import FORMATS, render, write_report
from joulebench.report.build import build_report
from joulebench.report.json_view import SCHEMA_NAME

EXPECTED = Path(__file__).parent / "expected"
NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
UNIT_SUFFIXES = ("_wh_per_1000_queries", "_g_per_1000_queries", "_s_per_query")


def _small_records():
    recs = []
    for i, (model, wh, params, zs, acc, tokens) in enumerate(
        [
            ("distilbert-sst2", 1.5, 66_000_000, False, 0.91, None),
            ("roberta-large-sst2", 6.0, 355_000_000, False, 0.95, None),
            ("bert-base-sst2", 2.5, 110_000_000, False, 0.93, None),
            ("google/flan-t5-xl", 40.0, 2_850_000_000, True, 0.94, 1100),
        ]
    ):
        recs += [
            make_record(
                model=model, dataset="sst2", energy_wh_per_1000=wh * f, parameters=params,
                zero_shot=zs, repetition=k, run_id=f"{i}-{k}", cpu_estimate=i != 0,
                quality=acc, output_tokens=tokens,
            )
            for k, f in enumerate((0.95, 1.0, 1.05))
        ]  # fmt: skip
    recs += [
        make_record(
            task="summarization", model="facebook/bart-large-cnn", dataset="samsum",
            energy_wh_per_1000=50.0 * f, parameters=406_000_000, repetition=k, run_id=f"s-{k}",
            output_tokens=12_400 + 200 * k,
        )
        for k, f in enumerate((0.9, 1.1))
    ]  # fmt: skip
    return recs


@pytest.fixture(scope="module")
def small():
    return build_report(_small_records(), reference_study=True, now=NOW, store="runs.db")


def test_json_schema_and_units(small) -> None:
    data = json.loads(render(small, "json"))
    assert data["schema"] == SCHEMA_NAME and data["schema_version"] == 1
    assert data["generated_at"] == "2025-01-02T03:04:05+00:00"
    assert [t["task"] for t in data["tasks"]] == ["text-classification", "summarization"]
    assert len(data["aggregates"]) == 5
    agg = next(a for a in data["aggregates"] if a["model"] == "distilbert-sst2")
    assert agg["energy_wh_per_1000_queries_mean"] == pytest.approx(1.5)
    assert agg["energy_wh_per_1000_queries_ci95_low"] < 1.5
    assert agg["emissions_g_per_1000_queries_mean"] == pytest.approx(1.5 * 0.13875)
    assert agg["methods"] == ["counter"] and agg["estimated"] is False
    assert agg["stars"] == 5
    # quality_*: fractions in [0, 1], declared in data["units"]["quality"]
    numeric = [
        k for k, v in agg.items()
        if isinstance(v, float) and k != "parameters" and not k.startswith("quality_")
    ]  # fmt: skip
    for key in numeric:
        assert key.endswith(UNIT_SUFFIXES) or re.search(
            r"_(mean|std|median|ci95_low|ci95_high)$", key
        )
        assert any(u in key for u in UNIT_SUFFIXES), key
    tc = data["tasks"][0]
    assert tc["reference_study_energy_wh_per_1000_queries_mean"] == pytest.approx(2.0)
    assert tc["scaling_fit"]["slope"] > 0
    (cmp_,) = data["comparisons"]
    assert cmp_["model"] == "google/flan-t5-xl"
    assert cmp_["ratio_multi_purpose_to_task_specific_median"] == pytest.approx(16.0)
    assert data["reference_study"]["url"].endswith("2311.16863")


def test_json_has_no_nan(small) -> None:
    text = render(small, "json")
    assert "NaN" not in text and "Infinity" not in text


def test_csv_one_row_per_aggregate(small) -> None:
    rows = list(csv.DictReader(io.StringIO(render(small, "csv"))))
    assert len(rows) == 5
    assert {r["task"] for r in rows} == {"text-classification", "summarization"}
    first = rows[0]
    assert "energy_wh_per_1000_queries_mean" in first and "components" not in first
    assert first["methods"] in ("counter", "counter+model")


def test_csv_header_without_rows() -> None:
    header = render(build_report([]), "csv").strip()
    assert header.startswith("task,model,dataset,n_runs,n_queries_per_run,energy_wh_per_1000")


def test_markdown_matches_expected(small) -> None:
    text = render(small, "md")
    path = EXPECTED / "small.md"
    if os.environ.get("JOULEBENCH_REGEN"):
        path.write_text(text)
    assert text == path.read_text(), "run with JOULEBENCH_REGEN=1 to update, then review"


def test_html_sections_and_labels(small) -> None:
    page = render(small, "html")
    for section in ("tasks", "leaderboards", "params", "multi", "equivalents", "env", "method"):
        assert f'id="{section}"' in page
    assert 'id="chart-tasks"' in page and 'id="chart-params"' in page
    assert 'id="chart-multi"' in page
    assert page.count('class="reference"') == 2  # the study's figure per shown task
    assert "model estimate" in page  # estimates are labelled
    assert "query phase only" in page
    assert "smartphone charges" in page
    assert "NVIDIA A100-SXM4-80GB" in page
    assert "Power Hungry Processing" in page
    assert "<link" not in page and 'src="http' not in page  # self-contained


def test_html_without_reference_or_parameters() -> None:
    recs = [make_record(parameters=None, run_id=str(i), repetition=i) for i in range(2)]
    page = render(build_report(recs), "html")
    assert 'class="reference"' not in page
    assert "No run recorded a parameter count." in page
    assert "No dataset has runs of both kinds of model." in page


def test_every_format_renders_ten_tasks(tmp_path) -> None:
    report = build_report(corpus(300), reference_study=True)
    for fmt in FORMATS:
        out = write_report(render(report, fmt), tmp_path / f"r.{fmt}")
        assert out.stat().st_size > 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv", "r.html", "r.json", "r.md"]


def test_terminal_summary_fits_the_width_and_keeps_markup_literal() -> None:
    from joulebench.carbon.context import CarbonContext
    from joulebench.report.terminal import run_summary



    records = corpus(60, tasks=("text-classification", "summarization"))
    carbon = CarbonContext(intensity_g_per_kwh=400.0, source="grid [data v1]", pue=1.0)
    for width in (80, 100, 140):
        text = run_summary(records, carbon, "runs.db", width=width)
        assert max(len(line) for line in text.splitlines()) <= width
        assert "[data v1]" in text  # printed as text, not read as rich markup
        assert "Wh/1k" in text and "By component" not in text


def test_html_opens_collapsed_with_findings_and_notices(small) -> None:
    page = render(small, "html")
    assert page.count('<details class="task-board" data-task=') == 2
    assert '<details class="task-board" data-task="text-classification" open' not in page
    assert " open>" not in page  # every leaderboard starts collapsed
    findings = page.index('id="findings"')
    assert findings < page.index('id="tasks"') and findings < page.index('id="leaderboards"')
    assert "summarization used 15x the energy of text-classification per query" in page
    # above the fold: part of the energy is a CPU-model estimate
    alert = page.index('id="estimate-alert"')
    assert alert < findings and "Model estimates, not measurements" in page
    assert "4 of 5 leaderboard row(s)" in page
    # board headers count what the table shows, then what the task mean counts
    assert "4 model(s) (1 multi-purpose, zero-shot) · 4 model × dataset row(s)" in page
    assert "over 3 task-specific model(s)" in page
    assert "dots are individual models" not in page
    assert "red dots are multi-purpose models run zero-shot" in page
    # the one-model task: no stars, and why
    assert "n/a: one model" in page
    # two runs: no interval, and it says so
    assert "n too small for an interval (n = 2)" in page


def test_html_flops_columns_only_where_counted(small) -> None:
    page = render(small, "html")
    assert "% of peak" not in page and "GFLOP / query" not in page  # nothing was counted
    assert "no GFLOP or FLOP/J columns" in page


def test_html_equivalents_totals_are_filled_and_in_kwh(small) -> None:
    page = render(small, "html")
    start = page.index('<tr class="totals">')
    totals = page[start : page.index("</tr>", start)]
    assert 'class="num"></td>' not in totals  # no empty cells
    assert "all 14 runs together" in totals
    from joulebench.report.svg import fmt_num

    assert f">{fmt_num(small.total_energy_wh)}<" in totals  # Wh of all 14 runs
    assert f">{fmt_num(small.total_energy_wh / 1000)}<" in totals  # and kWh
    assert '<th class="num">kWh</th>' in page


def test_html_clipped_interval_is_marked() -> None:
    recs = [
        make_record(energy_wh_per_1000=e, repetition=i, run_id=f"r{i}")
        for i, e in enumerate((1.0, 1.0, 10.0))
    ]
    r = build_report(recs)
    page = render(r, "html")
    assert "95% CI 0 (clipped) to" in page
    assert 'class="whisker clipped"' in page and 'class="whisker-arrow"' in page
    assert "interval reaches 0" in page  # the chart legend says so
    assert "[0 (clipped), " in render(r, "md")
    agg = json.loads(render(r, "json"))["aggregates"][0]
    assert agg["energy_wh_per_1000_queries_ci95_low"] == 0.0
    assert agg["energy_wh_per_1000_queries_ci95_clipped"] is True


def test_charts_scroll_instead_of_shrinking(small) -> None:
    page = render(small, "html")
    # tasks, parameters, multi-purpose, output lengths (900 px) and one quality panel
    assert page.count('<div class="chart-scroll"><svg') == 5
    assert page.count('style="min-width:900px"') == 4


def test_large_energies_also_in_kwh() -> None:
    recs = [
        make_record(task="text-to-image", model="sdxl", dataset="p", energy_wh_per_1000=e,
                    repetition=i, run_id=f"r{i}")
        for i, e in enumerate((2900.0, 2910.0, 2920.0))
    ]  # fmt: skip
    r = build_report(recs)
    assert "= 2.91 kWh" in render(r, "html")
    assert "| 2.91 |" in render(r, "md")  # the tasks table's kWh column
