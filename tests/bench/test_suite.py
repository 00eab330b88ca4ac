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


DS = '[[datasets]]\nid = "t"\ntask = "text-classification"\nspec = "offline:text"\n'
JOB = '[[jobs]]\nmodels = ["random:distilgpt2"]\ndatasets = ["t"]\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('name = "s"\n' + DS + '[[jobs]]\nmodels = "random:distilgpt2"\ndatasets = ["t"]\n',
         r"s\.toml: jobs\[0\]: models must be a list of strings, got a string"),
        ('name = "s"\n' + DS + '[[jobs]]\nmodels = ["m"]\ndatasets = "t"\n',
         r"jobs\[0\]: datasets must be a list of strings, got a string"),
        ('name = "s"\n' + DS + JOB + 'n_queries = "10"\n',
         r"jobs\[0\]: n_queries must be an integer, got a string \('10'\)"),
        ('name = "s"\n[defaults]\nrepetitions = 2.5\n' + DS + JOB,
         r"\[defaults\]: repetitions must be an integer, got a number \(2\.5\)"),
        ('name = "s"\n[defaults]\ntrust_remote_code = "yes"\n' + DS + JOB,
         r"trust_remote_code must be true or false, got a string"),
        ('name = "s"\n[defaults]\nadaptive_pct = true\n' + DS + JOB,
         r"adaptive_pct must be a number, got true or false"),
        ('name = "s"\ndefaults = 3\n' + DS + JOB, r"\[defaults\] must be a table, got an integer"),
        ('name = 5\n' + DS + JOB, r"s\.toml: name must be a non-empty string, got an integer"),
        ('name = "s"\ndatasets = "t"\n' + JOB,
         r"datasets must be an array of tables \(\[\[datasets\]\]\), got a string"),
        ('name = "s"\n[[datasets]]\nid = "t"\ntask = "text-classification"\nspec = 3\n' + JOB,
         r"datasets\[0\]: spec must be a non-empty string, got an integer"),
        ('name = "s"\n[[datasets]]\nid = "t"\ntask = "text-classification"\n' + JOB,
         r"datasets\[0\]: missing key 'spec'"),
        ('name = "s"\n[[datasets]]\nid = "t"\ntask = "fillmask"\nspec = "offline:text"\n' + JOB,
         r"dataset 't': unknown task 'fillmask' \(did you mean: fill-mask\?\)"),
        ('name = "s"\n' + DS + 'column = ["a"]\n' + JOB,
         r"dataset 't': column must be a string, got a list"),
        ('name = "s"\n' + DS + 'options = { size = [1, 2] }\n' + JOB,
         r"dataset 't': option 'size' must be a string, number or boolean, got a list"),
        ('name = "s"\n' + DS + DS + JOB, r"duplicate dataset id\(s\) t"),
        ('name = "s"\n' + DS + JOB + 'dtype = "fp8"\n', r"s\.toml: unknown dtype 'fp8'"),
    ],
)
def test_wrong_types_are_one_line_naming_file_and_key(tmp_path: Path, text: str,
                                                      message: str) -> None:
    f = tmp_path / "s.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=message) as err:
        load_suite(str(f))
    assert "\n" not in str(err.value)


def test_suite_file_not_utf8_or_unreadable(tmp_path: Path) -> None:
    f = tmp_path / "latin.toml"
    f.write_bytes('name = "caf\u00e9"\n'.encode("latin-1"))
    with pytest.raises(UsageError, match=r"latin\.toml: not UTF-8 text \(byte 0xe9 at offset 11\)"):
        load_suite(str(f))
    bom = tmp_path / "bom.toml"
    bom.write_bytes(b"\xef\xbb\xbf" + ('name = "s"\n' + DS + JOB).encode())
    assert [j.model for j in load_suite(str(bom)).jobs()] == ["random:distilgpt2"]
    folder = tmp_path / "dir.toml"
    folder.mkdir()
    with pytest.raises(UsageError, match="does not exist"):
        load_suite(str(folder))


def test_cli_suite_with_wrong_type_is_one_line(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from joulebench.cli.main import main

    f = tmp_path / "s.toml"
    f.write_text('name = "s"\n' + DS + '[[jobs]]\nmodels = "random:distilgpt2"\ndatasets = ["t"]\n')
    db = tmp_path / "r.db"
    assert main(["--db", str(db), "run", "--suite", str(f)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {f}: jobs[0]: models must be a list of strings, got a string")
    assert not db.exists()
