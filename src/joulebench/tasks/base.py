"""What every task runner is: prepare an input as the study did, run one query end to end.

A runner is built around a loaded model (see ``joulebench.models``) and is called once
per query by the benchmark runner, which measures around it. Runners never measure.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

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


@dataclass(frozen=True)
class TaskSpec:
    """Static description of a task: its name, what inputs it needs, how the study cut them."""

    name: str  # e.g. "text-classification"
    title: str  # e.g. "Text classification"
    input_kind: str  # "text" | "question-context" | "sentence-pair" | "image" | "audio" | ...
    default_columns: tuple[str, ...]  # dataset columns it reads by default
    preprocessing: str  # human text for reports: "first 20 words, 10 new tokens"
    model_kinds: tuple[str, ...] = ()  # architectures / auto classes that fit
    zero_shot: bool = False
    batched: bool = False  # its runners have ``run_batch`` (``--batch-size`` > 1)


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

    # Optional, for tasks whose SPEC says ``batched``:
    # ``run_batch(prepared: list[Prepared], phase) -> list[QueryResult]`` runs several
    # inputs in one padded call and returns, per input, what ``run`` would (token counts
    # without padding).


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
