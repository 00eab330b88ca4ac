"""Import CodeCarbon CSV logs as run records (kind ``import``), with honest provenance.

Reads both CodeCarbon layouts, any version (the header says which):

- ``emissions.csv``: one row per tracker run (a run id seen on several rows keeps its
  longest, i.e. latest cumulative, row);
- task logs: a ``task_name`` column; the rows of one ``run_id`` are its phases
  (``load model`` -> ``load``, ``query model`` -> ``query``, ``transfer model to GPU``
  -> ``transfer``, anything else slugified).

Column sets: 1.x (total ``energy_consumed`` only, no version column), 2.x (adds
``cpu/gpu/ram_energy`` and ``_power``, ``codecarbon_version``, ``tracking_mode``), 3.x
(adds ``water_consumed``, utilisation columns, ``wue``). Missing optional columns are
``None``, never 0. Energies are kWh in the file and joules in the record.

Provenance per component (CodeCarbon's own method, read from its source):

- GPU: CodeCarbon >= 2 reads NVML's ``nvmlDeviceGetTotalEnergyConsumption`` counter
  at each interval and sums the deltas -> ``counter``; 1.x multiplied sampled power by
  the interval -> ``power-integration``. In ``machine`` mode it covers all GPUs.
- CPU: a power constant over the whole file with energy = power x duration is
  CodeCarbon's TDP fallback -> ``model`` ("CodeCarbon constant TDP 42.5 W"); a varying
  power is a RAPL / Power Gadget counter -> ``counter``.
- RAM: always CodeCarbon's per-GB model (0.375 W/GB in 2.x) -> ``model``.
- 1.x files have only a total -> one ``other`` component, ``model``.

The carbon context is the file's own ``emissions`` / ``energy_consumed`` ratio.
Parsing is pure (:func:`parse_file` -> records; :func:`read_paths` reads every file
before anything is written); :func:`write_records` writes through
:class:`~joulebench.store.Store` in batches of whole runs (one transaction per batch).
A run already stored keeps its measurement; with ``relabel`` its labels (task, model,
dataset, query count, study flags ...) are replaced by the new ones in the same
transaction, so a corrected index repairs earlier imports.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .. import units
from ..bench.records import KIND_IMPORT, STATUS_OK, RunRecord, make_record
from ..carbon.context import CarbonContext
from ..errors import DataError
from ..measure.results import ComponentEnergy, Measurement, PhaseResult
from .codecarbon_index import ImportIndex, RunLabels
from .codecarbon_provenance import Provenance, num

REQUIRED = ("timestamp", "duration", "emissions", "energy_consumed")
PHASE_NAMES = {"load model": "load", "query model": "query", "transfer model to GPU": "transfer"}
V3_MARKERS = ("water_consumed", "cpu_utilization_percent", "wue", "ram_used_gb")
_NAMESPACE = uuid.UUID("6f1d3c1e-6a3b-4c55-9d1c-0b6c2f5e8a71")
BATCH_RUNS = 1000


@dataclass(frozen=True)
class Labels:
    """Labels given on the command line; they override the index and the file."""

    task: str | None = None
    model: str | None = None
    dataset: str | None = None
    n_queries: int | None = None


def decode(raw: bytes, path: Path) -> tuple[str, list[str]]:
    """Text of a CSV file: UTF-8 (BOM or not), UTF-16 with a BOM, else latin-1 (warned)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), [f"{path}: decoded as UTF-16 (CodeCarbon writes UTF-8)"]
    if b"\x00" in raw[:200]:
        raise DataError(
            f"{path}: NUL bytes in the file: UTF-16 without a byte-order mark, or not a CSV",
            hint="re-save the file as UTF-8",
        )
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        return raw.decode("latin-1"), [
            f"{path}: not UTF-8 (byte {raw[exc.start]:#04x} at offset {exc.start}); "
            "decoded as latin-1"
        ]


def column_set(header: Sequence[str]) -> str:
    """``1.x``, ``2.x`` or ``3.x``: which CodeCarbon column set a header is."""
    cols = set(header)
    if any(m in cols for m in V3_MARKERS):
        return "3.x"
    if "cpu_energy" in cols or "codecarbon_version" in cols:
        return "2.x"
    return "1.x"


@dataclass
class _Run:
    run_id: str
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def _phase_name(task_name: str) -> str:
    name = PHASE_NAMES.get(task_name.strip())
    if name:
        return name
    return re.sub(r"[^a-z0-9]+", "-", task_name.strip().lower()).strip("-") or "task"


def _sum_components(groups: Iterable[tuple[ComponentEnergy, ...]]) -> tuple[ComponentEnergy, ...]:
    merged: dict[str, ComponentEnergy] = {}
    for comps in groups:
        for c in comps:
            prev = merged.get(c.source)
            if prev is None:
                merged[c.source] = c
            else:
                merged[c.source] = replace(
                    prev, energy_j=(prev.energy_j or 0.0) + (c.energy_j or 0.0)
                )
    return tuple(merged.values())


def _started_at(row: dict[str, str], duration_s: float, where: str) -> str:
    text = (row.get("timestamp") or "").strip()
    try:
        end = datetime.fromisoformat(text)
    except ValueError:
        raise DataError(f"{where}: timestamp {text!r} is not ISO 8601") from None
    return (end - timedelta(seconds=duration_s)).isoformat(timespec="milliseconds")


def _carbon(rows: list[dict[str, str]], where: str, version: str | None) -> CarbonContext | None:
    em = sum(num(r, "emissions", where, required=True) or 0.0 for r in rows)
    en = sum(num(r, "energy_consumed", where, required=True) or 0.0 for r in rows)
    if en <= 0:
        return None
    first = rows[0]
    provider = (first.get("cloud_provider") or "").strip()
    region = (
        f"{provider}:{(first.get('cloud_region') or '').strip()}"
        if provider
        else "/".join(
            x
            for x in (
                (first.get("country_iso_code") or "").strip(),
                (first.get("region") or "").strip(),
            )
            if x
        )
        or None
    )
    year = None
    m = re.match(r"(\d{4})-", first.get("timestamp") or "")
    if m:
        year = int(m.group(1))
    return CarbonContext(
        intensity_g_per_kwh=units.kg_to_g(em) / en,
        source=f"CodeCarbon {version or ''}".strip() + " log: emissions / energy_consumed",
        region=region,
        year=year,
    )


_ENV_COLUMNS = (
    "os",
    "python_version",
    "cpu_count",
    "cpu_model",
    "gpu_count",
    "gpu_model",
    "ram_total_size",
    "tracking_mode",
    "on_cloud",
    "cloud_provider",
    "cloud_region",
    "country_name",
    "country_iso_code",
    "region",
    "longitude",
    "latitude",
    "pue",
)


def _record(
    run: _Run,
    prov: Provenance,
    path: Path,
    task_format: bool,
    index: ImportIndex | None,
    labels: Labels,
) -> RunRecord:
    rows = [r for _, r in run.rows]
    phases: list[PhaseResult] = []
    all_comps = []
    total_s = 0.0
    by_name: dict[str, list[tuple[float, tuple[ComponentEnergy, ...]]]] = {}
    for line, row in run.rows:
        where = f"{path}:{line}"
        d = num(row, "duration", where, required=True)
        assert d is not None
        comps = prov.components(row, where)
        all_comps.append(comps)
        total_s += d
        if task_format:
            by_name.setdefault(_phase_name(row.get("task_name") or ""), []).append((d, comps))
    for name, entries in by_name.items():
        phases.append(
            PhaseResult(
                name=name,
                path=name,
                duration_s=sum(d for d, _ in entries),
                components=_sum_components(c for _, c in entries),
                count=len(entries),
            )
        )
    warnings = []
    for line, row in run.rows:
        where = f"{path}:{line}"
        total = num(row, "energy_consumed", where, required=True) or 0.0
        parts = [num(row, c, where) for c in ("cpu_energy", "gpu_energy", "ram_energy")]
        known = [p for p in parts if p is not None]
        if known and abs(sum(known) - total) > 0.01 * max(total, 1e-12):
            warnings.append(f"line {line}: cpu+gpu+ram differs from energy_consumed by >1%")
    first_line, first = run.rows[0]
    first_d = num(first, "duration", f"{path}:{first_line}", required=True) or 0.0
    measurement = Measurement(
        started_at=_started_at(first, first_d, f"{path}:{first_line}"),
        duration_s=total_s,
        components=_sum_components(all_comps),
        phases=tuple(phases),
        warnings=tuple(warnings),
    )
    version = prov.version
    lab = (index.runs.get(run.run_id) if index else None) or RunLabels(None, None, None)
    project = (first.get("project_name") or "").strip() or None
    model = labels.model or lab.model or (project if project != "codecarbon" else None)
    dataset = labels.dataset or lab.dataset
    extra: dict[str, Any] = {
        "source_file": path.name,
        "codecarbon": {
            "version": version,
            "columns": prov.cols,
            "layout": "task" if task_format else "emissions",
            "tracking_mode": prov.mode,
            "project_name": project,
        },
    }
    if lab.study is not None:
        extra["study"] = dict(lab.study)
    elif index is not None and index.runs:
        extra["study"] = {"indexed": False}
    if index is not None and model and dataset and (model, dataset) in index.quality:
        extra["quality"] = index.quality[(model, dataset)]
    if index is not None and model and dataset and "[" in dataset:
        plain = dataset.split(" [", 1)[0]
        if (model, plain) in index.quality:
            extra["quality"] = index.quality[(model, plain)]
    env = {c: first[c] for c in _ENV_COLUMNS if (first.get(c) or "").strip()}
    task = labels.task or lab.task
    return make_record(
        run_id=run.run_id,
        kind=KIND_IMPORT,
        status=STATUS_OK,
        started_at=measurement.started_at,
        measurement=measurement,
        task=task,
        model=model,
        dataset=dataset,
        suite=lab.suite,
        job_key="|".join(x or "" for x in (task, model, dataset)) if task else None,
        n_queries=labels.n_queries or lab.n_queries,
        parameters=index.parameters.get(model) if index is not None and model else None,
        config={"zero_shot": True} if lab.zero_shot else {},
        environment=env,
        carbon=_carbon(rows, str(path), version),
        producer=f"codecarbon {version}" if version else f"codecarbon {prov.cols}",
        extra=extra,
    )


def parse_text(
    text: str,
    path: Path,
    *,
    index: ImportIndex | None = None,
    labels: Labels | None = None,
    file_digest: str | None = None,
) -> list[RunRecord]:
    """Records from the text of one CodeCarbon CSV. Raises :class:`DataError` on a bad file."""
    labels = labels or Labels()
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        table = [r for r in reader if r]
    except csv.Error as exc:
        raise DataError(f"{path}: not a readable CSV: {exc}") from exc
    if not table:
        raise DataError(f"{path}: empty file")
    header = [h.strip() for h in table[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise DataError(
            f"{path}: not a CodeCarbon log: missing column(s) {', '.join(missing)}",
            hint="expected CodeCarbon's emissions.csv or a task log with task_name",
        )
    if len(table) < 2:
        raise DataError(f"{path}: header only, no rows")
    rows: list[tuple[int, dict[str, str]]] = []
    for i, values in enumerate(table[1:], start=2):
        if len(values) != len(header):
            raise DataError(
                f"{path}:{i}: {len(values)} fields, header has {len(header)} "
                "(rows from another CodeCarbon version appended?)"
            )
        rows.append((i, dict(zip(header, values, strict=True))))
    versions = sorted({(r.get("codecarbon_version") or "").strip() for _, r in rows} - {""})
    if len(versions) > 1:
        raise DataError(f"{path}: mixed CodeCarbon versions in one file: {', '.join(versions)}")
    version = versions[0] if versions else None
    cols = column_set(header)
    task_format = "task_name" in header
    runs: dict[str, _Run] = {}
    digest = file_digest or hashlib.sha256(text.encode("utf-8")).hexdigest()
    for line, row in rows:
        rid = (row.get("run_id") or "").strip()
        if not rid:
            rid = str(uuid.uuid5(_NAMESPACE, f"{digest}:{line if not task_format else 0}"))
        runs.setdefault(rid, _Run(rid)).rows.append((line, row))
    if not task_format:
        for run in runs.values():  # cumulative snapshots of one run: keep the longest
            if len(run.rows) > 1:
                run.rows = [max(run.rows, key=lambda lr: num(lr[1], "duration", str(path)) or 0.0)]
    records = []
    prov = Provenance([r for run in runs.values() for _, r in run.rows], version, cols, str(path))
    for run in runs.values():
        records.append(_record(run, prov, path, task_format, index, labels))
    return records


def parse_file(
    path: str | Path, *, index: ImportIndex | None = None, labels: Labels | None = None
) -> tuple[list[RunRecord], list[str]]:
    """Records and warning lines from one CodeCarbon CSV file (raises :class:`DataError`)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read {p}: {exc.strerror or exc}") from exc
    text, warnings = decode(raw, p)
    digest = hashlib.sha256(raw).hexdigest()
    return parse_text(text, p, index=index, labels=labels, file_digest=digest), warnings


@dataclass
class ImportReport:
    """What an import did. ``errors``: one line per file that imported nothing (fatal);
    ``warnings``: one line per thing that was imported anyway or skipped harmlessly."""

    files: int = 0
    runs_read: int = 0
    runs_new: int = 0
    runs_already_stored: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unindexed_runs: int = 0
    runs_relabelled: int = 0  # stored runs whose labels were replaced (relabel)
    runs_differing: int = 0  # stored runs whose labels differ, left as they are


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """Files to read (directories give their ``*.csv``), each once; warning lines.
    A missing path or a directory without CSV files raises :class:`DataError`."""
    out: list[Path] = []
    seen: set[Path] = set()
    problems = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(p.glob("*.csv"))
            if not found:
                inside = sorted(p.glob("*/*.csv"))
                raise DataError(
                    f"{p}: no *.csv files in this directory",
                    hint=(f"its subfolders hold {len(inside)}: give them, e.g. "
                          f"{inside[0].parent}" if inside else "give CodeCarbon's emissions.csv "
                          "or the folder that holds it"),
                )
        elif p.is_file():
            found = [p]
        else:
            raise DataError(f"{p}: no such file or directory")
        for f in found:
            key = f.resolve()
            if key in seen:
                problems.append(f"{f}: given twice; read once")
                continue
            seen.add(key)
            out.append(f)
    return out, problems


def read_paths(
    paths: Iterable[str | Path],
    *,
    index: ImportIndex | None = None,
    labels: Labels | None = None,
) -> tuple[list[RunRecord], ImportReport]:
    """Parse every file (nothing is written): the records, each run id once, and the
    report so far. A file that cannot be parsed is an error line and gives no records."""
    report = ImportReport()
    files, problems = expand_paths(paths)
    report.warnings.extend(problems)
    seen: dict[str, Path] = {}
    out: list[RunRecord] = []
    for f in files:
        report.files += 1
        try:
            records, warnings = parse_file(f, index=index, labels=labels)
        except DataError as exc:
            report.errors.append(str(exc) + (f" (hint: {exc.hint})" if exc.hint else ""))
            continue
        report.warnings.extend(warnings)
        for r in records:
            if r.run_id in seen:
                report.warnings.append(
                    f"{f}: run {r.run_id} already read from {seen[r.run_id]}; kept the first"
                )
                continue
            seen[r.run_id] = f
            if index is not None and index.runs and r.run_id not in index.runs:
                report.unindexed_runs += 1
            report.runs_read += 1
            out.append(r)
    return out, report


def write_records(
    store: Any,
    records: Sequence[RunRecord],
    report: ImportReport,
    *,
    relabel: bool = False,
    batch_runs: int = BATCH_RUNS,
) -> ImportReport:
    """Write ``records`` through ``store.merge_runs`` in batches of whole runs, one
    transaction each. Run ids already stored are not written again (idempotent); with
    ``relabel`` their labels are updated when they differ, else they are counted."""
    for start in range(0, len(records), batch_runs):
        batch = records[start : start + batch_runs]
        counts = store.merge_runs(batch, relabel=relabel)
        report.runs_new += counts.new
        report.runs_already_stored += len(batch) - counts.new
        report.runs_relabelled += counts.relabelled
        report.runs_differing += counts.differing
    return report


def import_paths(
    store: Any,
    paths: Iterable[str | Path],
    *,
    index: ImportIndex | None = None,
    labels: Labels | None = None,
    batch_runs: int = BATCH_RUNS,
    relabel: bool = False,
) -> ImportReport:
    """:func:`read_paths`, then :func:`write_records`: a file that cannot be parsed is a
    fatal problem line and writes nothing; the other files still import."""
    records, report = read_paths(paths, index=index, labels=labels)
    return write_records(store, records, report, relabel=relabel, batch_runs=batch_runs)
