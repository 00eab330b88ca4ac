"""The SQLite schema of the results store (version 1).

::

    meta(key PK, value)                      schema_version, created_by
    environments(env_hash PK, content)       inventory snapshots, deduplicated by SHA-256
    runs(run_id PK, ... , env_hash -> environments)
                                             one row per RunRecord; JSON text columns for
                                             units, config, command, extra, m_warnings,
                                             m_extra; carbon_* for its CarbonContext;
                                             m_* for its Measurement (has_measurement=0
                                             when it is None); energy_j is the window's
                                             known total, kept for queries only
    phases(run_id, ord) PK                   pre-order index ``ord``; ``parent_ord`` -1 for
                                             a top-level phase; energy_j/net_energy_j are
                                             the phase's sums, kept for queries only
    components(run_id, ord) PK               ``phase_ord`` -1 and ``phase_path`` '' for the
                                             whole window; one row per ComponentEnergy

The ``extra`` JSON holds the record's typed parts (quality, throughput, flops, cohort,
placement) under the reserved key ``"_parts"``, versioned (``{"v": 1, ...}``, see
``codec.PARTS_VERSION``); a row without it was written by the previous codec and is
migrated on read; a row of an unknown version is refused.

Energies are joules, durations seconds, powers watts. ``NULL`` means unknown, never 0.
"""

from __future__ import annotations

SCHEMA_VERSION = 1

DDL = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE environments (
    env_hash TEXT PRIMARY KEY,
    content TEXT NOT NULL
);
CREATE TABLE runs (
    run_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at TEXT NOT NULL,
    task TEXT,
    model TEXT,
    dataset TEXT,
    suite TEXT,
    job_key TEXT,
    repetition INTEGER,
    n_queries INTEGER,
    parameters INTEGER,
    units TEXT NOT NULL,
    config TEXT NOT NULL,
    env_hash TEXT REFERENCES environments(env_hash),
    carbon_intensity_g_per_kwh REAL,
    carbon_source TEXT,
    carbon_region TEXT,
    carbon_year INTEGER,
    carbon_pue REAL,
    input_fingerprint TEXT,
    command TEXT,
    exit_code INTEGER,
    error TEXT,
    producer TEXT NOT NULL,
    extra TEXT NOT NULL,
    has_measurement INTEGER NOT NULL,
    m_started_at TEXT,
    m_duration_s REAL,
    m_warnings TEXT,
    m_idle_s REAL,
    m_meter_cpu_s REAL,
    m_extra TEXT,
    energy_j REAL
);
CREATE TABLE phases (
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    ord INTEGER NOT NULL,
    parent_ord INTEGER NOT NULL,
    name TEXT NOT NULL,
    path TEXT NOT NULL,
    duration_s REAL NOT NULL,
    count INTEGER NOT NULL,
    energy_j REAL,
    net_energy_j REAL,
    PRIMARY KEY (run_id, ord)
) WITHOUT ROWID;
CREATE TABLE components (
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    ord INTEGER NOT NULL,
    phase_ord INTEGER NOT NULL,
    phase_path TEXT NOT NULL,
    source TEXT NOT NULL,
    domain TEXT NOT NULL,
    device TEXT NOT NULL,
    method TEXT NOT NULL,
    covers TEXT NOT NULL,
    energy_j REAL,
    low_j REAL,
    high_j REAL,
    idle_power_w REAL,
    net_energy_j REAL,
    gap TEXT,
    details TEXT NOT NULL,
    PRIMARY KEY (run_id, ord)
) WITHOUT ROWID;
CREATE INDEX runs_task_model_dataset ON runs(task, model, dataset);
CREATE INDEX runs_job_key ON runs(job_key);
CREATE INDEX runs_status ON runs(status);
CREATE INDEX runs_started_at ON runs(started_at);
"""

RUN_COLUMNS = (
    "run_id",
    "kind",
    "status",
    "started_at",
    "task",
    "model",
    "dataset",
    "suite",
    "job_key",
    "repetition",
    "n_queries",
    "parameters",
    "units",
    "config",
    "env_hash",
    "carbon_intensity_g_per_kwh",
    "carbon_source",
    "carbon_region",
    "carbon_year",
    "carbon_pue",
    "input_fingerprint",
    "command",
    "exit_code",
    "error",
    "producer",
    "extra",
    "has_measurement",
    "m_started_at",
    "m_duration_s",
    "m_warnings",
    "m_idle_s",
    "m_meter_cpu_s",
    "m_extra",
    "energy_j",
)
PHASE_COLUMNS = (
    "run_id",
    "ord",
    "parent_ord",
    "name",
    "path",
    "duration_s",
    "count",
    "energy_j",
    "net_energy_j",
)
COMPONENT_COLUMNS = (
    "run_id",
    "ord",
    "phase_ord",
    "phase_path",
    "source",
    "domain",
    "device",
    "method",
    "covers",
    "energy_j",
    "low_j",
    "high_j",
    "idle_power_w",
    "net_energy_j",
    "gap",
    "details",
)


def insert_sql(table: str, columns: tuple[str, ...], *, or_ignore: bool = False) -> str:
    verb = "INSERT OR IGNORE" if or_ignore else "INSERT"
    marks = ", ".join("?" for _ in columns)
    return f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({marks})"
