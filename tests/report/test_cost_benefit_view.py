"""Quality against energy and output length in the report: the leaderboard columns, the
energy-quality panels with their Pareto front, the task-specific vs multi-purpose chart's
quality, the output-length chart with the study's lengths, and the JSON and Markdown."""

from __future__ import annotations

import json
import re

import pytest
from report_factories import HOSTILE, corpus, make_record

from joulebench.report import render
from joulebench.report.build import build_report
from joulebench.report.cost_benefit import load_reference_lengths


def _records(imported: bool = False):
    """sst2: three task-specific models and flan-t5-xl zero-shot, with quality (measured,
    or as imported from the study's performance.csv: no n, no interval); samsum: one
    summariser that counted its output tokens."""
    recs = []
    for i, (model, wh, acc, zs, tokens) in enumerate(
        [
            ("distilbert-sst2", 1.5, 0.91, False, None),
            ("bert-base-sst2", 2.5, 0.93, False, None),
            ("roberta-large-sst2", 6.0, 0.89, False, None),
            ("google/flan-t5-xl", 40.0, 0.95, True, 1500),
        ]
    ):
        quality = {"metric": "acc", "value": acc} if imported else acc
        for k in range(3):
            r = make_record(
                model=model, dataset="sst2", energy_wh_per_1000=wh * (1 + 0.02 * k),
                zero_shot=zs, repetition=k, run_id=f"{i}-{k}", quality=quality,
                output_tokens=None if imported else tokens,
            )  # fmt: skip
            if imported:
                r.extra["study"] = {"table2": not zs, "multipurpose": zs}
            recs.append(r)
    recs += [
        make_record(
            task="summarization", model="facebook/bart-large-cnn", dataset="samsum",
            energy_wh_per_1000=50.0, repetition=k, run_id=f"s-{k}", output_tokens=12_000,
        )
        for k in range(3)
    ]  # fmt: skip
    return recs


@pytest.fixture(scope="module")
def report():
    return build_report(_records(), reference_study=True)


def test_rows_carry_quality_front_and_length(report) -> None:
    rows = {r.model: r for r in report.rows}
    assert rows["distilbert-sst2"].quality.value == pytest.approx(0.91)
    assert rows["distilbert-sst2"].quality.ci95_low < 0.91 < rows["distilbert-sst2"].quality.ci95_high
    assert [r.on_quality_front for r in report.quality_panels[0].rows] == [True, True, False, True]
    # beaten by both cheaper, better models: the cheapest is named
    assert rows["roberta-large-sst2"].quality_beaten_by == "distilbert-sst2"
    assert report.quality_panels[0].front == ("distilbert-sst2", "bert-base-sst2", "google/flan-t5-xl")
    flan = rows["google/flan-t5-xl"]
    assert flan.output_length.tokens_per_query == pytest.approx(1.5)
    assert flan.reference_output_tokens_per_query == pytest.approx(1.0)  # the study's
    assert rows["facebook/bart-large-cnn"].output_length.tokens_per_query == pytest.approx(12.0)
    assert rows["distilbert-sst2"].output_length is None  # classification: no length
    assert report.lengths_citation is not None and "Table 4" in report.lengths_citation.text


def test_html_quality_panel_column_and_front(report) -> None:
    page = render(report, "html")
    assert 'id="quality"' in page and 'id="chart-quality-0"' in page
    panel = page[page.index('id="chart-quality-0"') : page.index("</svg>", page.index('id="chart-quality-0"'))]
    assert panel.count('class="qpoint ') == 4
    assert len(re.findall(r'class="qpoint \w+ front"', panel)) == 3
    assert 'class="front-line"' in panel and panel.count('class="whisker q"') == 4
    assert "beaten on both energy and quality by distilbert-sst2" in panel
    assert "Pareto front (3 of 4): distilbert-sst2, bert-base-sst2, google/flan-t5-xl" in page
    # the leaderboard's Quality column with its interval, only where a row has a quality
    tc = page[page.index('data-task="text-classification"><summary>') :]
    tc = tc[: tc.index("</details>")]
    assert "<button type=\"button\">Quality</button><span class=\"unit\">accuracy (95% CI)" in tc
    assert re.search(r"0\.91.*?95% CI 0\.8\d+ to 0\.9\d+", tc)
    summ = page[page.index('data-task="summarization"><summary>') :]
    assert ">Quality</button>" not in summ[: summ.index("</details>")]
    # the multi-purpose chart shows quality beside the ratio
    multi = page[page.index('id="chart-multi"') :]
    assert ">quality</text>" in multi and ">0.95</text>" in multi


def test_html_output_length_chart_and_table(report) -> None:
    page = render(report, "html")
    assert 'id="lengths"' in page and 'id="chart-lengths"' in page
    chart = page[page.index('id="chart-lengths"') :]
    chart = chart[: chart.index("</svg>")]
    assert chart.count('<circle class="lpoint ') == 2  # flan-t5-xl and bart, measured
    assert chart.count('class="lref"') == 1  # the study's flan-t5-xl on sst2
    assert "Table 4" in page[page.index('id="lengths"') :]
    assert '<details class="extra-board" id="lengths-table">' in page
    # the leaderboard's Output column: tokens per query and J per output token
    assert "tokens / query; J / token" in page


def test_json_and_markdown(report) -> None:
    data = json.loads(render(report, "json"))
    agg = {a["model"]: a for a in data["aggregates"]}
    flan = agg["google/flan-t5-xl"]
    assert flan["quality_metric"] == "accuracy" and flan["quality_value"] == pytest.approx(0.95)
    assert flan["quality_source"] == "measured" and flan["quality_pareto_front"] is True
    assert flan["output_tokens_per_query_mean"] == pytest.approx(1.5)
    assert flan["reference_study_output_tokens_per_query"] == pytest.approx(1.0)
    # J per output token: 40.x Wh per 1,000 queries = 144 J per query, over 1.5 tokens
    assert flan["energy_j_per_output_token"] == pytest.approx(flan["energy_wh_per_1000_queries_mean"] * 3.6 / 1.5)
    assert agg["distilbert-sst2"]["quality_pareto_front"] is True
    assert agg["facebook/bart-large-cnn"]["quality_value"] is None
    assert data["quality_panels"] == [
        {"task": "text-classification", "dataset": "sst2", "metric": "accuracy", "n_models": 4,
         "pareto_front": ["distilbert-sst2", "bert-base-sst2", "google/flan-t5-xl"]}
    ]  # fmt: skip
    (cmp_,) = data["comparisons"]
    assert cmp_["quality_value"] == pytest.approx(0.95)
    assert cmp_["task_specific_median_quality"] == pytest.approx(0.91)
    assert "Table 4" in data["reference_study_lengths"]["citation"]
    md = render(report, "md")
    assert "## Quality against energy" in md and "| beaten by distilbert-sst2 |" in md
    assert "## Output length" in md and "## Task-specific against multi-purpose models" in md
    assert any(h.startswith("On sst2, the most accurate multi-purpose model") for h in report.headlines)


def test_imported_study_quality_is_labelled_without_interval() -> None:
    r = build_report(_records(imported=True))
    (panel,) = r.quality_panels
    assert panel.metric == "accuracy"  # the study's "acc"
    assert all(row.quality.source == "study" and row.quality.ci95_low is None for row in panel.rows)
    page = render(r, "html")
    assert "study, no interval" in page and "eval/performance.csv" in page
    assert 'class="whisker q"' not in page
    assert "accuracy 0.95 (study)" in render(r, "md")
    # without --reference-study, no study lengths: flan-t5-xl counted no tokens here
    assert r.lengths_citation is None
    assert 'id="chart-lengths"' in page  # bart's measured lengths still shown


def test_no_quality_no_lengths_no_sections() -> None:
    recs = [make_record(run_id=str(i), repetition=i) for i in range(3)]
    r = build_report(recs, reference_study=True)
    page, md = render(r, "html"), render(r, "md")
    assert 'id="quality"' not in page and 'id="lengths"' not in page
    assert ">Quality</button>" not in page and ">Output</button>" not in page
    assert "## Quality against energy" not in md and "## Output length" not in md


def test_reference_lengths_are_the_studys_eight_models_on_nine_datasets() -> None:
    citation, lengths = load_reference_lengths()
    assert len(lengths) == 72 and "2311.16863" in citation.url
    assert {d for _, d in lengths} == {
        "sst2", "imdb", "rotten_tomatoes", "sciq", "squad", "squad_v2", "samsum", "xsum",
        "cnn_dailymail",
    }  # fmt: skip
    assert ("bigscience/bloomz-7b1", "sst2") in lengths  # the files' "bloomz-7b"
    assert lengths[("google/flan-t5-large", "sciq")] == pytest.approx(5.41, abs=0.01)


def test_hostile_names_in_the_new_charts_are_escaped() -> None:
    page = render(build_report(corpus(120, hostile=True, cost_benefit=True)), "html")
    assert 'id="chart-quality-0"' in page and 'id="chart-lengths"' in page
    assert "Pareto front (" in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert HOSTILE not in page and page.count("<script") == 2
