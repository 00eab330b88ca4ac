from __future__ import annotations

from pathlib import Path

import pytest

from joulebench.bench.suite import load_suite, suite_names
from joulebench.errors import UsageError
from joulebench.tasks.catalog import STUDY_TASKS, task_names


def test_shipped_suites_default_first() -> None:
    assert suite_names()[0] == "quick"
    assert {"quick", "paper", "energy-score"} <= set(suite_names())


def test_paper_suite_is_the_study_grid() -> None:
    suite = load_suite("paper")
    jobs = suite.jobs()
    c = suite.counts()
    assert (c["models"], c["datasets"], c["jobs"]) == (88, 30, 312)
    assert {(j.n_queries, j.repetitions, j.dtype, j.batch_size) for j in jobs} == {
        (1000, 10, "float32", 1)
    }
    multi = {j.model for j in jobs if j.group == "multi-purpose"}
    assert multi == {
        *(f"google/flan-t5-{s}" for s in ("base", "large", "xl", "xxl")),
        *(f"bigscience/bloomz-{s}" for s in ("560m", "1b7", "3b", "7b1")),
    }
    assert len({j.dataset for j in jobs if j.group == "multi-purpose"}) == 9
    per_task = {t: {j.model for j in jobs if j.task == t and j.group == "task-specific"}
                for t in STUDY_TASKS}
    assert all(len(models) == 8 for models in per_task.values())
    assert "microsoft/git-base" in per_task["image-to-text"]  # the resized runs
    assert "fxmarty/pix2struct-tiny-random" not in per_task["image-to-text"]
    cnn = next(j for j in jobs if j.label == "cnn_dailymail")
    assert (cnn.dataset, cnn.config, cnn.split, cnn.column) == ("cnn_dailymail", "3.0.0", "test",
                                                                  "article")
    assert len({j.job_key for j in jobs}) == 312


def test_quick_suite_covers_every_task_offline() -> None:
    jobs = load_suite("quick").jobs()
    assert sorted({j.task for j in jobs}) == sorted(STUDY_TASKS)
    assert all(j.model.startswith("random:") and j.dataset.startswith("offline:") for j in jobs)
    assert all(j.repetitions >= 2 for j in jobs)


def test_energy_score_suite() -> None:
    suite = load_suite("energy-score")
    jobs = suite.jobs()
    assert {(j.n_queries, j.warmup, j.batch_size) for j in jobs} == {(1000, 10, 1)}
    assert all(j.dataset.startswith("AIEnergyScore/") for j in jobs)
    # its ten tasks: eight of the study's, plus sentence similarity and speech recognition
    assert len(jobs) == 10 and len({j.task for j in jobs}) == 10
    assert {j.task for j in jobs} <= set(task_names())
    assert {j.task for j in jobs} - set(STUDY_TASKS) == {"sentence-similarity",
                                                         "automatic-speech-recognition"}
    models = {j.task: j.model for j in jobs}
    assert models["sentence-similarity"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert models["automatic-speech-recognition"] == "openai/whisper-large-v3"
    pairs = next(j for j in jobs if j.task == "sentence-similarity")
    assert pairs.column == "sentence1,sentence2"


def test_unknown_suite_lists_suites() -> None:
    with pytest.raises(UsageError, match=r"unknown suite 'papr' \(did you mean: paper\?\)") as e:
        load_suite("papr")
    assert e.value.hint is not None and "quick" in e.value.hint


def test_suite_file_errors_are_usage_errors(tmp_path: Path) -> None:
    f = tmp_path / "s.toml"
    f.write_text('name = "s"\n[[jobs]]\nmodels = ["m"]\ndatasets = ["nope"]\n')
    with pytest.raises(UsageError, match="unknown dataset"):
        load_suite(str(f))
    f.write_text('name = "s"\n[defaults]\nreps = 3\n')
    with pytest.raises(UsageError, match="unknown setting"):
        load_suite(str(f))
    f.write_text("name = \n")
    with pytest.raises(UsageError, match="not valid TOML"):
        load_suite(str(f))
