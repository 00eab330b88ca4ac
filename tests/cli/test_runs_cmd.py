"""`joulebench runs`: list stored runs, filters checked against the store."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from joulebench.cli.main import main


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "runs.db"
    monkeypatch.setenv("JOULEBENCH_DB", str(path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "90")
    for label in ("first", "second"):
        assert main(["measure", "--label", label, "--", sys.executable, "-c", "pass"]) == 0
    capsys.readouterr()
    return path


def test_lists_runs_with_id_prefixes_and_fits_the_width(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["runs"]) == 0
    out = capsys.readouterr().out
    assert "first" in out and "second" in out and "2 run(s)" in out
    assert "all kind: measure; status: ok" in out
    assert max(len(line) for line in out.splitlines()) <= 90
    assert main(["runs", "--model", "second", "--last", "1"]) == 0
    out = capsys.readouterr().out
    assert "second" in out and "first" not in out and "1 run(s)" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--model", "secnd"], "error: no run with model 'secnd' in "),
        (["--kind", "benchmark"], "error: no run with kind 'benchmark' in "),
        (["--last", "0"], "error: --last must be >= 1, got 0"),
    ],
)
def test_unknown_filter_values_are_one_clear_line(
    store: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["runs", *argv]) != 0
    err = capsys.readouterr().err
    assert err.splitlines()[0].startswith(message)
    if argv[0] == "--model":
        assert "did you mean: second" in err


def test_no_store_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(tmp_path / "none.db"), "runs"]) != 0
    assert capsys.readouterr().err.startswith("error: no results store at")
    assert not (tmp_path / "none.db").exists()
