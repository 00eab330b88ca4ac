"""``load_rows``: the first N examples of a dataset, wherever it lives.

Specs:
- ``offline:text`` / ``offline:qa`` / ``offline:sentence-pairs`` / ``offline:photos`` /
  ``offline:prompts`` / ``offline:audio`` (:mod:`.offline`): no network;
- a local file (.csv, .tsv, .jsonl, .json, .parquet), a folder of images, or (speech
  recognition) a folder of .wav files or one .wav file;
- a Hugging Face ``datasets`` id, streamed (``config``, ``split``; the first N rows only).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import DataError, UsageError
from ..spec import InputKind, TaskSpec
from .offline import PREFIX, offline_sample
from .rows import FILE_SUFFIXES, read_file, resolve_columns, take_examples
from .sample import DatasetSample, fingerprint

USER_LICENCE = "user-supplied data (licence not recorded)"
SPLIT_PREFERENCE = ("test", "validation", "train")


def load_rows(spec: str, *, task: TaskSpec, column: str | None = None, n: int = 1000,
              split: str | None = None, config: str | None = None) -> DatasetSample:
    """The first ``n`` examples of ``spec`` for ``task``, in the form its ``prepare()`` takes."""
    if n <= 0:
        raise UsageError(f"the number of rows must be positive, got {n}")
    if not spec or not spec.strip():
        raise UsageError("empty dataset name")
    columns: tuple[str, ...] = ()
    if spec.startswith(PREFIX):
        rows, source, licence = offline_sample(spec, n)
    else:
        path = Path(os.path.expanduser(spec))
        if task.input_kind == InputKind.AUDIO and (path.is_dir() or path.suffix.lower() == ".wav"):
            rows, source, licence = _audio_files(path, n), f"audio files {path}", USER_LICENCE
        elif path.is_dir():
            rows, source, licence = _image_folder(path, task, n), f"image folder {path}", USER_LICENCE
        elif path.is_file():
            names, table = read_file(path)
            columns = resolve_columns(names, task, column)
            rows, source, licence = take_examples(table, columns, task, n), f"file {path}", USER_LICENCE
            source += f", column {','.join(columns)}"
        elif spec.startswith((".", "/", "~")) or path.suffix.lower() in FILE_SUFFIXES:
            raise DataError(f"data file {spec!r} does not exist")
        else:
            rows, source, licence, columns = _hub(spec, task, column, n, split, config)
    if not rows:
        raise DataError(f"dataset {spec!r} has no rows", hint="check the split and the file")
    return DatasetSample(name=spec, rows=rows, fingerprint=fingerprint(rows), source=source,
                         licence=licence, columns=columns)


def _image_folder(path: Path, task: TaskSpec, n: int) -> list[Any]:
    if task.input_kind != InputKind.IMAGE:
        raise DataError(f"{path} is a folder; {task.name} reads a data file",
                        hint="data files: " + ", ".join(FILE_SUFFIXES))
    from .images import load_image_folder

    return load_image_folder(path, n)


def _audio_files(path: Path, n: int) -> list[Any]:
    from .audio import load_wav_folder, read_wav

    if path.is_dir():
        return load_wav_folder(path, n)
    if not path.is_file():
        raise DataError(f"audio file {str(path)!r} does not exist")
    return [read_wav(path)]


def _hub(spec: str, task: TaskSpec, column: str | None, n: int, split: str | None,
         config: str | None) -> tuple[list[Any], str, str, tuple[str, ...]]:
    from ..models.hub import hub_endpoint, hub_reachable, offline_forced

    hint = "use a local file (.csv, .jsonl, .parquet) or an offline sample (offline:text, offline:qa)"
    if not hub_reachable() or os.environ.get("HF_DATASETS_OFFLINE", "") in ("1", "true"):
        why = "offline mode is set" if offline_forced() else f"{hub_endpoint()} cannot be reached"
        raise DataError(f"cannot stream dataset {spec!r}: {why}", hint=hint)
    try:
        import datasets

        streams = datasets.load_dataset(spec, name=config, streaming=True)
        names = list(streams)
        chosen = split or next((s for s in SPLIT_PREFERENCE if s in names), names[0] if names else None)
        if chosen not in names:
            raise DataError(f"dataset {spec!r} has no split {chosen!r}; splits: {', '.join(names)}")
        stream = streams[chosen]
        available = list(stream.features or {}) or list(next(iter(stream), {}))
        columns = resolve_columns(available, task, column)
        rows = take_examples(iter(stream), columns, task, n)
        licence = getattr(stream.info, "license", None) or f"see the dataset card of {spec}"
    except DataError:
        raise
    except (OSError, ValueError, ConnectionError, FileNotFoundError) as exc:
        raise DataError(f"cannot stream dataset {spec!r}: {exc}", hint=hint) from exc
    source = f"Hugging Face dataset {spec}" + (f" ({config})" if config else "")
    source += f", split {chosen}, column {','.join(columns)}, first {n} rows (streamed)"
    return rows, source, licence, columns
