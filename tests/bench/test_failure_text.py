"""A failed job keeps its whole error and the way out; a note reaches --no-progress output."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from joulebench.bench.executor import LocalExecutor, NoProgress
from joulebench.bench.records import STATUS_FAILED
from joulebench.bench.runner import MAX_ERROR_CHARS, RunnerSettings, describe_error, execute_job
from joulebench.bench.spec import JobSpec
from joulebench.errors import DataError, ModelError
from joulebench.measure.fake import FakeSensor
from joulebench.measure.sensor import Domain

from .fakes import FakeTasks


def test_describe_error_keeps_every_line_and_the_hint() -> None:
    exc = ModelError("cannot load model for 'gpt3'\nsecond line", hint="use `random:<id>`")
    assert describe_error(exc) == (
        "ModelError: cannot load model for 'gpt3'\nsecond line\nhint: use `random:<id>`")
    assert describe_error(DataError("no hint here")) == "DataError: no hint here"
    assert describe_error(ValueError()) == "ValueError"
    long = describe_error(RuntimeError("x" * (MAX_ERROR_CHARS * 2)))
    assert len(long) < MAX_ERROR_CHARS + 100 and long.endswith("(cut; the traceback is stored)")
    oom = describe_error(RuntimeError("CUDA out of memory.\nTried to allocate 2 GiB"))
    assert oom == "out of memory: CUDA out of memory.\nTried to allocate 2 GiB"


def _rows(spec: str, *, task: Any, column: str | None, n: int, split: str | None,
          config: str | None) -> Any:
    if column == "review":
        raise DataError("column 'review' does not exist; columns: text, label",
                        hint="pick one with --column")
    rows = ["one row", "two rows"]
    return SimpleNamespace(name=spec, rows=rows[:n], fingerprint="fp", source="test",
                           licence="CC0")


def _settings() -> RunnerSettings:
    return RunnerSettings(task_loader=FakeTasks(), rows_loader=_rows,  # type: ignore[arg-type]
                          count_flops=False)


def _job(**kw: Any) -> JobSpec:
    return JobSpec(task="fake-task", model="fake/model", dataset="words", n_queries=5,
                   repetitions=1, warmup=0, **kw)


def test_failed_record_stores_the_hint() -> None:
    (rec,) = execute_job(_job(column="review"), sensors=[], settings=_settings())
    assert rec.status == STATUS_FAILED
    assert rec.error == ("DataError: column 'review' does not exist; columns: text, label\n"
                         "hint: pick one with --column")


def test_rows_repeat_note_reaches_no_progress_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    sensor = FakeSensor("fake:0", power_w=50.0, domain=Domain.CPU_PACKAGE)
    executor = LocalExecutor(sensors=[sensor], progress=NoProgress(), settings=_settings())
    summary = executor.run([_job()], lambda record: None)
    assert not summary.failures
    err = capsys.readouterr().err
    assert "words has 2 row(s), fewer than -n 5: rows repeat (each about 2.5 times)" in err
    assert summary.ok[0].config["input"]["cycled"] is True
