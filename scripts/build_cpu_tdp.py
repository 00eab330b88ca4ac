"""Regenerate src/joulebench/measure/data/cpu_tdp.csv from CodeCarbon's CPU TDP table.

Source: CodeCarbon (MIT licence, Copyright (c) 2019 Mila, BCG Gamma, CometML, Haverford
College), file ``codecarbon/data/hardware/cpu_power.csv`` in the installed package
(https://github.com/mlco2/codecarbon). Run with the dev extra installed::

    .venv/bin/python scripts/build_cpu_tdp.py

Each name is reduced to the key that :func:`joulebench.measure.cpu_model.normalize_cpu_name`
computes at run time; when two rows reduce to the same key the larger TDP is kept (a
generous maximum is the safer error for a model band).
"""

from __future__ import annotations

import csv
import importlib.metadata
import sys
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from joulebench.measure.cpu_model import normalize_cpu_name  # noqa: E402

OUT = ROOT / "src" / "joulebench" / "measure" / "data" / "cpu_tdp.csv"


def main() -> int:
    version = importlib.metadata.version("codecarbon")
    source = resources.files("codecarbon") / "data" / "hardware" / "cpu_power.csv"
    table: dict[str, float] = {}
    with source.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = normalize_cpu_name(row["Name"])
            try:
                tdp_w = float(row["TDP"])
            except (TypeError, ValueError):
                continue
            if key and tdp_w > 0:
                table[key] = max(tdp_w, table.get(key, 0.0))
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        handle.write(f"# derived from codecarbon {version} data/hardware/cpu_power.csv (MIT); "
                     "regenerate with scripts/build_cpu_tdp.py\n")
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["key", "tdp_w"])
        for key in sorted(table):
            writer.writerow([key, f"{table[key]:g}"])
    print(f"wrote {len(table)} CPUs to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
