"""Checking a dataset spec before anything is measured: what can fail now fails now.

:func:`check_dataset` reads no rows. It refuses, in one line each: an unknown offline
sample (with the closest names), a local file or glob that is not there (with the
closest file names), a file type joulebench cannot read, a column the file does not
have, a malformed Hub id, an option that does not apply to the source (``--column``
with an offline sample, ``--split`` with a file, ``--config`` with anything but a Hub
dataset), and, with ``available=True``, a Hub dataset that cannot be had: offline or
the Hub unreachable, and no copy in the local caches.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import DataError, UsageError, closest
from ..spec import TaskSpec
from .hf_datasets import (
    DataFiles,
    cached_copy,
    check_lfs_pointers,
    data_files_in,
    glob_files,
    hub_unavailable,
    not_cached,
)
from .offline import PREFIX, SAMPLES
from .rows import FILE_SUFFIXES, read_file, resolve_columns
from .sources import (
    AUDIO_FILES,
    DATA_FOLDER,
    FILE,
    GLOB,
    HUB,
    IMAGE_FOLDER,
    MISSING,
    OFFLINE,
    kind_of,
)

# Hub repo ids: "name" or "org/name"; letters, digits, "-", "_", "."; no "--" or "..".
_HUB_PART = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$")
_WHAT = {OFFLINE: "an offline sample", FILE: "a single file", AUDIO_FILES: "audio files",
         IMAGE_FOLDER: "an image folder", DATA_FOLDER: "a dataset folder",
         GLOB: "a glob of files", HUB: "a Hub dataset"}
# Which sources each option applies to.
_APPLIES = {"column": {FILE, DATA_FOLDER, GLOB, HUB}, "split": {DATA_FOLDER, GLOB, HUB},
            "config": {DATA_FOLDER, HUB}, "data_files": {DATA_FOLDER, HUB}}
_FLAGS = {"column": "--column", "split": "--split", "config": "--config",
          "data_files": "--data-files"}


def check_hub_id(spec: str) -> None:
    parts = spec.split("/")
    bad = (len(parts) > 2 or not all(_HUB_PART.match(p) for p in parts)
           or "--" in spec or ".." in spec)
    if bad:
        raise UsageError(
            f"dataset {spec!r} is not a Hub dataset id, a local file or a folder",
            hint="Hub ids are NAME or ORG/NAME (letters, digits, '-', '_', '.'); local files "
                 "end in " + ", ".join(FILE_SUFFIXES) + "; offline samples: "
                 + ", ".join(PREFIX + s for s in SAMPLES),
        )


def _missing_path(spec: str) -> DataError:
    path = Path(os.path.expanduser(spec))
    parent = path.parent if str(path.parent) else Path(".")
    near = ""
    if parent.is_dir():
        usable = [p.name for p in parent.iterdir()
                  if p.is_dir() or p.suffix.lower() in (*FILE_SUFFIXES, ".wav")]
        near = closest(path.name, usable)
    elif not parent.exists():
        near = f" (folder {str(parent)!r} does not exist)"
    return DataError(f"data file {spec!r} does not exist{near}")


def _not_applicable(spec: str, kind: str, given: dict[str, object]) -> None:
    for option, value in given.items():
        if value is not None and kind not in _APPLIES[option]:
            where = sorted(_WHAT[k] for k in _APPLIES[option])
            raise UsageError(
                f"{_FLAGS[option]} {value!r} does not apply to {spec} ({_WHAT[kind]})",
                hint=f"{_FLAGS[option]} applies to " + ", ".join(where) + "; drop it",
            )


def _check_columns(path: Path, task: TaskSpec, column: str | None) -> None:
    """The file's columns against ``column`` (or the task's defaults), from its header."""
    try:
        names, rows = read_file(path)
    except ImportError:  # pyarrow missing: the extras check names it
        return
    close = getattr(rows, "close", None)
    resolve_columns(names, task, column)
    if callable(close):
        close()


def check_dataset(spec: str, task: TaskSpec, *, column: str | None = None,
                  split: str | None = None, config: str | None = None,
                  data_files: DataFiles | None = None, available: bool = True) -> str:
    """Refuse a dataset spec that cannot work for ``task``; return its kind (no rows read)."""
    if not spec or not spec.strip():
        raise UsageError("empty dataset name")
    kind = kind_of(spec, task)
    if kind == MISSING:
        raise _missing_path(spec)
    _not_applicable(spec, kind, {"column": column, "split": split, "config": config,
                                 "data_files": data_files})
    path = Path(os.path.expanduser(spec))
    if kind == OFFLINE:
        name = spec[len(PREFIX):]
        if name not in SAMPLES:
            near = closest(name, list(SAMPLES)).replace("mean: ", "mean: " + PREFIX)
            near = near.replace(", ", ", " + PREFIX)
            raise UsageError(f"unknown offline sample {spec!r}{near}",
                             hint="offline samples: " + ", ".join(PREFIX + s for s in SAMPLES))
    elif kind == FILE:
        if path.suffix.lower() not in FILE_SUFFIXES:
            raise UsageError(f"unsupported file type {path.suffix!r} for {spec}",
                             hint="data files: " + ", ".join(FILE_SUFFIXES)
                             + ", a dataset folder, or a folder of images")
        check_lfs_pointers([path])
        _check_columns(path, task, column)
    elif kind in (IMAGE_FOLDER, AUDIO_FILES):
        _check_media_folder(path, kind)
    elif kind == DATA_FOLDER:
        files = data_files_in(path)
        if not files:
            raise DataError(f"the folder {spec} holds no data files "
                            f"({', '.join(FILE_SUFFIXES)}, .arrow)")
        check_lfs_pointers(files)
        first = next((f for f in files if f.suffix.lower() in FILE_SUFFIXES), None)
        if first is not None and config is None and data_files is None:
            _check_columns(first, task, column)
    elif kind == GLOB:
        files = glob_files(spec)
        if not files:
            raise DataError(f"no file matches {spec!r}")
        check_lfs_pointers(files)
    else:
        check_hub_id(spec)
        if available:
            _check_hub_available(spec)
    return kind


def _check_media_folder(path: Path, kind: str) -> None:
    if kind == AUDIO_FILES and path.is_file():
        return
    from .audio import AUDIO_SUFFIXES
    from .images import IMAGE_SUFFIXES

    suffixes = AUDIO_SUFFIXES if kind == AUDIO_FILES else IMAGE_SUFFIXES
    if not any(p.suffix.lower() in suffixes for p in path.iterdir() if p.is_file()):
        raise DataError(f"no {'audio files' if kind == AUDIO_FILES else 'images'} and no data "
                        f"files in {str(path)!r}",
                        hint="expected files ending in " + ", ".join(suffixes)
                        + ", or Parquet/CSV/JSON data files")


def _check_hub_available(spec: str) -> None:
    why = hub_unavailable()
    if why is not None and cached_copy(spec) is None:
        raise not_cached(spec, why)
