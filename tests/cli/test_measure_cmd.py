"""`joulebench measure` and `joulebench doctor` end to end, through cli.main.main."""

from __future__ import annotations

import csv
import io
import sys

import pytest

from joulebench.cli.main import main
from joulebench.store import Store


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "runs.db"
    monkeypatch.setenv("JOULEBENCH_DB", str(path))
    monkeypatch.chdir(tmp_path)  # no joulebench.toml from the repo leaks in
    return path


def test_measure_runs_command_stores_run_and_returns_its_exit_code(db, capsys):
    code = "import time\nt=time.time()\nwhile time.time()-t<0.3: pass\nraise SystemExit(7)"
    rc = main(["measure", "--country", "FRA", "--", sys.executable, "-c", code])
    out = capsys.readouterr().out
    assert rc == 7
    assert "model:cpu-utilization" in out and "ESTIMATE (model)" in out
    assert "g CO2eq/kWh" in out and "smartphone charges" in out
    with Store.open(db, create=False) as store:
        (run,) = store.runs(kind="measure")
    assert run.exit_code == 7
    assert run.command[-1] == code
    assert run.carbon is not None and run.carbon.region == "FRA"
    cpu = next(c for c in run.measurement.components if c.source == "model:cpu-utilization")
    assert cpu.method.value == "model"
    assert cpu.energy_j is not None and cpu.energy_j > 0
    assert cpu.low_j < cpu.energy_j < cpu.high_j
    assert run.measurement.duration_s >= 0.3


def test_measured_run_exports_with_codecarbon_columns(db, capsys):
    assert main(["measure", "--", sys.executable, "-c", "pass"]) == 0
    capsys.readouterr()
    assert main(["export", "--format", "codecarbon"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 1
    assert {"run_id", "energy_consumed", "cpu_energy", "ram_energy", "emissions"} <= rows[0].keys()
    assert float(rows[0]["energy_consumed"]) > 0
    assert rows[0]["gpu_energy"] == ""  # no GPU here: empty, never 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["measure"], "needs a command"),
        (["measure", "--"], "needs a command"),
        (["measure", "--country", "FRN", "--", "true"], "did you mean: FRA"),
        (["measure", "--intensity", "nan", "--", "true"], "finite"),
        (["measure", "--intensity", "-3", "--", "true"], ">= 0"),
        (["measure", "--pue", "0.5", "--", "true"], "PUE"),
        (["measure", "--sensor", "gpuz", "--", "true"], "unknown sensor"),
        (["measure", "--idle-s", "-1", "--", "true"], "idle"),
        (["measure", "--", "no-such-command-xyz"], "command not found"),
    ],
)
def test_bad_input_is_one_line_nonzero_and_leaves_no_store(db, capsys, argv, message):
    rc = main(argv)
    err = capsys.readouterr().err
    assert rc != 0
    assert err.startswith("error: ")
    assert message.lower() in err.lower()
    assert not db.exists()


def test_unwritable_store_path_is_refused_before_running(tmp_path, capsys):
    marker = tmp_path / "ran"
    rc = main(
        ["--db", str(tmp_path / "missing" / "x.db"), "measure", "--", "touch", str(marker)]
    )
    assert rc != 0
    assert "error:" in capsys.readouterr().err
    assert not marker.exists()


def test_doctor_reports_every_candidate_with_reason(capsys):
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    for name in ("NVML", "amdsmi", "RAPL", "CPU model", "DRAM model"):
        assert name in out
    assert "will measure with:" in out


def test_doctor_json(capsys):
    import json

    assert main(["doctor", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    names = {s["name"] for s in doc["sensors"]}
    assert "CPU model" in names
    assert all("reason" in s for s in doc["sensors"])


def test_db_option_is_accepted_after_the_command_too(tmp_path, capsys):
    path = tmp_path / "after.db"
    assert main(["measure", "--db", str(path), "--", sys.executable, "-c", "pass"]) == 0
    with Store.open(path, create=False) as store:
        assert store.count_runs() == 1
