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
    assert not Path(db).exists()  # a missing file is known before the store is created
    assert main(["--db", db, "import", "codecarbon", "x", "--n-queries", "0"]) == 2
    assert main(["--db", db, "import"]) == 2


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if not line.startswith("hint: ")]
    assert len(lines) == 1, err
    return lines[0]


def test_folder_without_csv_files_is_refused(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "j.db"
    (tmp_path / "logs" / "run1").mkdir(parents=True)
    task_log(tmp_path / "logs" / "run1" / "emissions.csv", "r1", 0.002)
    assert main(["--db", str(db), "import", "codecarbon", str(tmp_path / "logs")]) == 1
    err = capsys.readouterr().err
    assert _one_error_line(err) == f"error: {tmp_path / 'logs'}: no *.csv files in this directory"
    assert "run1" in err  # the hint points at the subfolder that holds one
    assert not db.exists()


@pytest.mark.parametrize(
    ("index", "argv", "message"),
    [
        ("run_id,task,model,dataset\nr1,fillmask,bert,c4\n", [],
         "error: the index names an unknown task 'fillmask' for 1 run(s) (did you mean: "
         "fill-mask?); nothing was imported"),
        ("id,what\nr1,x\n", [], "error: index: index file "),
        (None, ["--task", "textgen"], "error: --task 'textgen' is not a joulebench task"),
    ],
)
def test_bad_index_or_task_stores_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          index: str | None, argv: list[str],
                                          message: str) -> None:
    db = tmp_path / "j.db"
    log = task_log(tmp_path / "a.csv", "r1", 0.002)
    extra = list(argv)
    if index is not None:
        (tmp_path / "map.csv").write_text(index)
        extra += ["--index", str(tmp_path / "map.csv")]
    assert main(["--db", str(db), "import", "codecarbon", str(log), *extra]) != 0
    assert _one_error_line(capsys.readouterr().err).startswith(message)
    assert not db.exists()


def test_reimport_with_a_corrected_index_relabels(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "j.db")
    log = task_log(tmp_path / "a.csv", "r1", 0.002)
    task_log(tmp_path / "b.csv", "r2", 0.004)
    index = tmp_path / "map.csv"
    index.write_text("run_id,task,model,dataset\nr1,fill-mask,bert,c4\n")  # r2 forgotten
    argv = ["--db", db, "import", "codecarbon", str(log), str(tmp_path / "b.csv"),
            "--index", str(index)]
    assert main(argv) == 0
    capsys.readouterr()
    with Store.open(db, create=False) as store:
        before = {r.run_id: r for r in store.runs()}
    assert before["r2"].task is None
    index.write_text("run_id,task,model,dataset,n_queries\n"
                     "r1,fill-mask,bert,c4,100\nr2,text-generation,gpt2,wikitext,50\n")
    assert main(argv) == 0  # without --relabel: told, not changed
    captured = capsys.readouterr()
    assert "0 new, 2 already stored" in captured.out
    assert "2 run(s) already stored with other labels were left as they are; add --relabel" in (
        captured.err)
    with Store.open(db, create=False) as store:
        assert store.get_run("r2").task is None  # type: ignore[union-attr]
    assert main([*argv, "--relabel"]) == 0
    assert "0 new, 2 already stored, 2 relabelled" in capsys.readouterr().out
    with Store.open(db, create=False) as store:
        after = {r.run_id: r for r in store.runs()}
    assert (after["r2"].task, after["r2"].model, after["r2"].dataset, after["r2"].n_queries) == (
        "text-generation", "gpt2", "wikitext", 50)
    assert after["r1"].n_queries == 100 and after["r1"].task == "fill-mask"
    for run_id in ("r1", "r2"):  # the measurement is never rewritten
        assert after[run_id].measurement == before[run_id].measurement
    assert main([*argv, "--relabel"]) == 0  # idempotent
    assert "0 relabelled" in capsys.readouterr().out
