"""`joulebench import codecarbon` + `joulebench report` on the study's released logs
reproduce the paper's Table 2, and show its cost-benefit finding: quality from its
performance.csv (Table 7) against energy with the Pareto front, and its output lengths
(Table 4) as a reference series (skips without ../shared, as in a fresh clone)."""

from __future__ import annotations

import importlib.util
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from joulebench.cli.main import main

STUDY = Path(__file__).parents[2] / ".." / "shared" / "reference" / "power-hungry-processing"

# task: mean kWh per 1,000 queries as printed in Table 2 (3 decimals).
TABLE2_KWH = {
    "text-classification": 0.002,
    "question-answering": 0.003,
    "fill-mask": 0.003,
    "token-classification": 0.004,
    "image-classification": 0.007,
    "object-detection": 0.038,
    "text-generation": 0.047,
    "summarization": 0.049,
    "image-to-text": 0.063,
    "text-to-image": 2.907,
}


@pytest.mark.skipif(
    not (STUDY / "data" / "emissions" / "base").is_dir(),
    reason=f"the study's released logs are not at {STUDY} (a fresh clone has no ../shared)",
)
def test_report_of_imported_study_reproduces_table2(tmp_path, capsys):
    db = str(tmp_path / "study.db")
    data = STUDY / "data" / "emissions"
    assert main(["--db", db, "import", "codecarbon", str(data / "base"), "--index", str(data / "complete")]) == 0
    out = tmp_path / "report.json"
    assert main(["--db", db, "report", "--format", "json", "-o", str(out), "--reference-study"]) == 0
    doc = json.loads(out.read_text())
    got = {t["task"]: t for t in doc["tasks"]}
    assert set(got) == set(TABLE2_KWH)
    for task, kwh in TABLE2_KWH.items():
        mean_kwh = got[task]["energy_wh_per_1000_queries_mean"] / 1000
        assert round(mean_kwh, 3) == pytest.approx(kwh), task
        assert got[task]["n_models"] == 8 and got[task]["n_runs"] == 240, task
    # the ten tasks span the study's ~1,450x range (image generation vs text classification)
    ratio = got["text-to-image"]["energy_wh_per_1000_queries_mean"] / got["text-classification"]["energy_wh_per_1000_queries_mean"]
    assert 1200 < ratio < 1400
    # stars follow the leaderboard's rank within each cohort (no "rank 10: four stars,
    # rank 11: five")
    by_cohort: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for a in doc["aggregates"]:
        if a["stars"] is not None:
            by_cohort[a["star_cohort"]].append((a["energy_wh_per_1000_queries_mean"], a["stars"]))
    for cohort, rows in by_cohort.items():
        stars = [n for _, n in sorted(rows)]
        assert stars == sorted(stars, reverse=True), cohort
    # the HTML opens collapsed and says its findings in sentences
    page_path = tmp_path / "report.html"
    assert main(["--db", db, "report", "-o", str(page_path)]) == 0
    page = page_path.read_text()
    assert re.search(r"text-to-image used 1,[234]\d0x the energy of text-classification per query", page)
    assert "(2.91 kWh against 2.29 Wh per 1,000 queries" in page
    assert "Multi-purpose models run zero-shot used more energy than the median" in page
    assert " open>" not in page and page.count('<details class="task-board" data-task=') == 10
    assert 'id="estimate-alert"' in page  # CodeCarbon's CPU and RAM figures are models
    # the runs the index does not name are listed per run, not refused or dropped
    assert 'id="per-run"' in page
    assert len(doc["runs_without_per_query_figures"]) > 0

    # cost and benefit: the study's quality (performance.csv, imported with the index)
    # against energy, per dataset, with the Pareto front; its lengths as a reference
    panels = {(p["task"], p["dataset"]): p for p in doc["quality_panels"]}
    assert len(panels) == 9  # 3 classification, 3 QA, 3 summarization datasets
    sst2 = panels[("text-classification", "sst2")]
    # the most accurate model on sst2 (0.989) is a task-specific one: the front ends there,
    # and no multi-purpose model is on it
    assert sst2["pareto_front"][-1] == "distilbert-base-uncased-finetuned-sst-2-english"
    assert not any("flan-t5" in m or "bloomz" in m for m in sst2["pareto_front"])
    agg = {(a["model"], a["dataset"]): a for a in doc["aggregates"]}
    flan = agg[("google/flan-t5-xl", "sst2")]
    assert flan["quality_value"] == pytest.approx(0.9564) and flan["quality_source"] == "study"
    assert flan["quality_ci95_low"] is None and flan["quality_pareto_front"] is False
    bloomz = agg[("bigscience/bloomz-7b1", "sst2")]  # the lengths files' "bloomz-7b" on "sst"
    assert bloomz["reference_study_output_tokens_per_query"] == pytest.approx(1.02, abs=0.01)
    assert bloomz["output_length_basis"] == "reference" and bloomz["energy_j_per_output_token"] > 0
    (cmp_,) = [c for c in doc["comparisons"] if (c["model"], c["dataset"]) == ("google/flan-t5-xl", "sst2")]
    assert cmp_["quality_value"] == pytest.approx(0.9564) and cmp_["ratio_multi_purpose_to_task_specific_median"] > 5
    cost = [h for h in doc["headlines"] if "the most accurate multi-purpose model run zero-shot" in h]
    assert len(cost) == 1 and re.search(r"at [\d,.]+x the energy of the most accurate task-specific model", cost[0])
    assert 'id="quality"' in page and page.count('<figure class="qpanel"') == 9
    assert "Pareto front (" in page and "eval/performance.csv" in page
    ref_page = tmp_path / "reference.html"
    assert main(["--db", db, "report", "--reference-study", "-o", str(ref_page)]) == 0
    ref_html = ref_page.read_text()
    assert 'id="chart-lengths"' in ref_html and ref_html.count('class="lref"') == 72
    assert "Table 4" in ref_html


@pytest.mark.skipif(
    not (STUDY / "data" / "lengths" / "complete").is_dir(),
    reason=f"the study's released logs are not at {STUDY} (a fresh clone has no ../shared)",
)
def test_shipped_reference_lengths_match_the_released_logs():
    """report/reference_lengths.json is what scripts/build_study_lengths.py makes of them."""
    script = Path(__file__).parents[2] / "scripts" / "build_study_lengths.py"
    spec = importlib.util.spec_from_file_location("build_study_lengths", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shipped = json.loads(module.OUT.read_text(encoding="utf-8"))
    assert module.build(STUDY.resolve()) == shipped
