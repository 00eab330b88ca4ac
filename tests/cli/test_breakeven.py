from __future__ import annotations

from pathlib import Path

import pytest

from joulebench.cli.main import main

HEADER = (
    "task_name,timestamp,project_name,run_id,duration,emissions,cpu_energy,gpu_energy,"
    "ram_energy,energy_consumed,codecarbon_version\n"
)


def store_with(tmp_path: Path, model: str, query_kwh: list[float]) -> str:
    rows = [
        f"query model,2024-01-01T00:00:20,{model},r{i},10,0.0001,0,{q},0,{q},2.3.1"
        for i, q in enumerate(query_kwh)
    ]
    (tmp_path / "log.csv").write_text(HEADER + "\n".join(rows) + "\n")
    db = str(tmp_path / "j.db")
    assert (
        main(["--db", db, "import", "codecarbon", str(tmp_path / "log.csv"), "--n-queries", "1000"])
        == 0
    )
    return db


def test_breakeven_with_kwh_per_query(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "breakeven",
        "--training-kwh",
        "1000",
        "--finetune-kwh",
        "200",
        "--kwh-per-query",
        "0.0004",
        "--queries-per-day",
        "1000",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "3,000,000 inferences" in out and "3,000.0 days" in out


def test_breakeven_with_model_reads_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 0.001 and 0.003 kWh per 1,000 queries -> 2e-6 kWh per query -> 5e8 for 1,000 kWh
    db = store_with(tmp_path, "gpt2", [0.001, 0.003])
    capsys.readouterr()
    assert main(["--db", db, "breakeven", "--training-kwh", "1000", "--model", "gpt2"]) == 0
    assert "500,000,000 inferences" in capsys.readouterr().out


@pytest.mark.parametrize(
    "extra",
    [
        ["--training-kwh", "-5", "--kwh-per-query", "1"],
        ["--training-kwh", "nan", "--kwh-per-query", "1"],
        ["--training-kwh", "1", "--kwh-per-query", "0"],
        ["--training-kwh", "1"],
        ["--training-kwh", "1", "--kwh-per-query", "1", "--model", "m"],
    ],
)
def test_bad_input_is_one_line_nonzero(
    extra: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["breakeven", *extra]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err and err[0].startswith("error:")


def test_unknown_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = store_with(tmp_path, "gpt2", [0.001])
    capsys.readouterr()
    assert main(["--db", db, "breakeven", "--training-kwh", "1", "--model", "nope"]) == 1
    assert "no measured runs of model 'nope'" in capsys.readouterr().err
