"""A fake task module and dataset loader for runner tests: no torch, instant queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from joulebench.errors import DataError, ModelError, UsageError
from joulebench.tasks.base import LoadedTask, PhaseHook, Prepared, QueryResult, TaskSpec, no_phase

SPEC = TaskSpec(
    name="fake-task",
    title="Fake task",
    input_kind="text",
    default_columns=("text",),
    preprocessing="none",
)


class FakeRunner:
    spec = SPEC

    def __init__(self, *, fail_on_call: int | None = None, exc: BaseException | None = None,
                 split: bool = False) -> None:
        self.calls = 0
        self.fail_on_call = fail_on_call
        self.exc = exc or RuntimeError("CUDA out of memory. Tried to allocate 2 GiB")
        self.split = split

    def prepare(self, example: Any) -> Prepared:
        if example == "corrupt":
            raise DataError("cannot decode image 3")
        return Prepared(payload=str(example).split())

    def run(self, prepared: Prepared, phase: PhaseHook = no_phase) -> QueryResult:
        self.calls += 1
        if self.fail_on_call is not None and self.calls == self.fail_on_call:
            raise self.exc
        if self.split:
            with phase("prefill"):
                pass
            with phase("decode"):
                pass
        return QueryResult(output="ok", input_tokens=len(prepared.payload), output_tokens=2)


@dataclass
class FakeTasks:
    """Task loader: ``fake-task`` loads FakeRunner; model names drive failures."""

    runners: list[FakeRunner] = field(default_factory=list)
    runner_kwargs: dict[str, Any] = field(default_factory=dict)
    loads: int = 0

    def __call__(self, name: str) -> Any:
        if name != "fake-task":
            raise UsageError(f"unknown task {name!r}")
        return SimpleNamespace(SPEC=SPEC, load=self.load)

    def load(self, source: Any, *, device: str, dtype: str, trust_remote_code: bool,
             **options: Any) -> LoadedTask:
        self.loads += 1
        if "broken" in source.name:
            raise ModelError(f"{source.name} is not a fake-task model")
        runner = FakeRunner(**self.runner_kwargs)
        self.runners.append(runner)
        return LoadedTask(runner=runner, parameters=1234, model_label=source.label,
                          info={"options": options})


def rows_loader(spec: str, *, task: TaskSpec, column: str | None, n: int, split: str | None,
                config: str | None) -> Any:
    if spec == "empty":
        return SimpleNamespace(name=spec, rows=[], fingerprint="f0", source="test", licence="")
    if column == "nope":
        raise DataError(f"column {column!r} not in dataset {spec!r} (columns: text)")
    rows = ["corrupt"] if spec == "corrupt" else [f"word {i} more words" for i in range(4)]
    return SimpleNamespace(name=spec, rows=rows[:n], fingerprint="fp-" + spec, source="test",
                           licence="CC0")
