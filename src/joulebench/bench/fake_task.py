"""A fake task, dataset and sensors that a worker process can import: tests and benchmarks.

Shipped in the library (like :mod:`joulebench.measure.fake`) so executors that run jobs
in other processes (Ray workers) can load them by module path. Nothing here touches
torch or real hardware. Use::

    RunnerSettings(task_loader=fake_task.task_loader, rows_loader=fake_task.rows_loader)

Model names drive behaviour: ``fake/broken`` fails to load (a ``failed`` record).
Task options: ``sleep_s`` (seconds per query), ``crash_marker`` (a path: the first
process to load the model creates it and kills itself with SIGKILL; later loads run),
with ``crash_at_call`` N: the kill comes at the N-th query call instead (warm-up
included), e.g. in the middle of a repetition.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ..errors import ModelError, SensorError, UsageError
from ..measure.fake import FakeSensor
from ..measure.sensor import Domain, Sensor
from ..tasks.base import (
    InputKind,
    LoadedTask,
    PhaseHook,
    Prepared,
    QueryResult,
    TaskOption,
    TaskSpec,
    no_phase,
)

NAME = "fake-task"
SPEC = TaskSpec(
    name=NAME,
    title="Fake task",
    input_kind=InputKind.TEXT,
    default_columns=("text",),
    preprocessing="none",
    options=(
        TaskOption("sleep_s", float, 0.0, "seconds each query sleeps"),
        TaskOption("crash_marker", str, None,
                   "a path: the first process to load creates it and kills itself"),
        TaskOption("crash_at_call", int, 0,
                   "with crash_marker: kill at this query call (warm-up included), not at load"),
    ),
)


def _crash_once(marker: str) -> None:
    """The first process to get here creates ``marker`` and kills itself (SIGKILL)."""
    if not Path(marker).exists():
        Path(marker).write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)


class FakeRunner:
    spec = SPEC

    def __init__(
        self, sleep_s: float = 0.0, crash_marker: str | None = None, crash_at_call: int = 0
    ) -> None:
        self.sleep_s = sleep_s
        self.crash_marker = crash_marker
        self.crash_at_call = crash_at_call
        self.calls = 0

    def prepare(self, example: Any) -> Prepared:
        return Prepared(payload=str(example).split())

    def run(self, prepared: Prepared, phase: PhaseHook = no_phase) -> QueryResult:
        self.calls += 1
        if self.sleep_s:
            time.sleep(self.sleep_s)
        if self.crash_marker and self.calls == self.crash_at_call:
            _crash_once(self.crash_marker)
        return QueryResult(output="ok", input_tokens=len(prepared.payload), output_tokens=1)


def _load(
    source: Any, *, device: str, dtype: str, trust_remote_code: bool, **options: Any
) -> LoadedTask:
    if "broken" in source.name:
        raise ModelError(f"{source.name} is not a {NAME} model")
    marker = options.get("crash_marker")
    crash_at_call = int(options.get("crash_at_call", 0))
    if marker and not crash_at_call:
        _crash_once(str(marker))
    runner = FakeRunner(
        float(options.get("sleep_s", 0.0)),
        str(marker) if marker else None,
        crash_at_call,
    )
    return LoadedTask(
        runner=runner, parameters=1000, model_label=source.label, info={"options": dict(options)}
    )


def task_loader(name: str) -> Any:
    if name != NAME:
        raise UsageError(f"unknown task {name!r}", hint=f"the fake task is {NAME}")
    return SimpleNamespace(SPEC=SPEC, load=_load)


def rows_loader(
    spec: str, *, task: str, column: str | None, n: int, split: str | None, config: str | None
) -> Any:
    rows = [f"word {i} and more words" for i in range(4)]
    return SimpleNamespace(
        name=spec, rows=rows[:n], fingerprint="fp-" + spec, source="fake", licence="CC0"
    )


def fake_sensors() -> list[Sensor]:
    """One constant 20 W CPU-package sensor on the real clock."""
    return [FakeSensor("fake:cpu", power_w=20.0, domain=Domain.CPU_PACKAGE)]


@dataclass(frozen=True)
class FlakySensors:
    """A sensor factory that raises :class:`SensorError` on its first ``failures`` calls.

    Calls are counted in the file ``counter`` so every worker process shares the count.
    """

    counter: str
    failures: int

    def __call__(self) -> list[Sensor]:
        path = Path(self.counter)
        calls = int(path.read_text()) if path.exists() else 0
        path.write_text(str(calls + 1))
        if calls < self.failures:
            raise SensorError(f"fake sensor failure {calls + 1} of {self.failures}")
        return fake_sensors()
