"""Task ``example-echo``: echo each text back, ``repeat`` times. No model, no torch.

A task module is a ``SPEC`` and a ``load()``; ``load`` takes the options ``SPEC`` declares.
"""

from __future__ import annotations

from typing import Any

from joulebench.tasks.base import (
    InputKind,
    LoadedTask,
    PhaseHook,
    Prepared,
    QueryResult,
    TaskOption,
    TaskSpec,
    no_phase,
)

SPEC = TaskSpec(
    name="example-echo",
    title="Echo (example plugin)",
    input_kind=InputKind.TEXT,
    default_columns=("text",),
    preprocessing="whitespace-split words",
    options=(TaskOption("repeat", int, 1, "how many times each answer repeats its input"),),
)


class EchoRunner:
    spec = SPEC

    def __init__(self, repeat: int) -> None:
        self.repeat = repeat

    def prepare(self, example: Any) -> Prepared:
        return Prepared(str(example).split())

    def run(self, prepared: Prepared, phase: PhaseHook = no_phase) -> QueryResult:
        words = prepared.payload * self.repeat
        return QueryResult(output=" ".join(words[:8]), input_tokens=len(prepared.payload),
                           output_tokens=len(words))


def load(source: Any, *, device: str = "cpu", dtype: str = "float32",
         trust_remote_code: bool = False, repeat: int = 1) -> LoadedTask:
    return LoadedTask(runner=EchoRunner(repeat), parameters=0, model_label=source.label,
                      info={"repeat": repeat, "device": device, "dtype": dtype})
