"""What a user sees: output fits the terminal and no other library prints into it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # builds a real DistilBERT architecture (random weights)

FOREIGN = re.compile(r"site-packages|Warning:|warnings.warn|\d+%\|| it/s|s/it|Loading weights")


def test_run_fits_100_columns_and_prints_nothing_foreign(tmp_path: Path) -> None:
    env = {**os.environ, "COLUMNS": "100", "JOULEBENCH_DB": str(tmp_path / "runs.db")}
    env.pop("TRANSFORMERS_VERBOSITY", None)
    cmd = [
        sys.executable, "-m", "joulebench", "run",
        "--task", "text-classification",
        "--model", "random:distilbert-base-uncased-finetuned-sst-2-english",
        "--dataset", "offline:text", "-n", "4", "-r", "2", "--idle-s", "0.5",
    ]  # fmt: skip
    done = subprocess.run(
        cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr
    lines = (done.stdout + done.stderr).splitlines()
    too_long = [line for line in lines if len(line) > 100]
    assert not too_long, too_long
    foreign = [line for line in lines if FOREIGN.search(line)]
    assert not foreign, foreign
    assert any("text-classification" in line for line in lines)
    assert any(line.startswith("idle power") for line in lines)
