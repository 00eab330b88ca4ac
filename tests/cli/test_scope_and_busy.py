"""Issue 8 through the CLI: scopes against a busy neighbour, busy idle baselines, bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from joulebench.cli.main import main
from joulebench.measure.cpu_model import CpuModelSensor
from joulebench.store import Store

SLEEP = "import time; time.sleep(1.5)"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "runs.db"
    monkeypatch.setenv("JOULEBENCH_DB", str(path))
    monkeypatch.chdir(tmp_path)
    return path


@pytest.fixture
def busy_neighbour():
    """Another process keeping one core busy for the test's duration (stops by itself)."""
    child = subprocess.Popen(
        [sys.executable, "-c", "import time\nt=time.time()\nwhile time.time()-t<60: pass"]
    )
    try:
        yield child
    finally:
        child.kill()
        child.wait()


def _cpu(db: Path, scope: str):
    with Store.open(db, create=False) as store:
        runs = [r for r in store.runs(kind="measure") if r.measurement.scope == scope]
    (run,) = runs
    source = "model:cpu-process" if scope == "process" else "model:cpu-utilization"
    return run.measurement, next(c for c in run.measurement.components if c.source == source)


def test_process_scope_ignores_a_busy_neighbour_machine_scope_reports_it(
    db: Path, busy_neighbour: subprocess.Popen[bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    model = CpuModelSensor()
    idle_w, dynamic_w = model.idle_w, (model.max_w - model.idle_w) / model.logical_cpus
    assert main(["measure", "--scope", "process", "--", sys.executable, "-c", SLEEP]) == 0
    out = capsys.readouterr().out
    assert "scope          process" in out
    m, cpu = _cpu(db, "process")
    idle_share = idle_w * m.duration_s
    # the sleeping command's own CPU (interpreter start-up) is small next to the idle share
    assert idle_share <= cpu.energy_j <= idle_share + dynamic_w * 0.5
    assert main(["measure", "--scope", "machine", "--", sys.executable, "-c", SLEEP]) == 0
    out = capsys.readouterr().out
    m, cpu = _cpu(db, "machine")
    assert cpu.energy_j >= idle_w * m.duration_s + 0.7 * dynamic_w * m.duration_s
    assert m.host_load is not None and m.host_load.busy
    assert "BUSY" in out and "busy machine during the window" in out


def test_idle_baseline_on_a_busy_machine_prints_one_line_and_flags_net(
    db: Path, busy_neighbour: subprocess.Popen[bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    rc = main(["measure", "--idle-s", "1.5", "--", sys.executable, "-c", "pass"])
    captured = capsys.readouterr()
    assert rc == 0
    busy_lines = [
        line for line in captured.err.splitlines() if "BUSY during the idle baseline" in line
    ]
    assert len(busy_lines) == 1
    assert "UNRELIABLE" in captured.out
    with Store.open(db, create=False) as store:
        (run,) = store.runs(kind="measure")
    m = run.measurement
    assert m.idle_host_load is not None and m.idle_host_load.busy and not m.net_reliable


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--scope", "proces"], "error: unknown scope 'proces' (did you mean: process?)"),
        (["--cpu-tdp-w", "nan"], "error: --cpu-tdp-w must be a positive finite number"),
        (["--cpu-tdp-w", "-5"], "error: --cpu-tdp-w must be a positive finite number"),
        (["--dram-w-per-gb", "inf"], "error: --dram-w-per-gb must be a positive finite number"),
        (["--idle-s", "inf"], "error: --idle-s must be a finite number of seconds"),
    ],
)
@pytest.mark.parametrize("command", ["measure", "run"])
def test_bad_sensor_settings_fail_before_anything_is_stored(
    db: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str, command: str
) -> None:
    tail = ["--", sys.executable, "-c", "pass"] if command == "measure" else [
        "--task", "text-classification", "--dataset", "offline:text",
        "--model", "random:distilbert-base-uncased-finetuned-sst-2-english",
    ]
    rc = main([command, *argv, *tail])
    err = capsys.readouterr().err
    assert rc != 0
    assert err.splitlines()[0].startswith(message)
    assert not db.exists()


def test_unreadable_cpuinfo_is_one_line_and_nothing_stored(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from joulebench.measure import cpu_info

    bad = tmp_path / "cpuinfo"
    bad.mkdir()  # a directory: exists, cannot be read as a file
    monkeypatch.setattr(cpu_info, "DEFAULT_CPUINFO", str(bad))
    import joulebench.measure.cpu_model as cpu_model

    monkeypatch.setattr(cpu_model, "DEFAULT_CPUINFO", str(bad))
    monkeypatch.setattr(
        CpuModelSensor.__init__, "__kwdefaults__",
        {**(CpuModelSensor.__init__.__kwdefaults__ or {}), "cpuinfo_path": str(bad)},
    )
    rc = main(["measure", "--", sys.executable, "-c", "pass"])
    err = capsys.readouterr().err
    assert rc != 0
    assert "cpuinfo" in err.splitlines()[0] and len(err.splitlines()) <= 2
    assert not db.exists()
