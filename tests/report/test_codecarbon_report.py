"""A plain CodeCarbon ``emissions.csv`` (no task, no query count) imports and reports
run by run; ``report --output`` into a folder it cannot write is one line, exit 2."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

from joulebench.cli.main import main
from joulebench.errors import UsageError
from joulebench.report import write_report

HEADER = (
    "timestamp,project_name,run_id,duration,emissions,emissions_rate,cpu_power,gpu_power,"
    "ram_power,cpu_energy,gpu_energy,ram_energy,energy_consumed,country_name,"
    "country_iso_code,region,codecarbon_version,cpu_count,cpu_model,gpu_count,gpu_model,"
    "ram_total_size,tracking_mode,pue\n"
)


def emissions_csv(path: Path) -> Path:
    """Two tracker runs as CodeCarbon 2.x writes them (energies in kWh)."""
    rows = [
        "2024-05-01T10:00:00,codecarbon,run-aaaa,600.0,0.05,0,42.5,250,3.0,"
        "0.00708333,0.0416667,0.0005,0.0492500,France,FRA,,2.3.4,8,Xeon,1,1 x A100,8,machine,1",
        "2024-05-01T11:00:00,codecarbon,run-bbbb,1200.0,0.1,0,42.5,260,3.0,"
        "0.0141667,0.0866667,0.001,0.1018333,France,FRA,,2.3.4,8,Xeon,1,1 x A100,8,machine,1",
    ]
    path.write_text(HEADER + "\n".join(rows) + "\n")
    return path


@pytest.fixture
def cc_db(tmp_path: Path) -> str:
    db = str(tmp_path / "cc.db")
    assert main(["--db", db, "import", "codecarbon", str(emissions_csv(tmp_path / "e.csv"))]) == 0
    return db


def test_plain_codecarbon_file_is_reported_per_run(cc_db: str, tmp_path: Path, capsys) -> None:
    out = tmp_path / "r.html"
    assert main(["--db", cc_db, "report", "-o", str(out)]) == 0
    said = capsys.readouterr().out
    assert "report of 2 run(s) without per-query figures" in said
    page = out.read_text()
    assert 'id="per-run"' in page and "Runs without per-query figures" in page
    assert page.count('<tr><td class="model"') == 2  # one row per run
    assert "49.3 Wh" in page and "102 Wh" in page  # 0.04925 and 0.1018 kWh
    assert "10 min" in page and "20 min" in page  # durations
    assert "model estimate" in page  # CodeCarbon's CPU TDP and RAM models
    assert 'id="estimate-alert"' in page
    assert "No run has a query count" in page
    assert 'id="leaderboards"' not in page and 'id="chart-tasks"' not in page
    doc = json.loads(_report(cc_db, tmp_path, "json"))
    runs = doc["runs_without_per_query_figures"]
    assert [r["energy_wh"] for r in runs] == pytest.approx([49.25, 101.8333], rel=1e-4)
    assert runs[0]["emissions_g"] == pytest.approx(50.0, rel=1e-3)  # the file's own ratio
    assert runs[0]["producer"].startswith("codecarbon 2.3.4")
    assert "gpu" in " ".join(runs[0]["sources"])
    md = _report(cc_db, tmp_path, "md")
    assert "## Runs without per-query figures" in md
    assert "0 successful runs with per-query figures, 2 without" in md
    assert "| codecarbon | — | 49.3 Wh | 600 s | 50 | counter, ⚠ model estimate |" in md
    assert md.count("| codecarbon |") == 2 and "| run-bbbb |" in md


def _report(db: str, tmp_path: Path, fmt: str) -> str:
    out = tmp_path / f"r.{fmt}"
    assert main(["--db", db, "report", "--format", fmt, "-o", str(out)]) == 0
    return out.read_text()


def test_unwritable_output_folder_is_one_line(cc_db: str, tmp_path: Path, capsys,
                                              monkeypatch) -> None:  # fmt: skip
    folder = tmp_path / "locked"
    folder.mkdir()

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    # root writes anywhere, so the refusal is injected where the report creates its file
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    assert main(["--db", cc_db, "report", "-o", str(folder / "r.html")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("error: cannot write report ")
    assert "Permission denied" in err[0] and "Traceback" not in "\n".join(err)
    assert list(folder.iterdir()) == []  # nothing half-written


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write anywhere")
def test_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(UsageError, match="Permission denied"):
            write_report("x", folder / "r.html")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def test_output_that_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="it is a directory"):
        write_report("x", tmp_path)
