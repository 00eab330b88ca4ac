from __future__ import annotations

from pathlib import Path

import pytest

from joulebench.cli.main import main

HEADER = (
    "task_name,timestamp,project_name,run_id,duration,emissions,cpu_energy,gpu_energy,"
    "ram_energy,energy_consumed,codecarbon_version\n"
)


def store_with(path: Path, runs: list[tuple[str, str, float]]) -> str:
    rows = [
        f"query model,2024-01-01T00:00:20,{model},{rid},10,0.0001,0,{q},0,{q},2.3.1"
        for rid, model, q in runs
    ]
    log = path.with_suffix(".csv")
    log.write_text(HEADER + "\n".join(rows) + "\n")
    db = str(path)
    assert main(["--db", db, "import", "codecarbon", str(log), "--n-queries", "1000"]) == 0
    return db


def test_compare_models(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = store_with(
        tmp_path / "j.db",
        [
            ("a1", "small", 0.001),
            ("a2", "small", 0.0011),
            ("a3", "small", 0.0009),
            ("b1", "big", 0.003),
            ("b2", "big", 0.0031),
            ("b3", "big", 0.0029),
        ],
    )
    capsys.readouterr()
    assert main(["--db", db, "compare", "small", "big"]) == 0
    out = capsys.readouterr().out
    assert "ratio B/A: 3" in out
    assert "beyond run-to-run noise" in out
    assert "1 Wh ± " in out  # 0.001 kWh = 1 Wh per 1,000 queries


def test_compare_run_ids_and_store_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = store_with(tmp_path / "a.db", [("x1", "m", 0.002), ("x2", "m", 0.002)])
    b = store_with(tmp_path / "b.db", [("y1", "m", 0.002), ("y2", "m", 0.002)])
    capsys.readouterr()
    assert main(["--db", a, "compare", a, b]) == 0
    out = capsys.readouterr().out
    assert "ratio B/A: 1" in out and "within run-to-run noise" in out
    assert main(["--db", a, "compare", "x1", "x2"]) == 0
    assert "no noise test" in capsys.readouterr().out.replace("noise test: none", "no noise test")


def test_compare_unknown_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = store_with(tmp_path / "j.db", [("x1", "m", 0.002)])
    capsys.readouterr()
    assert main(["--db", db, "compare", "m", "nope"]) == 2
    assert "no run, model or store named 'nope'" in capsys.readouterr().err
