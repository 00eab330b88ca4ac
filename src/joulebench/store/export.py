"""Exports of stored runs: flat CSV, Parquet, and CodeCarbon's ``emissions.csv``.

- ``csv``/``parquet``: one row per run; the window's energy per domain with its methods
  and sources, carbon context and provenance. Unknown figures are empty, never 0.
  Per-domain figures sum the known components, like ``Measurement.energy_j``; the
  ``gaps`` column names components without a figure.
- ``codecarbon``: CodeCarbon 3.x ``emissions.csv`` columns (a superset of 2.x's), so its
  tools read our runs. Energies in kWh, emissions in kg CO2eq, powers in W (window
  averages), duration in s (the whole measured window).

Files are written to a temporary file next to the target and renamed into place.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from .. import units
from ..bench.records import RunRecord
from ..carbon import grid
from ..errors import UsageError
from ..measure.results import ComponentEnergy, Measurement
from ..measure.sensor import Domain

FORMATS = ("csv", "parquet", "codecarbon", "jsonl")

# codecarbon 3.x ``EmissionsData`` fields, in order (tests check them against codecarbon).
CODECARBON_COLUMNS = (
    "timestamp", "project_name", "run_id", "experiment_id", "duration", "emissions",
    "emissions_rate", "cpu_power", "gpu_power", "ram_power", "cpu_energy", "gpu_energy",
    "ram_energy", "energy_consumed", "water_consumed", "country_name", "country_iso_code",
    "region", "cloud_provider", "cloud_region", "os", "python_version", "codecarbon_version",
    "cpu_count", "cpu_model", "gpu_count", "gpu_model", "longitude", "latitude",
    "ram_total_size", "tracking_mode", "cpu_utilization_percent", "gpu_utilization_percent",
    "ram_utilization_percent", "ram_used_gb", "on_cloud", "pue", "wue",
)  # fmt: skip

_CODECARBON_PART = {
    Domain.CPU_PACKAGE: "cpu",
    Domain.CPU_CORE: "cpu",
    Domain.CPU_UNCORE: "cpu",
    Domain.PSYS: "cpu",
    Domain.GPU: "gpu",
    Domain.DRAM: "ram",
}

Row = dict[str, Any]


def _sum_known(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _domain_value(c: ComponentEnergy) -> str:
    return str(getattr(c.domain, "value", c.domain))


def _emissions_g(record: RunRecord, energy_j: float | None) -> float | None:
    if energy_j is None or record.carbon is None:
        return None
    c = record.carbon
    return units.emissions_g(energy_j, c.intensity_g_per_kwh, c.pue)


def flat_row(record: RunRecord) -> Row:
    m = record.measurement
    comps = m.components if m is not None else ()
    energy_j = m.energy_j if m is not None else None
    query = m.phase("query") if m is not None else None
    c = record.carbon
    row: Row = {
        "run_id": record.run_id,
        "kind": record.kind,
        "status": record.status,
        "started_at": record.started_at,
        "task": record.task,
        "model": record.model,
        "dataset": record.dataset,
        "suite": record.suite,
        "job_key": record.job_key,
        "repetition": record.repetition,
        "n_queries": record.n_queries,
        "parameters": record.parameters,
        "producer": record.producer,
        "duration_s": m.duration_s if m is not None else None,
        "energy_j": energy_j,
        "net_energy_j": m.net_energy_j if m is not None else None,
        "query_duration_s": query.duration_s if query is not None else None,
        "query_energy_j": query.energy_j if query is not None else None,
        "methods": "+".join(str(getattr(x, "value", x)) for x in m.methods) if m else None,
        "carbon_intensity_g_per_kwh": c.intensity_g_per_kwh if c is not None else None,
        "carbon_pue": c.pue if c is not None else None,
        "carbon_region": c.region if c is not None else None,
        "carbon_year": c.year if c is not None else None,
        "carbon_source": c.source if c is not None else None,
        "emissions_g": _emissions_g(record, energy_j),
        "gaps": "; ".join(
            f"{x.source}: {x.gap or 'no figure'}" for x in comps if x.energy_j is None
        )
        or None,
        "warnings": " | ".join(m.warnings) if m is not None and m.warnings else None,
        "exit_code": record.exit_code,
        "error": record.error,
        "input_fingerprint": record.input_fingerprint,
        "command": " ".join(record.command) if record.command is not None else None,
    }
    for key, value in record.units.items():
        row[f"units_{key}"] = value
    for domain in dict.fromkeys(_domain_value(x) for x in comps):
        same = [x for x in comps if _domain_value(x) == domain]
        row[f"{domain}_energy_j"] = _sum_known(x.energy_j for x in same)
        row[f"{domain}_net_energy_j"] = _sum_known(x.net_energy_j for x in same)
        row[f"{domain}_method"] = "+".join(
            dict.fromkeys(str(getattr(x.method, "value", x.method)) for x in same)
        )
        row[f"{domain}_source"] = "+".join(x.source for x in same)
    return row


def flat_rows(records: Sequence[RunRecord]) -> tuple[list[str], list[Row]]:
    """Rows for ``csv``/``parquet`` and their columns (fixed first, then the union)."""
    rows = [flat_row(r) for r in records]
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    ordered = list(columns)
    return ordered, [{k: row.get(k) for k in ordered} for row in rows]


def _pick(env: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        node: Any = env
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None and not isinstance(node, dict | list):
            return node
    return None


def _kwh(value: float | None) -> float | None:
    return None if value is None else units.j_to_kwh(value)


def codecarbon_row(record: RunRecord) -> Row:
    m: Measurement | None = record.measurement
    comps = m.components if m is not None else ()
    duration = m.duration_s if m is not None else None
    parts: dict[str, float | None] = {}
    for part in ("cpu", "gpu", "ram"):
        parts[part] = _sum_known(
            x.energy_j
            for x in comps
            if _CODECARBON_PART.get(x.domain) == part
        )
    energy_j = m.energy_j if m is not None else None
    emissions_g = _emissions_g(record, energy_j)
    emissions_kg = None if emissions_g is None else units.g_to_kg(emissions_g)
    c = record.carbon
    region = c.region if c is not None else None
    provider, cloud_region = region.split(":", 1) if region and ":" in region else ("", "")
    country_iso = region if region and ":" not in region else None
    country_name = None
    if country_iso:
        entry = grid.dataset().countries.get(country_iso)
        country_name = entry.name if entry is not None else None
    env = record.environment
    producer = record.producer.split(" ", 1)
    row: Row = dict.fromkeys(CODECARBON_COLUMNS)

    def power(part: str) -> float | None:
        e = parts[part]
        return None if e is None or not duration else e / duration

    row.update(
        timestamp=record.started_at,
        project_name=record.model
        or record.task
        or (" ".join(record.command) if record.command else "joulebench"),
        run_id=record.run_id,
        experiment_id=record.job_key,
        duration=duration,
        emissions=emissions_kg,
        emissions_rate=None if emissions_kg is None or not duration else emissions_kg / duration,
        cpu_power=power("cpu"),
        gpu_power=power("gpu"),
        ram_power=power("ram"),
        cpu_energy=_kwh(parts["cpu"]),
        gpu_energy=_kwh(parts["gpu"]),
        ram_energy=_kwh(parts["ram"]),
        energy_consumed=_kwh(energy_j),
        country_name=country_name,
        country_iso_code=country_iso,
        cloud_provider=provider or None,
        cloud_region=cloud_region or None,
        os=_pick(env, "os", "platform", "system.os"),
        python_version=_pick(env, "python_version", "python", "system.python"),
        codecarbon_version=producer[1]
        if producer[0] == "codecarbon" and len(producer) > 1
        else None,
        cpu_count=_pick(env, "cpu_count", "cpu.count", "cpu.logical_cores"),
        cpu_model=_pick(env, "cpu_model", "cpu.model", "cpu.name"),
        gpu_count=_pick(env, "gpu_count", "gpu.count"),
        gpu_model=_pick(env, "gpu_model", "gpu.model", "gpu.name"),
        ram_total_size=_pick(env, "ram_total_gb", "ram_total_size", "memory.total_gb"),
        on_cloud="Y" if provider else "N",
        pue=c.pue if c is not None else None,
    )
    return row


def codecarbon_rows(records: Sequence[RunRecord]) -> tuple[list[str], list[Row]]:
    return list(CODECARBON_COLUMNS), [codecarbon_row(r) for r in records]


def write_csv(columns: Sequence[str], rows: Iterable[Row], out: IO[str]) -> None:
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})


def write_parquet(columns: Sequence[str], rows: Sequence[Row], path: str) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise UsageError(
            "Parquet export needs pyarrow, which is not installed",
            hint="pip install 'joulebench[parquet]'",
        ) from exc
    table = pa.Table.from_pylist([{k: row.get(k) for k in columns} for row in rows])
    pq.write_table(table, path)


def atomic_write(path: str, write: Callable[[str], None]) -> None:
    """Call ``write(tmp_path)`` then rename the temporary file onto ``path``."""
    target = Path(path)
    if not target.parent.is_dir():
        raise UsageError(f"cannot write {path!r}: directory {str(target.parent)!r} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise UsageError(f"cannot write {path!r}: {exc.strerror}") from exc
    try:
        write(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        raise UsageError(f"cannot write {path!r}: {exc.strerror or exc}") from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def output_lines(records: Sequence[RunRecord]) -> list[str]:
    """``jsonl``: one JSON object per query of every run that kept its outputs."""
    import json

    lines = []
    for r in records:
        for item in r.extra.get("outputs") or ():
            lines.append(json.dumps({
                "run_id": r.run_id, "task": r.task, "model": r.model, "dataset": r.dataset,
                "repetition": r.repetition, **item,
            }, sort_keys=True, ensure_ascii=False))  # fmt: skip
    if not lines:
        raise UsageError(
            "none of these runs kept its per-query outputs",
            hint="run with `joulebench run --keep-outputs` first",
        )
    return lines


def export(records: Sequence[RunRecord], fmt: str, output: str | None, stdout: IO[str]) -> None:
    """Write ``records`` as ``fmt`` to ``output`` (atomically) or to ``stdout``."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "jsonl":
        text = "".join(line + "\n" for line in output_lines(records))
        if output is None:
            stdout.write(text)
            return

        def write_text(tmp: str) -> None:
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text)

        atomic_write(output, write_text)
        return
    columns, rows = codecarbon_rows(records) if fmt == "codecarbon" else flat_rows(records)
    if fmt == "parquet":
        if output is None:
            raise UsageError("Parquet export needs --output PATH (it is not written to stdout)")
        atomic_write(output, lambda tmp: write_parquet(columns, rows, tmp))
        return
    if output is None:
        write_csv(columns, rows, stdout)
        return

    def write_file(tmp: str) -> None:
        with open(tmp, "w", newline="", encoding="utf-8") as f:
            write_csv(columns, rows, f)

    atomic_write(output, write_file)
