"""Dataset sources: local files, offline samples, and their errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from joulebench.data.sources import load_rows
from joulebench.errors import DataError, UsageError
from joulebench.tasks.base import TaskSpec

TEXT = TaskSpec("text-classification", "Text classification", "text", ("text", "sentence"), "")
QA = TaskSpec("question-answering", "QA", "question-context", ("question", "context"), "")
ROWS = [{"text": f"review number {i}", "label": i % 2} for i in range(5)]


def _csv(path: Path, rows: list[dict[str, object]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["text"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def _jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _parquet(path: Path, rows: list[dict[str, object]]) -> Path:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(rows), str(path))
    return path


@pytest.mark.parametrize("write", [_csv, _jsonl, _parquet], ids=["csv", "jsonl", "parquet"])
def test_local_files_give_the_first_n_texts(tmp_path: Path, write: object) -> None:
    suffix = {"_csv": ".csv", "_jsonl": ".jsonl", "_parquet": ".parquet"}[write.__name__]  # type: ignore[attr-defined]
    path = write(tmp_path / f"reviews{suffix}", ROWS)  # type: ignore[operator]
    sample = load_rows(str(path), task=TEXT, column=None, n=3, split=None, config=None)
    assert sample.rows == ["review number 0", "review number 1", "review number 2"]
    assert sample.columns == ("text",) and sample.fingerprint.startswith("sha256:")
    assert "user-supplied" in sample.licence and str(path) in sample.source
    again = load_rows(str(path), task=TEXT, n=3)
    assert again.fingerprint == sample.fingerprint
    assert load_rows(str(path), task=TEXT, n=2).fingerprint != sample.fingerprint


def test_qa_rows_and_explicit_columns(tmp_path: Path) -> None:
    rows = [{"q": "Who?", "support": "Ann did.", "x": 1}]
    path = _jsonl(tmp_path / "sciq.jsonl", rows)
    sample = load_rows(str(path), task=QA, column="q,support", n=5)
    assert sample.rows == [{"question": "Who?", "context": "Ann did."}]
    with pytest.raises(DataError, match="question and context"):
        load_rows(str(path), task=QA, n=5)


def test_bad_column_lists_the_columns(tmp_path: Path) -> None:
    path = _csv(tmp_path / "r.csv", ROWS)
    with pytest.raises(DataError, match=r"column 'review' does not exist; columns: text, label"):
        load_rows(str(path), task=TEXT, column="review", n=2)
    other = _csv(tmp_path / "o.csv", [{"body": "x"}])
    with pytest.raises(DataError, match="columns: body"):
        load_rows(str(other), task=TEXT, n=2)


def test_empty_and_missing_files(tmp_path: Path) -> None:
    empty = _csv(tmp_path / "empty.csv", [])
    with pytest.raises(DataError, match="no rows"):
        load_rows(str(empty), task=TEXT, n=2)
    with pytest.raises(DataError, match="does not exist"):
        load_rows(str(tmp_path / "nope.csv"), task=TEXT, n=2)
    with pytest.raises(UsageError, match="positive"):
        load_rows(str(empty), task=TEXT, n=0)


def test_offline_samples() -> None:
    text = load_rows("offline:text", task=TEXT, n=4)
    assert len(text.rows) == 4 and all(len(r.split()) >= 20 for r in text.rows)
    assert "PSF" in text.licence
    qa = load_rows("offline:qa", task=QA, n=3)
    assert all(r["question"].startswith("What is ") and r["context"] for r in qa.rows)
    assert "synthetic" in qa.source
    prompts = load_rows("offline:prompts", task=TEXT, n=25)
    assert len(prompts.rows) == 25 and "cycled to 25" in prompts.source and "CC0" in prompts.licence


def test_unknown_offline_sample_lists_valid_names() -> None:
    with pytest.raises(UsageError, match=r"did you mean: .*text") as err:
        load_rows("offline:txt", task=TEXT, n=1)
    assert err.value.hint and "offline:qa" in err.value.hint


def test_unreachable_hub_dataset_suggests_local_or_offline(monkeypatch: pytest.MonkeyPatch,
                                                           tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "datasets"))
    with pytest.raises(DataError, match=r"cannot load dataset 'imdb': offline mode "
                       r"\(HF_HUB_OFFLINE=1\), and it is not in the local cache") as err:
        load_rows("imdb", task=TEXT, n=2)
    assert err.value.hint and "offline:text" in err.value.hint
