"""``joulebench report``: formats, output path, bad input (empty, failed-only, missing store)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "report"))
from report_factories import HOSTILE, corpus, failed_record

from joulebench.cli.main import main
from joulebench.store import Store


def _store(path: Path, records) -> Path:
    with Store.open(path) as store:
        store.write_runs(records)
    return path


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "runs.db"
    return _store(path, [*corpus(160), failed_record("CUDA out of memory")])


def test_default_html_in_current_directory(db, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["--db", str(db), "report"]) == 0
    out = tmp_path / "joulebench-report.html"
    assert out.is_file()
    said = capsys.readouterr()
    assert str(out) in said.out
    assert "1 failed run(s) left out" in said.err
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("fmt", ["md", "json", "csv"])
def test_other_formats(db, tmp_path, fmt) -> None:
    out = tmp_path / f"r.{fmt}"
    assert main(["--db", str(db), "report", "--format", fmt, "--output", str(out)]) == 0
    text = out.read_text()
    if fmt == "json":
        data = json.loads(text)
        assert data["schema_version"] == 1
        assert data["failed_runs"]["n_failed"] == 1
    elif fmt == "md":
        assert text.startswith("# joulebench report")
    else:
        assert text.splitlines()[0].startswith("task,model,dataset,n_runs")


def test_reference_study_and_task_filter(db, tmp_path) -> None:
    out = tmp_path / "r.json"
    argv = ["--db", str(db), "report", "--format", "json", "-o", str(out), "--reference-study"]
    assert main([*argv, "--task", "summarization", "fill-mask"]) == 0
    data = json.loads(out.read_text())
    assert {t["task"] for t in data["tasks"]} == {"summarization", "fill-mask"}
    assert data["reference_study"]["citation"].startswith("Luccioni")
    fm = next(t for t in data["tasks"] if t["task"] == "fill-mask")
    assert fm["reference_study_energy_wh_per_1000_queries_mean"] == pytest.approx(3.0)


def test_unknown_task_is_one_line(db, tmp_path, capsys) -> None:
    out = tmp_path / "r.html"
    assert main(["--db", str(db), "report", "--task", "summarisation", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no runs for task 'summarisation'")
    assert "did you mean: summarization" in err
    assert not out.exists()


def test_stdout(db, capsys) -> None:
    assert main(["--db", str(db), "report", "--format", "csv", "-o", "-"]) == 0
    assert capsys.readouterr().out.startswith("task,model,dataset")


def test_missing_store_is_one_line(tmp_path, capsys) -> None:
    missing = tmp_path / "nope.db"
    assert main(["--db", str(missing), "report", "-o", str(tmp_path / "r.html")]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("error: no results store at")
    assert not missing.exists()
    assert not (tmp_path / "r.html").exists()


def test_empty_store_is_one_line(tmp_path, capsys) -> None:
    db = _store(tmp_path / "empty.db", [])
    out = tmp_path / "r.html"
    assert main(["--db", str(db), "report", "-o", str(out)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"error: the store {str(db)!r} holds no runs; run `joulebench run` first"
    assert not out.exists()


def test_failed_only_store_lists_why(tmp_path, capsys) -> None:
    records = [failed_record("CUDA out of memory", run_id=f"f{i}") for i in range(3)]
    records.append(failed_record("model not found: org/x\ntraceback ...", run_id="g"))
    db = _store(tmp_path / "failed.db", records)
    out = tmp_path / "r.html"
    assert main(["--db", str(db), "report", "-o", str(out)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (
        f"error: all 4 run(s) in the store {str(db)!r} failed: "
        "CUDA out of memory (3); model not found: org/x (1)"
    )
    assert not out.exists()


def test_existing_output_survives_a_failure(tmp_path) -> None:
    out = tmp_path / "r.html"
    out.write_text("previous report")
    db = _store(tmp_path / "empty.db", [])
    assert main(["--db", str(db), "report", "-o", str(out)]) == 1
    assert out.read_text() == "previous report"


def test_output_directory_missing(db, tmp_path, capsys) -> None:
    out = tmp_path / "no" / "such" / "r.html"
    assert main(["--db", str(db), "report", "-o", str(out)]) == 2
    assert "does not exist" in capsys.readouterr().err
