from __future__ import annotations

from pathlib import Path

import pytest

from joulebench.cli.main import main

HEADER = (
    "task_name,timestamp,project_name,run_id,duration,emissions,cpu_energy,gpu_energy,"
    "ram_energy,energy_consumed,codecarbon_version\n"
)


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # one table row per pair, verdicts unwrapped


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


def _row(out: str, task: str) -> list[str]:
    line = next(line for line in out.splitlines() if line.startswith(task))
    return line.split()


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
    assert "A: model small" in out and "B: model big" in out
    assert "3 " in out and "beyond run-to-run noise" in out
    assert "1 Wh (" in out and "n=3" in out  # 0.001 kWh = 1 Wh per 1,000 queries


def test_compare_run_ids_prefixes_and_store_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = store_with(tmp_path / "a.db", [("x1aaaa", "m", 0.002), ("x2bbbb", "m", 0.002)])
    b = store_with(tmp_path / "b.db", [("y1", "m", 0.002), ("y2", "m", 0.002)])
    capsys.readouterr()
    assert main(["--db", a, "compare", a, b]) == 0
    out = capsys.readouterr().out
    assert "within run-to-run noise" in out and " 1 " in out
    assert main(["--db", a, "compare", "x1aaaa", "x2bb"]) == 0  # a full id, a prefix
    out = capsys.readouterr().out
    assert "run x1aaaa" in out and "run x2bbbb" in out and "no test" in out


def test_compare_unknown_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = store_with(tmp_path / "j.db", [("x1", "model-one", 0.002)])
    capsys.readouterr()
    assert main(["--db", db, "compare", "model-one", "model-on"]) == 2
    err = capsys.readouterr().err
    assert "no run, model or store named 'model-on'" in err and "did you mean: model-one" in err


def test_compare_ambiguous_prefix_lists_the_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = store_with(tmp_path / "j.db", [("abcd-1", "m", 0.002), ("abcd-2", "m", 0.002)])
    capsys.readouterr()
    assert main(["--db", db, "compare", "abcd", "m"]) == 2
    err = capsys.readouterr().err
    assert "run id prefix 'abcd' matches 2 runs: abcd-1" in err and "abcd-2" in err


def test_compare_refuses_different_tasks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from joulebench.store import Store

    db = store_with(tmp_path / "j.db", [("s1", "summ", 0.002), ("q1", "qa", 0.001)])
    with Store.open(db) as store:  # label the imported runs with two different tasks
        for rid, task in (("s1", "summarization"), ("q1", "question-answering")):
            store._conn.execute("UPDATE runs SET task = ? WHERE run_id = ?", (task, rid))
    capsys.readouterr()
    assert main(["--db", db, "compare", "summ", "qa"]) == 2
    err = capsys.readouterr().err
    assert "share no task: A is summarization, B is question-answering" in err


def test_one_models_datasets_are_compared_per_dataset_not_pooled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from joulebench.store import Store

    runs = [(f"a{i}", "small", 0.001 * (1 + i % 2)) for i in range(4)]
    runs += [(f"b{i}", "big", 0.003 * (1 + i % 2)) for i in range(4)]
    db = store_with(tmp_path / "j.db", runs)
    with Store.open(db) as store:  # two datasets, each model ran both
        for rid, _, _ in runs:
            dataset = "imdb" if int(rid[1:]) % 2 == 0 else "sst2"
            store._conn.execute("UPDATE runs SET dataset = ? WHERE run_id = ?", (dataset, rid))
    capsys.readouterr()
    assert main(["--db", db, "compare", "small", "big"]) == 0
    out = capsys.readouterr().out
    assert "imdb" in out and "sst2" in out
