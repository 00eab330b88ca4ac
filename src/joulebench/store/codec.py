"""RunRecord <-> table rows. Pure functions; no SQLite here.

JSON columns hold dicts, lists and scalars; a tuple stored inside ``config``/``extra``
comes back as a list (JSON has no tuple). Everything else round-trips exactly:
floats are stored as IEEE doubles, ``None`` as ``NULL``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..bench.record_parts import PART_TYPES, parts_from_extra
from ..bench.records import RunRecord
from ..carbon.context import CarbonContext
from ..errors import SchemaVersionError, StoreError
from ..measure.host_load import HostLoad
from ..measure.results import ComponentEnergy, Measurement, PhaseResult
from ..measure.sensor import Domain, Method

Row = tuple[Any, ...]


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=True)


def env_hash(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


@dataclass
class EncodedRun:
    run: Row
    env: tuple[str, str]  # (env_hash, content)
    phases: list[Row] = field(default_factory=list)
    components: list[Row] = field(default_factory=list)


def encode(record: RunRecord) -> EncodedRun:
    env_content = dumps(record.environment)
    h = env_hash(env_content)
    m = record.measurement
    c = record.carbon
    run: Row = (
        record.run_id,
        record.kind,
        record.status,
        record.started_at,
        record.task,
        record.model,
        record.dataset,
        record.suite,
        record.job_key,
        record.repetition,
        record.n_queries,
        record.parameters,
        dumps(record.units),
        dumps(record.config),
        h,
        None if c is None else c.intensity_g_per_kwh,
        None if c is None else c.source,
        None if c is None else c.region,
        None if c is None else c.year,
        None if c is None else c.pue,
        record.input_fingerprint,
        None if record.command is None else dumps(list(record.command)),
        record.exit_code,
        record.error,
        record.producer,
        dumps(_record_extra(record)),
        0 if m is None else 1,
        None if m is None else m.started_at,
        None if m is None else m.duration_s,
        None if m is None else dumps(list(m.warnings)),
        None if m is None else m.idle_s,
        None if m is None else m.meter_cpu_s,
        None if m is None else dumps(_measurement_extra(m)),
        None if m is None else m.energy_j,
    )
    out = EncodedRun(run=run, env=(h, env_content))
    if m is not None:
        _encode_components(out, record.run_id, -1, "", m.components)
        _encode_phases(out, record.run_id, -1, m.phases)
    return out


# The record's typed parts (bench.record_parts), kept in its ``extra`` JSON column under
# one reserved, versioned key that every row written by this codec carries (no schema
# change). A row without the key was written by the previous codec: its parts are loose
# ``extra`` keys, mapped onto the typed fields on read, exactly (``parts_from_extra``).
# A row of a codec version this joulebench does not know is refused, never misread.
PARTS_KEY = "_parts"
PARTS_VERSION = 1


def _record_extra(record: RunRecord) -> dict[str, Any]:
    if PARTS_KEY in record.extra:
        raise ValueError(f"extra key {PARTS_KEY!r} is reserved for the store's codec")
    parts = {n: p.to_dict() for n in PART_TYPES if (p := getattr(record, n)) is not None}
    return {**record.extra, PARTS_KEY: {"v": PARTS_VERSION, **parts}}


def _decode_extra(run_id: str, raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(extra, typed parts by name) from a stored ``extra`` column."""
    if PARTS_KEY not in raw:  # the previous codec: migrate its loose keys
        parts, rest = parts_from_extra(raw)
        return rest, parts
    extra = dict(raw)
    stored = extra.pop(PARTS_KEY)
    version = stored.get("v") if isinstance(stored, dict) else None
    if version != PARTS_VERSION or not isinstance(stored, dict):
        raise SchemaVersionError(
            f"run {run_id} was stored with record codec version {version}; this joulebench "
            f"reads version {PARTS_VERSION} (the store was left untouched)",
            hint="use the joulebench version that wrote it, or another --db",
        )
    unknown = sorted(set(stored) - {"v", *PART_TYPES})
    if unknown:
        raise StoreError(
            f"run {run_id} has record parts this joulebench does not know: "
            f"{', '.join(unknown)} (the store was left untouched)",
            hint="use the joulebench version that wrote it, or another --db",
        )
    parts = {n: PART_TYPES[n].from_dict(v) for n, v in stored.items() if n != "v"}
    return extra, parts


# Typed Measurement fields kept in the measurement's JSON column (no schema change):
_SCOPE, _LOAD, _IDLE_LOAD = "scope", "host_load", "idle_host_load"


def _measurement_extra(m: Measurement) -> dict[str, Any]:
    out: dict[str, Any] = dict(m.extra)
    out[_SCOPE] = m.scope
    if m.host_load is not None:
        out[_LOAD] = m.host_load.to_dict()
    if m.idle_host_load is not None:
        out[_IDLE_LOAD] = m.idle_host_load.to_dict()
    return out


def _decode_measurement_extra(raw: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(extra, typed fields) from the stored JSON; old rows have no typed fields."""
    extra: dict[str, Any] = dict(raw or {})
    typed: dict[str, Any] = {"scope": extra.pop(_SCOPE, "machine")}
    for key in (_LOAD, _IDLE_LOAD):
        value = extra.pop(key, None)
        typed[key] = HostLoad.from_dict(value) if isinstance(value, dict) else None
    return extra, typed


def _encode_phases(
    out: EncodedRun, run_id: str, parent: int, phases: Sequence[PhaseResult]
) -> None:
    for p in phases:
        ord_ = len(out.phases)
        out.phases.append(
            (
                run_id,
                ord_,
                parent,
                p.name,
                p.path,
                p.duration_s,
                p.count,
                p.energy_j,
                p.net_energy_j,
            )
        )
        _encode_components(out, run_id, ord_, p.path, p.components)
        _encode_phases(out, run_id, ord_, p.children)


def _encode_components(
    out: EncodedRun,
    run_id: str,
    phase_ord: int,
    phase_path: str,
    components: Iterable[ComponentEnergy],
) -> None:
    for ce in components:
        out.components.append(
            (
                run_id,
                len(out.components),
                phase_ord,
                phase_path,
                ce.source,
                _value(ce.domain),
                ce.device,
                _value(ce.method),
                ce.covers,
                ce.energy_j,
                ce.low_j,
                ce.high_j,
                ce.idle_power_w,
                ce.net_energy_j,
                ce.gap,
                ce.details,
            )
        )


def _value(v: Any) -> str:
    return str(getattr(v, "value", v))


_DOMAINS: dict[str, Any] = {d.value: d for d in Domain}
_METHODS: dict[str, Any] = {m.value: m for m in Method}


def loads(text: str) -> Any:
    """``json.loads`` with a fast path for the common empty containers."""
    if text == "{}":
        return {}
    if text == "[]":
        return []
    return json.loads(text)


def decode_component(row: Sequence[Any]) -> ComponentEnergy:
    """``row`` holds COMPONENT_COLUMNS from ``source`` on (index 4 onwards)."""
    (source, domain, device, method, covers, energy_j, low_j, high_j, idle_w, net_j, gap, det) = row
    # Positional for speed (10k runs); unknown enum text (a newer writer) is kept as text.
    return ComponentEnergy(
        source,
        _DOMAINS.get(domain, domain),
        device,
        _METHODS.get(method, method),
        covers,
        energy_j,
        low_j,
        high_j,
        idle_w,
        net_j,
        gap,
        det,
    )


def build_phases(
    phase_rows: Sequence[Sequence[Any]],
    components_by_phase: dict[int, list[ComponentEnergy]],
) -> tuple[PhaseResult, ...]:
    """Rebuild the phase tree from rows (ord, parent_ord, name, path, duration_s, count)."""
    children: dict[int, list[int]] = {}
    by_ord: dict[int, Sequence[Any]] = {}
    for row in phase_rows:
        by_ord[row[0]] = row
        children.setdefault(row[1], []).append(row[0])

    def make(ord_: int) -> PhaseResult:
        _, _, name, path, duration_s, count = by_ord[ord_]
        return PhaseResult(
            name=name,
            path=path,
            duration_s=duration_s,
            components=tuple(components_by_phase.get(ord_, ())),
            children=tuple(make(k) for k in sorted(children.get(ord_, ()))),
            count=count,
        )

    return tuple(make(k) for k in sorted(children.get(-1, ())))


def decode_run(
    row: Sequence[Any],
    environment: dict[str, Any],
    phase_rows: Sequence[Sequence[Any]],
    components_by_phase: dict[int, list[ComponentEnergy]],
) -> RunRecord:
    """``row`` holds RUN_COLUMNS in order (env_hash is ignored: ``environment`` is given)."""
    (
        run_id,
        kind,
        status,
        started_at,
        task,
        model,
        dataset,
        suite,
        job_key,
        repetition,
        n_queries,
        parameters,
        units,
        config,
        _env_hash,
        c_intensity,
        c_source,
        c_region,
        c_year,
        c_pue,
        input_fingerprint,
        command,
        exit_code,
        error,
        producer,
        extra,
        has_measurement,
        m_started_at,
        m_duration_s,
        m_warnings,
        m_idle_s,
        m_meter_cpu_s,
        m_extra,
        _energy_j,
    ) = row
    measurement = None
    if has_measurement:
        m_extra_plain, m_typed = _decode_measurement_extra(loads(m_extra))
        measurement = Measurement(
            started_at=m_started_at,
            duration_s=m_duration_s,
            components=tuple(components_by_phase.get(-1, ())),
            phases=build_phases(phase_rows, components_by_phase),
            warnings=tuple(loads(m_warnings)),
            idle_s=m_idle_s,
            meter_cpu_s=m_meter_cpu_s,
            extra=m_extra_plain,
            **m_typed,
        )
    carbon = None
    if c_intensity is not None:
        carbon = CarbonContext(
            intensity_g_per_kwh=c_intensity,
            source=c_source,
            region=c_region,
            year=c_year,
            pue=c_pue,
        )
    plain_extra, parts = _decode_extra(run_id, loads(extra))
    return RunRecord(
        run_id=run_id,
        kind=kind,
        status=status,
        started_at=started_at,
        measurement=measurement,
        task=task,
        model=model,
        dataset=dataset,
        suite=suite,
        job_key=job_key,
        repetition=repetition,
        n_queries=n_queries,
        parameters=parameters,
        units=loads(units),
        config=loads(config),
        environment=environment,
        carbon=carbon,
        input_fingerprint=input_fingerprint,
        command=None if command is None else tuple(loads(command)),
        exit_code=exit_code,
        error=error,
        producer=producer,
        extra=plain_extra,
        **parts,
    )
