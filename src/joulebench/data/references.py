"""The references (gold labels, answers, summaries, tags) of the rows a job queries.

:func:`load_references` reads the same first ``n`` rows as
:func:`~joulebench.data.sources.load_rows`, in the same order, and returns their
references through :func:`joulebench.quality.find_references`: the user's
``--label-column``, or the known reference column of the study's and AI Energy Score's
datasets. Offline samples and image or audio folders have none (``None``: no quality
figure, never a zero); a ``--label-column`` for them is a :class:`UsageError`.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import DataError, UsageError
from ..quality import ReferenceColumn, find_references, reference_column
from ..spec import TaskSpec
from .offline import PREFIX
from .rows import FILE_SUFFIXES, read_file

References = tuple[ReferenceColumn, list[Any]]


def _file_columns(path: Path) -> list[str]:
    names, _ = read_file(path)
    return names


def check_label_column(spec: str, task: TaskSpec, label_column: str | None) -> None:
    """Before anything runs: a ``--label-column`` that cannot be read is one clear line."""
    if label_column is None:
        return
    if spec.startswith(PREFIX):
        raise UsageError(
            f"--label-column {label_column!r}: the offline sample {spec} has no references",
            hint="give a labelled data file (.csv, .jsonl, .parquet) or a Hub dataset",
        )
    from .sources import DATA_FOLDER, FILE, kind_of

    path = Path(os.path.expanduser(spec))
    kind = kind_of(spec, task)
    if kind == FILE:
        reference_column(path.stem, _file_columns(path), task.name, label_column=label_column)
    elif kind == DATA_FOLDER:
        from .hf_datasets import data_files_in

        first = next((f for f in data_files_in(path) if f.suffix.lower() in FILE_SUFFIXES), None)
        if first is not None:
            reference_column(path.name, _file_columns(first), task.name,
                             label_column=label_column)
    elif path.is_dir():
        raise UsageError(f"--label-column {label_column!r}: {spec} is a folder of {kind}, "
                         "not a table")


def load_references(
    spec: str,
    *,
    task: TaskSpec,
    n: int,
    label_column: str | None = None,
    split: str | None = None,
    config: str | None = None,
    data_files: Any = None,
) -> References | None:
    """(where the references are, one reference per row) for the first ``n`` rows, or None."""
    from .sources import DATA_FOLDER, FILE, GLOB, HUB, kind_of

    if spec.startswith(PREFIX):
        check_label_column(spec, task, label_column)
        return None
    path = Path(os.path.expanduser(spec))
    kind = kind_of(spec, task)
    if kind == FILE:
        _, table = read_file(path)
        rows = [dict(r) for r in itertools.islice(table, n)]
        return find_references(path.stem, rows, task.name, label_column=label_column)
    if kind in (DATA_FOLDER, GLOB, HUB):
        name = spec if kind == HUB else (path.name if kind == DATA_FOLDER else path.parent.name)
        return _table_references(spec, name, task, n, label_column, split, config, data_files)
    return None  # image or audio files: no references


def _label_names(features: Any, column: str) -> Sequence[str] | None:
    feature = (features or {}).get(column)
    names = getattr(feature, "names", None)
    if names is None:  # a Sequence(ClassLabel) feature (NER tags)
        names = getattr(getattr(feature, "feature", None), "names", None)
    return list(names) if names else None


def _table_references(
    spec: str, name: str, task: TaskSpec, n: int, label_column: str | None,
    split: str | None, config: str | None, data_files: Any = None,
) -> References | None:  # fmt: skip
    """References of a Hub dataset (online or from the local caches), a dataset folder or
    a glob, opened as :func:`~joulebench.data.sources.load_rows` opens them."""
    from .sources import open_table

    try:
        stream = open_table(spec, task, split=split, config=config, data_files=data_files)
        rows = [dict(r) for r in itertools.islice(iter(stream.rows), n)]
        columns = list(rows[0]) if rows else []
        ref = reference_column(name, columns, task.name, label_column=label_column, config=config)
        if ref is None:
            return None
        label_names = _label_names(stream.features, ref.column) or list(ref.names) or None
        return find_references(
            name, rows, task.name, label_column=label_column, label_names=label_names,
            config=config,
        )  # fmt: skip
    except UsageError:
        raise
    except Exception as exc:  # the rows themselves loaded; the references could not
        raise DataError(f"cannot read the references of {spec!r}: {exc}") from exc
