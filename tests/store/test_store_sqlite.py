from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from joulebench.bench.records import RunRecord
from joulebench.errors import SchemaVersionError, StoreError
from joulebench.measure.sensor import Domain
from joulebench.store import SCHEMA_VERSION, Store

Factory = Callable[..., RunRecord]


def test_round_trip_nested_phases_and_none_energies(tmp_path: Path, record_factory: Factory):
    rec = record_factory()
    failed = record_factory(
        "run-2",
        status="failed",
        measurement=None,
        carbon=None,
        command=None,
        error="CUDA out of memory",
        environment={},
    )
    with Store.open(tmp_path / "j.db") as store:
        assert store.write_run(rec) is True
        assert store.write_run(failed) is True
    with Store.open(tmp_path / "j.db", create=False) as store:
        assert store.get_run("run-1") == rec
        assert store.get_run("run-2") == failed
        assert store.get_run("nope") is None
        back = store.get_run("run-1")
        assert back is not None and back.measurement is not None
        assert back.measurement.phase("query/decode") == rec.measurement.phase("query/decode")  # type: ignore[union-attr]
        assert back.measurement.components[2].energy_j is None
        assert back.measurement.components[0].domain is Domain.GPU


def test_filters_and_counts(tmp_path: Path, record_factory: Factory):
    recs = [
        record_factory("a", job_key="k1"),
        record_factory("b", job_key="k1", repetition=1),
        record_factory("c", job_key="k1", status="failed"),
        record_factory("d", job_key="k2", model="gpt2", task="text-generation"),
    ]
    with Store.open(tmp_path / "j.db") as store:
        assert store.write_runs(recs) == 4
        assert store.count_runs() == 4
        assert store.count_runs(status="ok") == 3
        assert store.completed_repetitions("k1") == 2
        assert store.completed_repetitions("missing") == 0
        assert [r.run_id for r in store.runs(model="gpt2")] == ["d"]
        assert [r.run_id for r in store.runs(task="text-classification", status="ok")] == [
            "a",
            "b",
        ]
        assert store.runs(suite="other") == []
        assert store.runs() == sorted(recs, key=lambda r: (r.started_at, r.run_id))
        assert store.has_run("a") and not store.has_run("z")


def test_write_is_idempotent_by_run_id(tmp_path: Path, record_factory: Factory):
    with Store.open(tmp_path / "j.db") as store:
        assert store.write_run(record_factory()) is True
        changed = record_factory(model="other")
        assert store.write_run(changed) is False
        assert store.write_runs([record_factory(), record_factory("x"), record_factory("x")]) == 1
        assert store.count_runs() == 2
        assert store.get_run("run-1") == record_factory()  # first write wins


def test_environment_is_deduplicated(tmp_path: Path, record_factory: Factory):
    with Store.open(tmp_path / "j.db") as store:
        store.write_runs([record_factory(str(i)) for i in range(5)])
    conn = sqlite3.connect(tmp_path / "j.db")
    assert conn.execute("SELECT COUNT(*) FROM environments").fetchone()[0] == 1
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == "1"
    conn.close()


def test_failed_batch_leaves_nothing(tmp_path: Path, record_factory: Factory):
    good = record_factory("good")
    # A component with no source violates NOT NULL after the run rows went in.
    broken_component = replace(good.measurement.components[0], source=None)  # type: ignore[union-attr,arg-type]
    broken = record_factory(
        "broken",
        measurement=replace(good.measurement, components=(broken_component,)),  # type: ignore[arg-type]
        environment={"other": True},
    )
    with Store.open(tmp_path / "j.db") as store:
        with pytest.raises(StoreError, match="nothing was written"):
            store.write_runs([good, broken])
        assert store.count_runs() == 0
        assert store.runs() == []
        assert store.write_run(good) is True  # the store still works
    conn = sqlite3.connect(tmp_path / "j.db")
    assert conn.execute("SELECT COUNT(*) FROM environments").fetchone()[0] == 1
    assert conn.execute("SELECT COUNT(*) FROM components").fetchone()[0] == 7
    conn.close()


def test_unserialisable_config_is_a_store_error(tmp_path: Path, record_factory: Factory):
    with Store.open(tmp_path / "j.db") as store:
        with pytest.raises(StoreError, match="cannot store run bad"):
            store.write_runs([record_factory("ok1"), record_factory("bad", config={"x": object()})])
        assert store.count_runs() == 0


def test_newer_schema_is_refused_and_untouched(tmp_path: Path):
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION + 1),))
    conn.commit()
    conn.close()
    before = path.read_bytes()
    mtime = path.stat().st_mtime_ns
    time.sleep(0.01)
    for create in (True, False):
        with pytest.raises(SchemaVersionError, match="schema version 2"):
            Store.open(path, create=create)
    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in tmp_path.iterdir()) == ["future.db"]


def test_not_sqlite_file(tmp_path: Path):
    path = tmp_path / "notes.db"
    path.write_text("hello, this is not a database\n" * 50)
    before = path.read_bytes()
    with pytest.raises(StoreError, match="not a joulebench results store"):
        Store.open(path)
    assert path.read_bytes() == before


def test_foreign_sqlite_file(tmp_path: Path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not a joulebench results store"):
        Store.open(path)


@pytest.mark.parametrize("where", ["missing-dir/j.db", "a-file/j.db"])
def test_unusable_path_creates_nothing(tmp_path: Path, where: str):
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(StoreError) as info:
        Store.open(tmp_path / where)
    assert "\n" not in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_unwritable_directory(tmp_path: Path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(StoreError, match="not writable"):
            Store.open(locked / "j.db")
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_missing_store_without_create(tmp_path: Path):
    with pytest.raises(StoreError, match="no results store"):
        Store.open(tmp_path / "j.db", create=False)
    assert list(tmp_path.iterdir()) == []


def test_directory_is_refused(tmp_path: Path):
    with pytest.raises(StoreError, match="is a directory"):
        Store.open(tmp_path)


def test_reading_10k_runs_is_fast(tmp_path: Path, record_factory: Factory):
    recs = [
        record_factory(f"r{i:05d}", repetition=i % 10, job_key=f"k{i // 10}") for i in range(10_000)
    ]
    with Store.open(tmp_path / "j.db") as store:
        t0 = time.perf_counter()
        assert store.write_runs(recs) == 10_000
        t1 = time.perf_counter()
        cpu0 = time.process_time()  # CPU time: the test machine's cores are shared
        back = store.runs()
        cpu1 = time.process_time()
    assert len(back) == 10_000 and back[1234] == recs[1234]
    assert t1 - t0 < 10.0  # generous: 2 shared cores
    assert cpu1 - cpu0 < 4.0, f"reading 10k runs took {cpu1 - cpu0:.2f} s of CPU"


def test_merge_runs_relabels_labels_only_in_one_transaction(tmp_path: Path,
                                                            record_factory: Factory) -> None:
    first = record_factory("run-1", task=None, dataset=None)
    with Store.open(tmp_path / "j.db") as store:
        assert store.merge_runs([first]).new == 1
        corrected = replace(first, task="fill-mask", dataset="c4", n_queries=1000,
                            error="not a label: never rewritten")
        second = record_factory("run-2")
        counts = store.merge_runs([corrected, second])  # told, not changed
        assert (counts.new, counts.relabelled, counts.differing) == (1, 0, 1)
        assert store.get_run("run-1") == first
        counts = store.merge_runs([corrected, second], relabel=True)
        assert (counts.new, counts.relabelled, counts.differing) == (0, 1, 0)
        back = store.get_run("run-1")
        assert back is not None and (back.task, back.dataset, back.n_queries) == (
            "fill-mask", "c4", 1000)
        assert back.error == first.error and back.measurement == first.measurement
        assert store.merge_runs([corrected], relabel=True).relabelled == 0  # idempotent
        bad = replace(first, task="summarization", config={"x": object()})
        with pytest.raises(StoreError, match="nothing was written"):
            store.merge_runs([bad, record_factory("run-3")], relabel=True)
        assert store.get_run("run-1").task == "fill-mask"  # type: ignore[union-attr]
        assert store.get_run("run-3") is None
