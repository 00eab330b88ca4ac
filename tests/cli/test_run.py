from __future__ import annotations

import os
from pathlib import Path

import pytest

from joulebench.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_suites_lists_counts(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "suites")
    assert rc == 0
    paper = next(line for line in out.splitlines() if line.startswith("paper"))
    assert paper.split()[1:5] == ["312", "88", "30", "3,120,000"]


def test_dry_run_energy_score_has_its_ten_tasks(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "run", "--suite", "energy-score", "--dry-run")
    assert rc == 0
    assert "10 jobs, 10 models, 10 datasets, 10 tasks, 100,000 measured queries" in out
    assert "automatic-speech-recognition" in out and "sentence-similarity" in out


def test_dry_run_paper_counts(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "run", "--suite", "paper", "--dry-run")
    assert rc == 0
    assert "312 jobs, 88 models, 30 datasets, 10 tasks, 3,120,000 measured queries" in out
    assert "rough per-task prior" in out


def test_dry_run_default_is_quick_with_filters(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "run", "--dry-run", "--tasks", "fill-mask,text-generation",
                     "-n", "4", "-r", "3")
    assert rc == 0
    assert "suite quick: 2 jobs, 2 models, 2 datasets, 2 tasks, 24 measured queries" in out
    rc, out, _ = run(capsys, "run", "--dry-run", "--limit-jobs", "1")
    assert "suite quick: 1 jobs" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--suite", "papr"], "error: unknown suite 'papr' (did you mean: paper?)"),
        (["--task", "text-clasification", "--model", "gpt2", "--dataset", "offline:text"],
         "error: unknown task 'text-clasification' (did you mean: text-classification"),
        (["--task", "fill-mask", "--model", "random:bert-base-uncase", "--dataset", "x"],
         "error: no shipped configuration for random:bert-base-uncase (did you mean: "),
        (["--task", "fill-mask", "--model", "gpt2"], "error: one job needs --task, --model and"),
        (["--tasks", "fillmask"], "error: unknown task 'fillmask' (did you mean: fill-mask?)"),
        (["--dtype", "fp8"], "error: unknown dtype 'fp8'"),
        (["--batch-size", "4", "--tasks", "object-detection"],
         "error: --batch-size 4: task object-detection runs one input at a time"),
    ],
)
def test_bad_inputs_one_line_nonzero(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                     argv: list[str], message: str) -> None:
    db = tmp_path / "r.db"
    rc, _, err = run(capsys, "--db", str(db), "run", "--dry-run", *argv)
    assert rc == 2
    assert err.splitlines()[0].startswith(message)
    assert not db.exists()


def test_end_to_end_single_job(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from joulebench.store import Store

    csv = tmp_path / "reviews.csv"
    csv.write_text("text\n" + "\n".join(f"review number {i} was rather good" for i in range(8)))
    db = tmp_path / "r.db"
    argv = ["--db", str(db), "run", "--task", "text-classification",
            "--model", "random:distilbert-base-uncased-finetuned-sst-2-english",
            "--dataset", str(csv), "--column", "text", "-n", "5", "-r", "2", "--idle-s", "0.2",
            "--no-progress"]
    rc, out, err = run(capsys, *argv)
    assert rc == 0, err
    assert "Wh/1k" in out and f"store: {db}" in out
    with Store.open(db) as store:
        runs = store.runs(task="text-classification")
    assert [r.repetition for r in runs] == [0, 1] and all(r.n_queries == 5 for r in runs)
    assert all(r.units["input_tokens"] > 0 for r in runs)
    # resume: nothing left to do
    rc, out, _ = run(capsys, *argv, "--resume")
    assert rc == 0 and "1 job(s) already complete" in out
    # a missing column is known before anything runs: one clear line, exit 1, nothing stored
    rc, out, err = run(capsys, *argv[:-9], "--dataset", str(csv), "--column", "body",
                       "-n", "5", "-r", "2", "--idle-s", "0", "--no-progress")
    assert rc == 1 and err.startswith("error: column 'body' does not exist; columns: text")
    assert "measuring" not in err and not out
    with Store.open(db) as store:
        assert len(store.runs(status="ok")) == 2 and not store.runs(status="failed")
    assert os.path.exists(db)
    # -n beyond the file's 8 rows: the note reaches --no-progress output
    rc, _, err = run(capsys, *argv[:-9], "--dataset", str(csv), "-n", "10", "-r", "1",
                     "--idle-s", "0", "--no-progress")
    assert rc == 0 and "has 8 row(s), fewer than -n 10: rows repeat" in " ".join(err.split())


def test_failed_job_prints_and_stores_the_whole_error(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    from joulebench.store import Store

    db = tmp_path / "r.db"
    rc, _, err = run(capsys, "--db", str(db), "run", "--task", "sentence-similarity",
                     "--model", "random:gpt2", "--dataset", "offline:sentence-pairs", "-n", "1",
                     "-r", "1", "--idle-s", "0", "--no-progress")
    assert rc == 1
    assert "does not fit task sentence-similarity" in err
    assert "hint: models that fit: random:sentence-transformers/all-MiniLM-L6-v2" in err
    with Store.open(db) as store:
        (failed,) = store.runs(status="failed")
    assert failed.error is not None and failed.error.endswith(
        "\nhint: models that fit: random:sentence-transformers/all-MiniLM-L6-v2")


def test_data_files_picks_files_of_a_dataset_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from joulebench.store import Store

    folder = tmp_path / "reviews"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "train.csv").write_text("text\n" + "train row\n" * 9, encoding="utf-8")
    (folder / "data" / "test.csv").write_text("text\nonly test row\n", encoding="utf-8")
    db = tmp_path / "runs.db"
    rc, _, err = run(
        capsys, "--db", str(db), "run", "--task", "text-classification",
        "--model", "random:distilbert-base-uncased-finetuned-sst-2-english",
        "--dataset", str(folder), "--data-files", "data/test.csv", "-n", "2", "-r", "1",
        "--warmup", "0", "--idle-s", "0", "--no-progress",
    )  # fmt: skip
    assert rc == 0, err
    with Store.open(db, create=False) as store:
        (record,) = store.runs(status="ok")
    assert record.config["data_files"] == "data/test.csv"
    assert record.config["input"]["rows"] == 1 and record.config["input"]["cycled"]


def test_data_files_on_an_offline_sample_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "runs.db"
    rc, _, err = run(
        capsys, "--db", str(db), "run", "--task", "text-classification",
        "--model", "random:distilbert-base-uncased-finetuned-sst-2-english",
        "--dataset", "offline:text", "--data-files", "x.csv",
    )  # fmt: skip
    assert rc == 2 and "--data-files" in err.splitlines()[0]
    assert not db.exists()
