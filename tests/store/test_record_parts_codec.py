"""The typed record parts in the store: exact round trip, the previous codec's rows
migrated on read, an unknown codec version refused with one line and nothing written."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from joulebench.bench.record_parts import (
    Cohort,
    Flops,
    Placement,
    Quality,
    Throughput,
    parts_from_extra,
    parts_of,
)
from joulebench.bench.records import RunRecord, amend_record, make_record
from joulebench.cli.main import main
from joulebench.errors import SchemaVersionError, StoreError
from joulebench.store import Store

Factory = Callable[..., RunRecord]

PARTS: dict[str, Any] = {
    "quality": Quality(
        figure={"metric": "accuracy", "value": 0.9, "n": 40, "ci95_low": 0.8, "ci95_high": 0.95},
        scores=({"metric": "accuracy", "value": 0.9}, {"metric": "f1", "value": 0.7}),
    ),
    "throughput": Throughput(median_ms=1.5, p90_ms=2.25, total_s=0.3, queries_per_s=None, calls=3),
    "flops": Flops(per_query=1024.0, basis="torch FlopCounterMode", input_tokens=4),
    "cohort": Cohort(zero_shot=True, study={"table2": False, "source_file": "a.csv"}),
    "placement": Placement(node_id="n1", attempt=1, node_concurrency=2, attribution="shared"),
}
# The same facts as the previous codec stored them: loose keys in ``extra``.
LEGACY: dict[str, Any] = {
    "quality": PARTS["quality"].figure,
    "quality_scores": [dict(s) for s in PARTS["quality"].scores],
    "latency_median_ms": 1.5, "latency_p90_ms": 2.25, "latency_total_s": 0.3, "calls": 3,
    "flops_per_query": 1024.0, "flops_basis": "torch FlopCounterMode", "flops_input_tokens": 4,
    "zero_shot": True, "study": {"table2": False, "source_file": "a.csv"},
    "node_id": "n1", "attempt": 1, "node_concurrency": 2, "attribution": "shared",
}  # fmt: skip


def _set_extra(path: Path, run_id: str, extra: dict[str, Any]) -> None:
    conn = sqlite3.connect(path)
    conn.execute("UPDATE runs SET extra = ? WHERE run_id = ?", (json.dumps(extra), run_id))
    conn.commit()
    conn.close()


def test_typed_parts_round_trip_exactly(tmp_path: Path, record_factory: Factory) -> None:
    rec = record_factory(**PARTS)
    with Store.open(tmp_path / "j.db") as store:
        assert store.write_run(rec)
        back = store.get_run(rec.run_id)
    assert back == rec
    assert back is not None and back.extra == {"note": "é"}


def test_a_row_of_the_previous_codec_is_read_typed(tmp_path: Path, record_factory: Factory) -> None:
    path = tmp_path / "old.db"
    with Store.open(path) as store:
        store.write_run(record_factory())
    _set_extra(path, "run-1", {"note": "é", **LEGACY})  # no "_parts": the old shape
    with Store.open(path) as store:
        back = store.get_run("run-1")
    assert back is not None
    assert back.extra == {"note": "é"}
    assert {n: getattr(back, n) for n in PARTS} == {
        **PARTS, "throughput": Throughput(median_ms=1.5, p90_ms=2.25, total_s=0.3, calls=3)
    }  # fmt: skip
    assert back == record_factory(**{n: getattr(back, n) for n in PARTS})


def test_an_unknown_codec_version_is_refused_and_nothing_written(
    tmp_path: Path, record_factory: Factory
) -> None:
    path = tmp_path / "future.db"
    with Store.open(path) as store:
        store.write_run(record_factory())
    _set_extra(path, "run-1", {"note": "é", "_parts": {"v": 2, "quality": {"quality": 1}}})
    before, mtime = path.read_bytes(), path.stat().st_mtime_ns
    time.sleep(0.01)
    with Store.open(path) as store, pytest.raises(SchemaVersionError) as info:
        store.runs()
    message = str(info.value)
    assert "\n" not in message
    assert "run-1 was stored with record codec version 2; this joulebench reads version 1" in message
    assert path.read_bytes() == before and path.stat().st_mtime_ns == mtime


def test_an_unknown_codec_version_is_one_line_from_the_cli(
    tmp_path: Path,
    record_factory: Factory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "future.db"
    with Store.open(path) as store:
        store.write_run(record_factory())
    _set_extra(path, "run-1", {"_parts": {"v": 99}})
    monkeypatch.setenv("JOULEBENCH_DB", str(path))
    before = path.read_bytes()
    assert main(["runs"]) != 0
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert "record codec version 99" in lines[0] and captured.out == ""
    assert all("Traceback" not in line for line in lines)
    assert path.read_bytes() == before


def test_unknown_parts_of_a_known_version_are_refused(
    tmp_path: Path, record_factory: Factory
) -> None:
    path = tmp_path / "odd.db"
    with Store.open(path) as store:
        store.write_run(record_factory())
    _set_extra(path, "run-1", {"_parts": {"v": 1, "energy_label": {}}})
    with Store.open(path) as store, pytest.raises(StoreError, match="energy_label"):
        store.runs()


def test_the_reserved_key_in_extra_is_refused_and_nothing_written(
    tmp_path: Path, record_factory: Factory
) -> None:
    with Store.open(tmp_path / "j.db") as store:
        with pytest.raises(StoreError, match="reserved"):
            store.write_runs([record_factory("a"), record_factory("b", extra={"_parts": {}})])
        assert store.count_runs() == 0


def test_make_record_types_the_loose_keys_and_keeps_the_rest() -> None:
    rec = make_record(kind="benchmark", status="ok", extra={"stage": "x", **LEGACY})
    assert rec.extra == {"stage": "x"}
    assert rec.quality == PARTS["quality"] and rec.placement == PARTS["placement"]
    assert rec.run_id and rec.started_at
    amended = amend_record(rec, attempt=2, executor="ray")
    assert amended.placement == Placement(
        node_id="n1", attempt=2, node_concurrency=2, attribution="shared")
    assert amended.extra == {"stage": "x", "executor": "ray"}


def test_parts_of_reads_a_hand_built_record_like_a_typed_one() -> None:
    loose = RunRecord("r", "benchmark", "ok", "2024-01-01T00:00:00", None, extra=dict(LEGACY))
    typed = make_record(kind="benchmark", status="ok", extra=dict(LEGACY))
    assert parts_of(loose) == parts_of(typed)
    parts, rest = parts_from_extra({"other": 1, **LEGACY})
    assert rest == {"other": 1} and set(parts) == set(PARTS)
