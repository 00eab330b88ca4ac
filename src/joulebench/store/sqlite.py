"""The results store: one SQLite file (WAL), versioned, loud, transactional.

- ``Store.open(path)`` creates the file when missing (``create=False`` refuses instead);
  it never creates directories. A file that is not SQLite, not a joulebench store, or
  of another schema version is refused before anything is written to it.
- ``write_run``/``write_runs`` are idempotent by ``run_id``: a run already stored is
  left as it is (``INSERT OR IGNORE`` semantics) and reported as not written, so
  importers can re-import the same file safely. A batch is one transaction: on any
  failure nothing of it stays.
- ``merge_runs(records, relabel=True)`` also updates the labels (task, model, dataset,
  suite, job key, query count, parameters, config, extra) of runs already stored, in
  the same transaction; measurements are never rewritten (re-importing with a corrected
  index).
- ``runs(...)`` reads any number of runs with three queries (runs, phases, components).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from ..bench.records import STATUS_OK, RunRecord
from ..errors import SchemaVersionError, StoreError
from ..measure.results import ComponentEnergy
from . import codec
from .schema import (
    COMPONENT_COLUMNS,
    DDL,
    PHASE_COLUMNS,
    RUN_COLUMNS,
    SCHEMA_VERSION,
    insert_sql,
)

_HINT_DB = "pass another path with --db or set JOULEBENCH_DB"
_CHUNK = 500  # SQLite host parameters per IN (...) lookup
# What a re-import may change of a stored run: its labels, never its measurement.
LABEL_COLUMNS = ("task", "model", "dataset", "suite", "job_key", "n_queries", "parameters",
                 "config", "extra")
_LABEL_AT = [RUN_COLUMNS.index(c) for c in LABEL_COLUMNS]


@dataclass(frozen=True)
class MergeCounts:
    """What :meth:`Store.merge_runs` did: runs written, stored runs relabelled, and stored
    runs whose labels differ from the given ones but were left as they are."""

    new: int
    relabelled: int = 0
    differing: int = 0


class Store:
    """An open results store. Use ``Store.open(path)``, ideally as a context manager."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self._conn = conn
        self.path = path

    # -- opening ---------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, create: bool = True) -> Store:
        path_str = os.fspath(path)
        existed = path_str == ":memory:" or _check_path(Path(path_str), create=create)
        try:
            conn = sqlite3.connect(path_str, timeout=30.0, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open results store {path_str!r}: {exc}") from exc
        store = cls(conn, path_str)
        try:
            store._prepare(create=create)
        except BaseException:
            conn.close()
            if not existed:
                for suffix in ("", "-wal", "-shm", "-journal"):
                    Path(path_str + suffix).unlink(missing_ok=True)
            raise
        return store

    def _prepare(self, *, create: bool) -> None:
        tables = self._tables()
        if not tables:
            if not create:
                raise StoreError(f"{self.path!r} is an empty file, not a results store")
            with self._transaction():
                if not self._tables():  # another process may have just created it
                    for statement in DDL.split(";"):
                        if statement.strip():
                            self._conn.execute(statement)
                    self._conn.executemany(
                        "INSERT INTO meta (key, value) VALUES (?, ?)",
                        [("schema_version", str(SCHEMA_VERSION)), ("created_by", "joulebench")],
                    )
        self._check_version(self._tables())
        try:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot set up results store {self.path!r}: {exc}") from exc

    def _tables(self) -> set[str]:
        try:
            rows = self._conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            return {r[0] for r in rows}
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{self.path!r} is not a joulebench results store (not SQLite: {exc})",
                hint=_HINT_DB,
            ) from exc

    def _check_version(self, tables: set[str]) -> None:
        if "meta" not in tables:
            raise StoreError(
                f"{self.path!r} is an SQLite file but not a joulebench results store",
                hint=_HINT_DB,
            )
        row = self._conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        found = None if row is None else str(row[0])
        if found != str(SCHEMA_VERSION):
            raise SchemaVersionError(
                f"results store {self.path!r} has schema version {found}; this joulebench "
                f"reads version {SCHEMA_VERSION} (the store was left untouched)",
                hint="use the joulebench version that wrote it, or another --db",
            )

    # -- context manager -------------------------------------------------------------

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write results store {self.path!r}: {exc}") from exc
        try:
            yield self._conn
            self._conn.execute("COMMIT")
        except BaseException as exc:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StoreError(
                    f"cannot write results store {self.path!r}: {exc} (nothing was written)"
                ) from exc
            raise

    # -- writing ---------------------------------------------------------------------

    def write_run(self, record: RunRecord) -> bool:
        """Store one run; ``False`` (and nothing changed) if its ``run_id`` is stored."""
        return self.write_runs([record]) == 1

    def write_runs(self, records: Iterable[RunRecord]) -> int:
        """Store runs in one transaction; returns how many were new (others are skipped)."""
        return self.merge_runs(records).new

    def merge_runs(self, records: Iterable[RunRecord], *, relabel: bool = False) -> MergeCounts:
        """Store new runs and compare the labels of those already stored, in one
        transaction; with ``relabel`` update the stored runs whose labels differ."""
        encoded: list[codec.EncodedRun] = []
        for record in records:
            try:
                encoded.append(codec.encode(record))
            except (TypeError, ValueError) as exc:
                raise StoreError(
                    f"cannot store run {record.run_id}: {exc} (nothing was written)"
                ) from exc
        if not encoded:
            return MergeCounts(0)
        with self._transaction() as conn:
            stored = self._stored_labels([e.run[0] for e in encoded])
            seen = set(stored)
            new: list[codec.EncodedRun] = []
            differing: dict[str, tuple[Any, ...]] = {}
            for e in encoded:
                run_id = e.run[0]
                if run_id not in seen:
                    seen.add(run_id)
                    new.append(e)
                elif run_id in stored:
                    labels = tuple(e.run[i] for i in _LABEL_AT)
                    if labels != stored[run_id]:
                        differing[run_id] = labels
            conn.executemany(
                "INSERT OR IGNORE INTO environments (env_hash, content) VALUES (?, ?)",
                [e.env for e in new],
            )
            conn.executemany(insert_sql("runs", RUN_COLUMNS), [e.run for e in new])
            conn.executemany(
                insert_sql("phases", PHASE_COLUMNS), [p for e in new for p in e.phases]
            )
            conn.executemany(
                insert_sql("components", COMPONENT_COLUMNS),
                [c for e in new for c in e.components],
            )
            if relabel and differing:
                sets = ", ".join(f"{c} = ?" for c in LABEL_COLUMNS)
                conn.executemany(f"UPDATE runs SET {sets} WHERE run_id = ?",
                                 [(*labels, run_id) for run_id, labels in differing.items()])
        if relabel:
            return MergeCounts(len(new), relabelled=len(differing))
        return MergeCounts(len(new), differing=len(differing))

    def _stored_labels(self, run_ids: Sequence[str]) -> dict[str, tuple[Any, ...]]:
        """run id -> its stored label columns (:data:`LABEL_COLUMNS`), for stored ids."""
        found: dict[str, tuple[Any, ...]] = {}
        cols = ", ".join(LABEL_COLUMNS)
        for i in range(0, len(run_ids), _CHUNK):
            chunk = run_ids[i : i + _CHUNK]
            marks = ",".join("?" for _ in chunk)
            rows = self._conn.execute(
                f"SELECT run_id, {cols} FROM runs WHERE run_id IN ({marks})", chunk)
            found.update((r[0], tuple(r[1:])) for r in rows)
        return found

    # -- reading ---------------------------------------------------------------------

    def has_run(self, run_id: str) -> bool:
        row = self._query("SELECT 1 FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        return row is not None

    def get_run(self, run_id: str) -> RunRecord | None:
        found = self._select("r.run_id = ?", [run_id])
        return found[0] if found else None

    def runs(
        self,
        *,
        task: str | None = None,
        model: str | None = None,
        dataset: str | None = None,
        status: str | None = None,
        kind: str | None = None,
        suite: str | None = None,
    ) -> list[RunRecord]:
        """Runs matching every given filter, oldest first (``started_at``, then ``run_id``)."""
        where, params = _where(
            task=task, model=model, dataset=dataset, status=status, kind=kind, suite=suite
        )
        return self._select(where, params)

    FILTER_FIELDS = ("task", "model", "dataset", "status", "kind", "suite")

    def distinct(self, field: str) -> list[str]:
        """The distinct non-null values of a filterable field (task, model, ...), sorted."""
        if field not in self.FILTER_FIELDS:
            raise ValueError(f"not a filter field: {field!r}")
        sql = f"SELECT DISTINCT {field} FROM runs WHERE {field} IS NOT NULL ORDER BY {field}"
        return [str(row[0]) for row in self._query(sql)]

    def runs_with_id_prefix(self, prefix: str) -> list[RunRecord]:
        """Runs whose id starts with ``prefix`` (a full id matches itself)."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return self._select("r.run_id LIKE ? ESCAPE '\\'", (escaped + "%",))

    def count_runs(self, *, status: str | None = None, kind: str | None = None) -> int:
        where, params = _where(status=status, kind=kind)
        sql = "SELECT COUNT(*) FROM runs r" + (f" WHERE {where}" if where else "")
        return int(self._query(sql, params).fetchone()[0])

    def completed_repetitions(self, job_key: str) -> int:
        """How many ``ok`` runs are stored for a job (``--resume`` skips that many)."""
        sql = "SELECT COUNT(*) FROM runs WHERE job_key = ? AND status = ?"
        return int(self._query(sql, (job_key, STATUS_OK)).fetchone()[0])

    def _query(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        try:
            return self._conn.execute(sql, params)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read results store {self.path!r}: {exc}") from exc

    def _select(self, where: str, params: Sequence[Any]) -> list[RunRecord]:
        cond = f" WHERE {where}" if where else ""
        subset = f" WHERE run_id IN (SELECT r.run_id FROM runs r{cond})" if where else ""
        cols = ", ".join(f"r.{c}" for c in RUN_COLUMNS)
        run_rows = self._query(
            f"SELECT {cols}, e.content FROM runs r LEFT JOIN environments e"
            f" ON e.env_hash = r.env_hash{cond} ORDER BY r.started_at, r.run_id",
            params,
        ).fetchall()
        if not run_rows:
            return []
        phases: dict[str, list[tuple[Any, ...]]] = {}
        for row in self._query(
            "SELECT run_id, ord, parent_ord, name, path, duration_s, count FROM phases"
            f"{subset} ORDER BY run_id, ord",
            params,
        ):
            phases.setdefault(row[0], []).append(row[1:])
        components: dict[str, dict[int, list[ComponentEnergy]]] = {}
        comp_cols = ", ".join(COMPONENT_COLUMNS[4:])
        for row in self._query(
            f"SELECT run_id, phase_ord, {comp_cols} FROM components{subset} ORDER BY run_id, ord",
            params,
        ):
            by_phase = components.setdefault(row[0], {})
            by_phase.setdefault(row[1], []).append(codec.decode_component(row[2:]))
        out = []
        for row in run_rows:
            run_id = row[0]
            env = codec.loads(row[-1]) if row[-1] is not None else {}
            out.append(
                codec.decode_run(row[:-1], env, phases.get(run_id, []), components.get(run_id, {}))
            )
        return out


def _check_path(path: Path, *, create: bool) -> bool:
    """Refuse unusable paths before SQLite touches them; True if the file exists."""
    if path.is_dir():
        raise StoreError(f"results store {str(path)!r} is a directory", hint=_HINT_DB)
    if path.exists():
        if not os.access(path, os.R_OK):
            raise StoreError(f"cannot read results store {str(path)!r}: permission denied")
        return True
    if not create:
        raise StoreError(
            f"no results store at {str(path)!r}",
            hint="run `joulebench run` or `joulebench import` first, or " + _HINT_DB,
        )
    parent = path.absolute().parent
    if not parent.is_dir():
        why = "is not a directory" if parent.exists() else "does not exist"
        raise StoreError(
            f"cannot create results store {str(path)!r}: {str(parent)!r} {why}",
            hint=_HINT_DB,
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise StoreError(
            f"cannot create results store {str(path)!r}: directory {str(parent)!r} is not writable",
            hint=_HINT_DB,
        )
    return False


def _where(**filters: str | None) -> tuple[str, list[Any]]:
    clauses = [f"r.{name} = ?" for name, value in filters.items() if value is not None]
    params = [value for value in filters.values() if value is not None]
    return " AND ".join(clauses), params
