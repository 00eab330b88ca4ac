"""What every task is: a plugin with a spec and a ``load()``, whose runner prepares an input
as the study did and runs one query end to end.

A task (:class:`TaskPlugin`) is anything with ``SPEC`` (a :class:`~joulebench.spec.TaskSpec`)
and ``load(source, *, device, dtype, trust_remote_code, **options) -> LoadedTask``; a task
module is one. ``load`` takes the options its spec declares and no others (the benchmark
runner checks them first). The runner it returns (:class:`TaskRunner`) is built around a
loaded model and called once per query by the benchmark runner, which measures around
it; runners never measure. A spec with ``batched=True`` promises a
:class:`BatchTaskRunner` (``run_batch`` as well).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..spec import InputKind, TaskOption, TaskSpec

# The benchmark runner passes a phase hook so a runner can split one query into named
# sub-phases (e.g. text generation: "prefill" then "decode"). Runners call
# ``with phase("prefill"): ...``; the default hook does nothing.
PhaseHook = Callable[[str], AbstractContextManager[None]]


@contextlib.contextmanager
def no_phase(_name: str) -> Iterator[None]:
    yield


@dataclass(frozen=True)
class QueryResult:
    """What one query produced, and its size in the units the report divides by."""

    output: Any  # label, span, text, boxes, image size ...: small and JSON-serialisable
    input_tokens: int = 0
    output_tokens: int = 0
    input_images: int = 0
    output_images: int = 0
    input_audio_s: float = 0.0  # seconds of audio the model heard (speech recognition)


@dataclass
class Prepared:
    """An input after the study's preprocessing (unmeasured), ready for :meth:`run`."""

    payload: Any
    meta: dict[str, Any] = field(default_factory=dict)


class TaskRunner(Protocol):
    spec: TaskSpec

    def prepare(self, example: Any) -> Prepared:
        """Apply the study's input preparation (cut text, mask, resize). Not measured."""
        ...

    def run(self, prepared: Prepared, phase: PhaseHook = no_phase) -> QueryResult:
        """Run one query end to end: tokenize/process, forward or generate, post-process."""
        ...


class BatchTaskRunner(TaskRunner, Protocol):
    """The runner of a task whose spec says ``batched``."""

    def run_batch(self, prepared: list[Prepared], phase: PhaseHook = no_phase) -> list[QueryResult]:
        """Several inputs in one padded call; per input, what :meth:`run` would return
        (token counts without padding)."""
        ...


@dataclass
class LoadedTask:
    """A task's runner around a loaded model, as every task module's ``load()`` returns it.

    ``model`` is the underlying torch module (or pipeline), so a benchmark can call it bare;
    ``info`` records provenance: source kind, architecture class, tokenizer provenance,
    ``zero_shot``, dtype and device.
    """

    runner: TaskRunner
    parameters: int  # sum of numel over the model's parameters
    model_label: str  # ModelSource.label: keeps "random:" so it never passes for trained
    info: dict[str, Any] = field(default_factory=dict)
    model: Any = None


class TaskPlugin(Protocol):
    """A task: a module (or any object) with ``SPEC`` and ``load``.

    ``load(source: ModelSource, *, device: str, dtype: str, trust_remote_code: bool,
    **options) -> LoadedTask``, where ``options`` are the ones ``SPEC.options`` declares.
    """

    @property
    def SPEC(self) -> TaskSpec: ...

    @property
    def load(self) -> Callable[..., LoadedTask]: ...


__all__ = [
    "BatchTaskRunner",
    "InputKind",
    "LoadedTask",
    "PhaseHook",
    "Prepared",
    "QueryResult",
    "TaskOption",
    "TaskPlugin",
    "TaskRunner",
    "TaskSpec",
    "no_phase",
]
