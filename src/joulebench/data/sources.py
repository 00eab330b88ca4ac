"""``load_rows``: the first N examples of a dataset, wherever it lives.

Specs (:func:`kind_of` tells which one a spec is):
- ``offline:text`` / ``offline:qa`` / ``offline:sentence-pairs`` / ``offline:photos`` /
  ``offline:prompts`` / ``offline:audio`` (:mod:`.offline`): no network;
- a local file (.csv, .tsv, .jsonl, .json, .parquet), a folder of images (image tasks),
  a folder of .wav files or one .wav file (speech recognition);
- a local dataset folder of Parquet/CSV/JSON files (a cloned dataset repository), or a
  glob of data files (``"data/*.parquet"``), read through ``datasets``
  (:mod:`.hf_datasets`);
- a Hugging Face ``datasets`` id, streamed (``config``, ``split``, ``data_files``; the
  first N rows only), or read from the local caches when offline.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import DataError, UsageError
from ..spec import InputKind, TaskSpec
from .hf_datasets import (
    SPLIT_PREFERENCE,
    DataFiles,
    Stream,
    data_files_in,
    is_glob,
    open_folder,
    open_glob,
    open_hub,
)
from .offline import PREFIX, offline_sample
from .rows import FILE_SUFFIXES, read_file, resolve_columns, take_examples
from .sample import DatasetSample, fingerprint

USER_LICENCE = "user-supplied data (licence not recorded)"
__all__ = ["SPLIT_PREFERENCE", "USER_LICENCE", "kind_of", "load_rows", "open_table"]

# What a dataset spec is (kind_of).
OFFLINE, FILE, AUDIO_FILES, IMAGE_FOLDER, DATA_FOLDER, GLOB, MISSING, HUB = (
    "offline", "file", "audio files", "image folder", "data folder", "glob", "missing", "hub")


def _has(folder: Path, suffixes: tuple[str, ...]) -> bool:
    return any(p.is_file() and p.suffix.lower() in suffixes for p in folder.iterdir())


def kind_of(spec: str, task: TaskSpec) -> str:
    """Which kind of source ``spec`` is for ``task`` (no data is read)."""
    if spec.startswith(PREFIX):
        return OFFLINE
    path = Path(os.path.expanduser(spec))
    if task.input_kind == InputKind.AUDIO and path.suffix.lower() == ".wav":
        return AUDIO_FILES if path.is_file() else MISSING
    if path.is_dir():
        from .audio import AUDIO_SUFFIXES
        from .images import IMAGE_SUFFIXES

        own = {InputKind.AUDIO: (AUDIO_SUFFIXES, AUDIO_FILES),
               InputKind.IMAGE: (IMAGE_SUFFIXES, IMAGE_FOLDER)}.get(task.input_kind)
        if own is not None and (_has(path, own[0]) or not data_files_in(path)):
            return own[1]  # a folder of the task's own files (or of nothing usable)
        return DATA_FOLDER
    if path.is_file():
        return FILE
    if is_glob(spec):
        return GLOB
    if spec.startswith((".", "/", "~")) or path.suffix.lower() in FILE_SUFFIXES:
        return MISSING
    return HUB


def load_rows(spec: str, *, task: TaskSpec, column: str | None = None, n: int = 1000,
              split: str | None = None, config: str | None = None,
              data_files: DataFiles | None = None) -> DatasetSample:
    """The first ``n`` examples of ``spec`` for ``task``, in the form its ``prepare()`` takes."""
    if n <= 0:
        raise UsageError(f"the number of rows must be positive, got {n}")
    if not spec or not spec.strip():
        raise UsageError("empty dataset name")
    columns: tuple[str, ...] = ()
    kind = kind_of(spec, task)
    path = Path(os.path.expanduser(spec))
    if data_files is not None and kind not in (DATA_FOLDER, HUB):
        raise UsageError(f"--data-files does not apply to {spec!r} ({kind})",
                         hint="--data-files picks files of a dataset folder or a Hub dataset")
    if kind == OFFLINE:
        rows, source, licence = offline_sample(spec, n)
    elif kind == AUDIO_FILES:
        rows, source, licence = _audio_files(path, n), f"audio files {path}", USER_LICENCE
    elif kind == IMAGE_FOLDER:
        from .images import load_image_folder

        rows, source, licence = load_image_folder(path, n), f"image folder {path}", USER_LICENCE
    elif kind == FILE:
        names, table = read_file(path)
        columns = resolve_columns(names, task, column)
        rows, source, licence = take_examples(table, columns, task, n), f"file {path}", USER_LICENCE
        source += f", column {','.join(columns)}"
    elif kind == MISSING:
        raise DataError(f"data file {spec!r} does not exist")
    else:
        stream = open_table(spec, task, split=split, config=config, data_files=data_files)
        columns = resolve_columns(stream.columns, task, column)
        rows = take_examples(iter(stream.rows), columns, task, n)
        source = (f"{stream.source}, split {stream.split}, column {','.join(columns)}, "
                  f"first {n} rows (streamed)")
        fallback = f"see the dataset card of {spec}" if kind == HUB else USER_LICENCE
        licence = stream.licence or fallback
    if not rows:
        raise DataError(f"dataset {spec!r} has no rows", hint="check the split and the file")
    return DatasetSample(name=spec, rows=rows, fingerprint=fingerprint(rows), source=source,
                         licence=licence, columns=columns)


def open_table(spec: str, task: TaskSpec, *, split: str | None = None,
               config: str | None = None, data_files: DataFiles | None = None) -> Stream:
    """A dataset folder, glob or Hub id opened through ``datasets`` (streamed)."""
    kind = kind_of(spec, task)
    path = Path(os.path.expanduser(spec))
    if kind == DATA_FOLDER:
        return open_folder(path, config=config, split=split, data_files=data_files)
    if kind == GLOB:
        if data_files is not None:
            raise UsageError(f"--data-files with {spec!r}: the dataset is already a glob",
                             hint="give a folder or a Hub id with --data-files, or the glob alone")
        return open_glob(spec, split=split)
    if kind == HUB:
        return open_hub(spec, config=config, split=split, data_files=data_files)
    raise UsageError(f"{spec!r} ({kind}) is not read through datasets")


def _audio_files(path: Path, n: int) -> list[Any]:
    from .audio import load_wav_folder, read_wav

    if path.is_dir():
        return load_wav_folder(path, n)
    if not path.is_file():
        raise DataError(f"audio file {str(path)!r} does not exist")
    return [read_wav(path)]
