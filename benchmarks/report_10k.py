"""Time ``joulebench report`` (HTML) end to end on a store of 10,000 synthetic runs.

    .venv/bin/python benchmarks/report_10k.py [--runs 10000] [--repeat 3] [--keep DIR]

Builds a temporary store with ``Store.write_runs`` (ten tasks, task-specific and
multi-purpose models, about 740 (task, model, dataset) cells), then runs the real command
in a fresh interpreter (``joulebench --db ... report``) and prints the
wall-clock time of each repetition and the best. Target: <= 5 s. Exit status 1 above it.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "report"))

from report_factories import corpus  # noqa: E402

from joulebench.store import Store  # noqa: E402

TARGET_S = 5.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", metavar="DIR", help="keep the store and report in DIR")
    args = ap.parse_args(argv)
    work = Path(args.keep or tempfile.mkdtemp(prefix="joulebench-report-10k-"))
    work.mkdir(parents=True, exist_ok=True)
    db, out = work / "runs.db", work / "report.html"
    db.unlink(missing_ok=True)
    t0 = time.perf_counter()
    records = corpus(args.runs, models_per_task=8, datasets_per_task=8)
    with Store.open(db) as store:
        store.write_runs(records)
        n = store.count_runs()
    print(f"store: {n:,} runs in {db} (built in {time.perf_counter() - t0:.1f} s)")
    script = Path(sys.executable).parent / "joulebench"
    launcher = (
        [str(script)]
        if script.exists()
        else [sys.executable, "-c", "from joulebench.cli.main import entry; entry()"]
    )
    cmd = [*launcher, "--db", str(db), "report", "-o", str(out)]
    times, cpu = [], []
    for _ in range(args.repeat):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    best = min(times)
    print("wall: " + ", ".join(f"{s:.2f} s" for s in times))
    print(
        "cpu:  "
        + ", ".join(f"{s:.2f} s" for s in cpu)
        + f" (load average {os.getloadavg()[0]:.1f})"
    )
    print(
        f"joulebench report (html) on {n:,} runs: {best:.2f} s best of {args.repeat} "
        f"(target <= {TARGET_S:.0f} s); report {out.stat().st_size / 1e6:.1f} MB"
    )
    return 0 if best <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
