"""`joulebench run` with no arguments: the whole quick suite, offline, on this machine."""

from __future__ import annotations

import time

import pytest

from joulebench.cli.main import main
from joulebench.store import Store
from joulebench.tasks.catalog import STUDY_TASKS

# design.md: the quick suite finishes within 5 minutes on 2 CPU cores. A loaded CI box is
# slower than an idle one (1 min 42 s measured), so the hard bound here is looser; the
# measured time is printed so the log shows it.
HARD_BOUND_S = 600


@pytest.mark.slow
def test_quick_suite_runs_every_task_offline(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    t0 = time.monotonic()
    rc = main(["--db", str(tmp_path / "quick.db"), "run", "--no-progress"])
    elapsed = time.monotonic() - t0
    out = capsys.readouterr().out
    print(f"quick suite: {elapsed:.0f} s wall")
    assert rc == 0, out
    assert elapsed < HARD_BOUND_S
    with Store.open(tmp_path / "quick.db", create=False) as store:
        runs = store.runs(kind="benchmark")
    assert {r.task for r in runs} == set(STUDY_TASKS)
    for r in runs:
        assert r.status == "ok", (r.task, r.error)
        assert r.parameters and r.parameters > 10_000_000, r.task
        query = r.measurement.phase("query")
        assert query is not None and query.energy_j is not None and query.energy_j > 0
        assert all(c.method.value in {"counter", "power-integration", "model"} for c in query.components)
        counted = r.units.get("input_tokens", 0) + r.units.get("output_tokens", 0) + r.units.get("images", 0)
        assert counted > 0, r.task
    assert "ESTIMATE" in out or "estimate" in out  # model figures are labelled
