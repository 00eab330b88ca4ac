"""Turning table rows (dicts of columns) into task examples, and reading local files."""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import DataError, UsageError
from ..spec import InputKind, TaskSpec

FILE_SUFFIXES = (".csv", ".tsv", ".jsonl", ".json", ".parquet")
IMAGE_COLUMNS = ("image", "img", "image_url", "path")


def _default_columns(task: TaskSpec) -> tuple[str, ...]:
    if task.default_columns:
        return task.default_columns
    return IMAGE_COLUMNS if task.input_kind == InputKind.IMAGE else ("text",)


def resolve_columns(available: list[str], task: TaskSpec, column: str | None) -> tuple[str, ...]:
    """The columns to read: ``column`` ("q,c" for QA) or the task's defaults."""
    listing = ", ".join(available) or "(none)"
    if column:
        wanted = tuple(c.strip() for c in column.split(",") if c.strip())
        missing = [c for c in wanted if c not in available]
        if missing:
            raise DataError(f"column {missing[0]!r} does not exist; columns: {listing}",
                            hint="pick one with --column")
        if task.input_kind == InputKind.QUESTION_CONTEXT and len(wanted) != 2:
            raise UsageError(f"{task.name} needs two columns, question and context: "
                             "--column question,context")
        if task.input_kind == InputKind.SENTENCE_PAIR and len(wanted) != 2:
            raise UsageError(f"{task.name} needs two columns, one sentence each: "
                             "--column sentence1,sentence2")
        return wanted
    defaults = _default_columns(task)
    if task.input_kind == InputKind.QUESTION_CONTEXT:
        if {"question", "context"} <= set(available):
            return ("question", "context")
        raise DataError(f"{task.name} needs question and context columns; columns: {listing}",
                        hint="name them with --column <question>,<context>")
    if task.input_kind == InputKind.SENTENCE_PAIR:
        if set(defaults[:2]) <= set(available):
            return defaults[:2]
        raise DataError(f"{task.name} needs two sentence columns ({', '.join(defaults[:2])}); "
                        f"columns: {listing}", hint="name them with --column <first>,<second>")
    for name in defaults:
        if name in available:
            return (name,)
    raise DataError(f"none of the columns {task.name} reads ({', '.join(defaults)}) exists; "
                    f"columns: {listing}", hint="pick one with --column")


def to_example(row: dict[str, Any], columns: tuple[str, ...], task: TaskSpec) -> Any:
    """One table row → the example form the task's ``prepare()`` takes."""
    if task.input_kind == InputKind.QUESTION_CONTEXT:
        question, context = (row[c] for c in columns)
        if isinstance(context, dict | list):  # e.g. {"text": [...]} structures
            context = json.dumps(context)
        return {"question": str(question), "context": str(context)}
    if task.input_kind == InputKind.SENTENCE_PAIR:
        first, second = (row[c] for c in columns)
        if first is None or second is None:
            raise DataError(f"columns {','.join(columns)} have an empty value")
        return {"sentence1": str(first), "sentence2": str(second)}
    value = row[columns[0]]
    if task.input_kind == InputKind.AUDIO:
        from .audio import decode_audio

        return decode_audio(value)
    if task.input_kind == InputKind.IMAGE:
        from .images import decode_image

        return decode_image(value)
    if isinstance(value, list | tuple):  # pre-split tokens (conll2003, wikiann)
        return " ".join(str(v) for v in value)
    if value is None:
        raise DataError(f"column {columns[0]!r} has an empty value")
    return str(value)


def take_examples(rows: Iterable[dict[str, Any]], columns: tuple[str, ...], task: TaskSpec,
                  n: int) -> list[Any]:
    return [to_example(row, columns, task) for row in itertools.islice(rows, n)]


def read_file(path: Path) -> tuple[list[str], Iterator[dict[str, Any]]]:
    """(column names, rows) of a local .csv/.tsv/.jsonl/.json/.parquet file, streamed."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".tsv"):
            handle = path.open(newline="", encoding="utf-8")
            reader = csv.DictReader(handle, delimiter="\t" if suffix == ".tsv" else ",")
            return list(reader.fieldnames or []), iter(reader)
        if suffix == ".jsonl":
            return _jsonl(path)
        if suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict):  # {"data": [...]} or columns of lists
                lists = [v for v in data.values() if isinstance(v, list)]
                data = lists[0] if len(lists) == 1 else [dict(zip(data, r, strict=True))
                                                          for r in zip(*data.values(), strict=True)]
            rows = [r for r in data if isinstance(r, dict)]
            return (list(rows[0]) if rows else []), iter(rows)
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            table = pq.ParquetFile(str(path))
            names = list(table.schema_arrow.names)
            return names, (row for batch in table.iter_batches() for row in batch.to_pylist())
    except (OSError, ValueError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"cannot read {path}: {exc}") from exc
    raise UsageError(f"unsupported file type {suffix!r} for {path}",
                     hint="data files: " + ", ".join(FILE_SUFFIXES) + ", or a folder of images")


def _jsonl(path: Path) -> tuple[list[str], Iterator[dict[str, Any]]]:
    def rows() -> Iterator[dict[str, Any]]:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if line.strip():
                    try:
                        yield json.loads(line)
                    except ValueError as exc:
                        raise DataError(f"{path}:{number}: not JSON: {exc}") from exc

    first = next(rows(), None)
    return (list(first) if isinstance(first, dict) else []), rows()
