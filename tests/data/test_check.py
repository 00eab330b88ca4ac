"""Dataset specs checked before anything runs: one clear line each, no rows read."""

from __future__ import annotations

from pathlib import Path

import pytest

from joulebench.cli.main import main
from joulebench.data.check import check_dataset
from joulebench.errors import DataError, UsageError
from joulebench.tasks.base import TaskSpec

TEXT = TaskSpec("text-classification", "Text classification", "text", ("text", "sentence"), "")
IMAGE = TaskSpec("image-classification", "Image classification", "image", ("image",), "")


@pytest.fixture()
def offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "datasets"))
    return tmp_path


@pytest.mark.parametrize(
    ("spec", "kwargs", "error", "message"),
    [
        ("offline:txt", {}, UsageError,
         r"unknown offline sample 'offline:txt' \(did you mean: offline:text\?\)"),
        ("offline:text", {"column": "text"}, UsageError,
         r"--column 'text' does not apply to offline:text \(an offline sample\)"),
        ("offline:text", {"split": "test"}, UsageError, r"--split 'test' does not apply"),
        ("{csv}", {"split": "test"}, UsageError,
         r"--split 'test' does not apply to .*reviews\.csv \(a single file\)"),
        ("{csv}", {"config": "en"}, UsageError, r"--config 'en' does not apply"),
        ("{csv}", {"column": "body"}, DataError,
         r"column 'body' does not exist; columns: text, label"),
        ("{dir}/reviwes.csv", {}, DataError,
         r"data file '.*reviwes\.csv' does not exist \(did you mean: reviews\.csv\?\)"),
        ("./no/such/file.parquet", {}, DataError,
         r"does not exist \(folder 'no/such' does not exist\)"),
        ("{dir}/notes.txt", {}, UsageError, r"unsupported file type '\.txt'"),
        ("{dir}/*.jsonl", {}, DataError, r"no file matches"),
        ("bad id!", {}, UsageError, r"'bad id!' is not a Hub dataset id, a local file or a folder"),
        ("a/b/c", {}, UsageError, r"is not a Hub dataset id"),
        ("org--x/name", {}, UsageError, r"is not a Hub dataset id"),
        ("tiny-org/missing", {}, DataError,
         r"cannot load dataset 'tiny-org/missing': offline mode \(HF_DATASETS_OFFLINE=1\), and "
         r"it is not in the local cache"),
    ],
)
def test_refused_before_anything_runs(offline: Path, spec: str, kwargs: dict[str, str],
                                      error: type[Exception], message: str) -> None:
    (offline / "reviews.csv").write_text("text,label\ngood,1\n")
    (offline / "notes.txt").write_text("x")
    spec = spec.format(csv=offline / "reviews.csv", dir=offline)
    with pytest.raises(error, match=message) as err:
        check_dataset(spec, TEXT, **kwargs)
    assert "\n" not in str(err.value)


def test_accepted_specs_read_no_rows(offline: Path) -> None:
    (offline / "reviews.csv").write_text("text,label\ngood,1\n")
    assert check_dataset(str(offline / "reviews.csv"), TEXT, column="text") == "file"
    assert check_dataset("offline:text", TEXT) == "offline"
    assert check_dataset("imdb", TEXT, config="plain_text", available=False) == "hub"
    folder = offline / "repo" / "data"
    folder.mkdir(parents=True)
    (folder / "train.csv").write_text("text\nhello\n")
    assert check_dataset(str(offline / "repo"), TEXT, split="train") == "data folder"
    with pytest.raises(DataError, match=r"column 'body' does not exist"):
        check_dataset(str(offline / "repo"), TEXT, column="body")
    assert check_dataset(str(folder / "*.csv"), TEXT) == "glob"
    empty = offline / "photos"
    empty.mkdir()
    with pytest.raises(DataError, match="no images and no data files in"):
        check_dataset(str(empty), IMAGE)


def _single_job(db: Path, dataset: str, *more: str) -> list[str]:
    return ["--db", str(db), "run", "--task", "text-classification", "--model",
            "random:distilbert-base-uncased-finetuned-sst-2-english", "--dataset", dataset,
            "-n", "2", "-r", "1", "--idle-s", "0.5", *more]


@pytest.mark.parametrize(
    ("dataset", "more", "code", "first_line"),
    [
        ("offline:txt", [], 2, "error: unknown offline sample 'offline:txt'"),
        ("missing.csv", [], 1, "error: data file 'missing.csv' does not exist"),
        ("offline:text", ["--column", "text"], 2, "error: --column 'text' does not apply"),
        ("tiny-org/missing", [], 1, "error: cannot load dataset 'tiny-org/missing': offline mode"),
    ],
)
def test_run_refuses_before_measuring_and_leaves_no_store(
        offline: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        dataset: str, more: list[str], code: int, first_line: str) -> None:
    monkeypatch.chdir(offline)
    db = offline / "r.db"
    assert main(_single_job(db, dataset, *more)) == code
    out, err = capsys.readouterr()
    assert err.startswith(first_line) and "measuring" not in err and not out
    assert not db.exists()


def test_dry_run_checks_specs_but_not_availability(offline: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    db = offline / "r.db"
    assert main([*_single_job(db, "tiny-org/missing"), "--dry-run"]) == 0
    assert main([*_single_job(db, "offline:txt"), "--dry-run"]) == 2
    assert "unknown offline sample" in capsys.readouterr().err
