"""Prompts for an endpoint run, from any joulebench dataset source.

A text column gives one user message (``--api chat``) or the prompt (``--api
completions``). A local file's column may instead hold chat messages: a list of
``{"role": ..., "content": ...}`` objects (JSONL or JSON, as OpenAI's fine-tuning files
have them), sent as they are. Rows are cycled when the dataset has fewer than N.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DataError, UsageError
from ..tasks.base import InputKind, TaskSpec
from .client import Prompt

__all__ = ["ENDPOINT_TASK", "PromptSet", "load_prompts", "prompt_text"]

ENDPOINT_TASK = TaskSpec(
    name="endpoint",
    title="Serving endpoint",
    input_kind=InputKind.TEXT,
    default_columns=("messages", "text", "prompt", "question", "content"),
    preprocessing="rows sent whole (text as one user message, or chat messages as given)",
)


@dataclass(frozen=True)
class PromptSet:
    prompts: tuple[Prompt, ...]
    source: str
    fingerprint: str
    distinct: int

    @property
    def chat_messages(self) -> bool:
        return any(not isinstance(p, str) for p in self.prompts)


def prompt_text(prompt: Prompt) -> str:
    if isinstance(prompt, str):
        return prompt
    return "\n".join(str(m.get("content", "")) for m in prompt)


def _messages(value: Any, row: int) -> list[Mapping[str, Any]]:
    if not isinstance(value, list) or not value:
        raise DataError(f"row {row}: chat messages must be a non-empty list")
    for m in value:
        if not isinstance(m, dict) or not isinstance(m.get("role"), str) or "content" not in m:
            raise DataError(f"row {row}: each chat message needs a 'role' and a 'content'")
    return value


def _file_rows(path: Path, column: str | None, n: int) -> tuple[list[Prompt], str]:
    import itertools

    from ..data.rows import read_file, resolve_columns

    names, rows = read_file(path)
    (col,) = resolve_columns(names, ENDPOINT_TASK, column)[:1]
    out: list[Prompt] = []
    for i, row in enumerate(itertools.islice(rows, n)):
        value = row.get(col)
        if isinstance(value, list):
            out.append(_messages(value, i))
        elif value is None or not str(value).strip():
            raise DataError(f"row {i}: column {col!r} is empty")
        else:
            out.append(str(value))
    return out, f"file {path}, column {col}"


def load_prompts(spec: str, *, n: int, column: str | None = None, split: str | None = None,
                 config: str | None = None) -> PromptSet:
    """``n`` prompts from ``spec`` (cycled when it has fewer rows)."""
    from ..data.sample import fingerprint

    if n <= 0:
        raise UsageError(f"the number of requests must be >= 1, got {n}")
    path = Path(os.path.expanduser(spec))
    if path.is_file():
        rows, source = _file_rows(path, column, n)
    else:
        from ..data.sources import load_rows

        sample = load_rows(spec, task=ENDPOINT_TASK, column=column, n=n, split=split, config=config)
        rows, source = [str(r) for r in sample.rows], sample.source
    if not rows:
        raise DataError(f"dataset {spec!r} has no rows")
    distinct = len(rows)
    cycled: Sequence[Prompt] = [rows[i % distinct] for i in range(n)]
    if distinct < n:
        source += f" ({distinct} distinct rows cycled to {n})"
    return PromptSet(prompts=tuple(cycled), source=source,
                     fingerprint=fingerprint([prompt_text(p) for p in rows]), distinct=distinct)
