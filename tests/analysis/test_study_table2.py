"""The study's Table 2, reproduced from its released CodeCarbon logs (skips without them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from joulebench import units
from joulebench.analysis import task_summaries
from joulebench.store import Store
from joulebench.store.codecarbon_import import import_paths
from joulebench.store.codecarbon_index import load_index

STUDY = Path(__file__).parents[2] / ".." / "shared" / "reference" / "power-hungry-processing"

# task: (mean kWh per 1,000 queries, std), as printed in the paper (Table 2).
TABLE2 = {
    "text-classification": (0.002, 0.001),
    "question-answering": (0.003, 0.001),
    "fill-mask": (0.003, 0.001),
    "token-classification": (0.004, 0.002),
    "image-classification": (0.007, 0.001),
    "object-detection": (0.038, 0.02),
    "text-generation": (0.047, 0.03),
    "summarization": (0.049, 0.01),
    "image-to-text": (0.063, 0.02),
    "text-to-image": (2.907, 3.31),
}


def _decimals(x: float) -> int:
    return len(repr(x).split(".")[1])


@pytest.mark.skipif(
    not (STUDY / "data" / "emissions" / "base").is_dir(),
    reason=f"the study's released logs are not at {STUDY} (a fresh clone has no ../shared)",
)
def test_table2_reproduced_from_released_logs(tmp_path: Path) -> None:
    index, problems = load_index([STUDY / "data" / "emissions" / "complete"])
    assert problems == []
    with Store.open(tmp_path / "study.db") as store:
        report = import_paths(store, [STUDY / "data" / "emissions" / "base"], index=index)
        assert report.errors == []
        assert report.runs_new == 6513
        records = store.runs(kind="import")
    summaries = {
        t.task: t
        for t in task_summaries(records, where=lambda r: r.cohort is not None and (r.cohort.study or {}).get("table2"))
    }
    assert set(summaries) == set(TABLE2)
    for task, (mean_kwh, std_kwh) in TABLE2.items():
        s = summaries[task].energy_j_per_1000_queries.scaled(1 / units.J_PER_KWH)
        assert summaries[task].n_runs == 240, task  # 8 models x 3 datasets x 10 runs
        # means: equal at the published precision
        assert round(s.mean, _decimals(mean_kwh)) == pytest.approx(mean_kwh), task
        # stds: within one unit of the last published digit (the paper's stds are not
        # rounded consistently: QA 0.00155 -> 0.001, summarization 0.0154 -> 0.01,
        # object detection 0.0269 -> 0.02, while text generation 0.0266 -> 0.03)
        assert s.std is not None
        assert abs(s.std - std_kwh) <= 10 ** -_decimals(std_kwh) + 1e-12, task
