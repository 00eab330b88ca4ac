from __future__ import annotations

from pathlib import Path

import pytest

from joulebench.cli.main import main
from joulebench.store import Store

HEADER = (
    "task_name,timestamp,project_name,run_id,duration,emissions,cpu_power,cpu_energy,"
    "gpu_energy,ram_energy,energy_consumed,codecarbon_version,gpu_count,tracking_mode\n"
)


def task_log(path: Path, run_id: str, query_kwh: float, model: str = "gpt2") -> Path:
    rows = [
        f"load model,2024-01-01T00:00:10,{model},{run_id},10,0.0001,42.5,0.000118,0.0001,0.00001,0.000228,2.3.1,1,machine",
        f"query model,2024-01-01T00:00:20,{model},{run_id},10,0.0001,42.5,0.000118,"
        f"{query_kwh - 0.000128},0.00001,{query_kwh},2.3.1,1,machine",
    ]
    path.write_text(HEADER + "\n".join(rows) + "\n")
    return path


def test_import_with_labels_then_reimport(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "j.db")
    log = task_log(tmp_path / "a.csv", "r1", 0.002)
    argv = [
        "--db",
        db,
        "import",
        "codecarbon",
        str(log),
        "--task",
        "text-generation",
        "--dataset",
        "wikitext",
        "--n-queries",
        "1000",
    ]
    assert main(argv) == 0
    assert "1 new, 0 already stored" in capsys.readouterr().out
    assert main(argv) == 0
    assert "0 new, 1 already stored" in capsys.readouterr().out
    with Store.open(db, create=False) as store:
        [run] = store.runs()
    assert (run.task, run.model, run.dataset, run.n_queries) == (
        "text-generation",
        "gpt2",
        "wikitext",
        1000,
    )


def test_import_with_index_file(tmp_path: Path) -> None:
    db = str(tmp_path / "j.db")
    log = task_log(tmp_path / "a.csv", "r1", 0.002)
    (tmp_path / "idx").mkdir()
    (tmp_path / "idx" / "map.csv").write_text("run_id,task,model,dataset\nr1,fill-mask,bert,c4\n")
    assert (
        main(["--db", db, "import", "codecarbon", str(log), "--index", str(tmp_path / "idx")]) == 0
    )
    with Store.open(db, create=False) as store:
        [run] = store.runs()
    assert (run.task, run.model, run.dataset) == ("fill-mask", "bert", "c4")


def test_malformed_file_is_one_line_and_nonzero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "j.db")
    good = task_log(tmp_path / "a.csv", "r1", 0.002)
    bad = tmp_path / "b.csv"
    bad.write_text("timestamp,duration\n2024-01-01,1\n")
    assert main(["--db", db, "import", "codecarbon", str(good), str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.count("missing column(s) emissions, energy_consumed") == 1
    with Store.open(db, create=False) as store:
        assert store.has_run("r1")


def test_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "j.db")
    assert main(["--db", db, "import", "codecarbon", str(tmp_path / "missing.csv")]) == 1
    assert "no such file" in capsys.readouterr().err
    assert main(["--db", db, "import", "codecarbon", "x", "--n-queries", "0"]) == 2
    assert main(["--db", db, "import"]) == 2
