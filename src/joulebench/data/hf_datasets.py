"""Tables read through Hugging Face ``datasets``: Hub ids, local dataset folders, globs.

- A **Hub id** streams from the Hub when it can be reached. Offline (``HF_DATASETS_OFFLINE``
  / ``HF_HUB_OFFLINE`` set, or the Hub unreachable) it loads from the local caches: the
  ``datasets`` cache (``HF_DATASETS_CACHE``, what an earlier ``load_dataset`` left) or
  a snapshot in the Hub cache (``HF_HUB_CACHE``, ``datasets--<org>--<name>/snapshots/``,
  what ``huggingface-cli download --repo-type dataset`` leaves). With the Hub unreachable
  but no offline flag set, ``datasets`` is put in offline mode for that call, so it never
  spends its retries on a network that is not there.
- A **local folder** of Parquet, CSV or JSON files (a cloned dataset repository) is a
  dataset: ``datasets`` reads its ``README.md`` configs and takes splits from the file
  names (``train-*.parquet``, ``test/...``). Git LFS pointers left by a clone without
  ``git lfs pull`` are named as such.
- **Data files** (``data_files``: a glob, a list, or a split -> glob mapping) pick files
  of a Hub dataset or a folder; a glob given as the dataset itself
  (``"data/*.parquet"``) is read with the builder of its file type.

Everything is streamed: only the first rows are read.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DataError

DataFiles = str | Sequence[str] | Mapping[str, str | Sequence[str]]
# File type -> the ``datasets`` builder that reads it.
BUILDERS = {".parquet": "parquet", ".csv": "csv", ".tsv": "csv", ".json": "json",
            ".jsonl": "json", ".arrow": "arrow"}
GLOB_CHARS = "*?["
SPLIT_PREFERENCE = ("test", "validation", "train")
_TRUE = {"1", "true", "yes", "on"}
_LFS_POINTER = b"version https://git-lfs.github.com/spec/"


@dataclass(frozen=True)
class Stream:
    """The chosen split of a dataset, opened for streaming."""

    rows: Any  # an iterable of dict rows (a datasets.IterableDataset)
    columns: list[str]
    split: str
    features: Any  # datasets.Features or None
    licence: str | None
    source: str  # where it came from, for the record


def offline_reason() -> str | None:
    """``"offline mode (HF_DATASETS_OFFLINE=1)"`` when an offline flag applies to
    ``datasets``, else None. ``HF_DATASETS_OFFLINE`` wins over ``HF_HUB_OFFLINE``, as in
    ``datasets`` itself (``HF_DATASETS_OFFLINE=0`` turns it off)."""
    for name in ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        value = os.environ.get(name)
        if value is None or not value.strip():
            continue
        if value.strip().lower() in _TRUE:
            return f"offline mode ({name}={value.strip()})"
        if name == "HF_DATASETS_OFFLINE":
            return None
    return None


def hub_unavailable() -> str | None:
    """Why the Hub cannot be used for datasets now (offline flag, unreachable), or None."""
    reason = offline_reason()
    if reason is not None:
        return reason
    from ..models.hub import hub_endpoint, hub_reachable

    if not hub_reachable():
        return f"{hub_endpoint()} cannot be reached"
    return None


def datasets_cache_dir() -> Path:
    """``HF_DATASETS_CACHE``, else ``$HF_HOME/datasets``, else ``~/.cache/huggingface/datasets``."""
    if os.environ.get("HF_DATASETS_CACHE"):
        return Path(os.path.expanduser(os.environ["HF_DATASETS_CACHE"]))
    return _hf_home() / "datasets"


def hub_cache_dir() -> Path:
    """``HF_HUB_CACHE`` (or ``HUGGINGFACE_HUB_CACHE``), else ``$HF_HOME/hub``."""
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(name):
            return Path(os.path.expanduser(os.environ[name]))
    return _hf_home() / "hub"


def _hf_home() -> Path:
    home = os.environ.get("HF_HOME")
    if home:
        return Path(os.path.expanduser(home))
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache")
    return Path(os.path.expanduser(xdg)) / "huggingface"


def cached_arrow_dataset(repo_id: str) -> Path | None:
    """The ``datasets`` cache folder of ``repo_id`` (``<org>___<name>/``) if it holds a
    prepared dataset (``<config>/<version>/<hash>/dataset_info.json``)."""
    import re

    *namespace, name = repo_id.split("/")
    snake = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)  # datasets' camelcase_to_snakecase
    snake = re.sub(r"([a-z\d])([A-Z])", r"\1_\2", snake).lower()
    root = datasets_cache_dir() / "___".join([*namespace, snake])
    found = glob.glob(str(root / "*" / "*" / "*" / "dataset_info.json"))
    return root if found else None


def cached_hub_snapshot(repo_id: str, revision: str | None = None) -> Path | None:
    """The Hub-cache snapshot of dataset ``repo_id`` (``refs/<revision or main>``, else the
    newest snapshot) if it holds data files."""
    root = hub_cache_dir() / ("datasets--" + repo_id.replace("/", "--"))
    snapshots = root / "snapshots"
    if not snapshots.is_dir():
        return None
    ref = root / "refs" / (revision or "main")
    chosen = snapshots / ref.read_text(encoding="utf-8").strip() if ref.is_file() else None
    if chosen is None or not chosen.is_dir():
        candidates = sorted((p for p in snapshots.iterdir() if p.is_dir()),
                            key=lambda p: p.stat().st_mtime)
        chosen = candidates[-1] if candidates else None
    return chosen if chosen is not None and data_files_in(chosen) else None


def cached_copy(repo_id: str) -> str | None:
    """Where a local copy of Hub dataset ``repo_id`` lies, in words, or None."""
    arrow = cached_arrow_dataset(repo_id)
    if arrow is not None:
        return f"the datasets cache ({arrow})"
    snapshot = cached_hub_snapshot(repo_id)
    return f"the Hub cache ({snapshot})" if snapshot is not None else None


def data_files_in(folder: Path) -> list[Path]:
    """Data files (Parquet, CSV, JSON, Arrow) under ``folder``, hidden folders skipped
    (``.git``), as ``datasets`` skips them."""
    found = []
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if any(p.startswith((".", "__")) for p in parts):
            continue
        if path.suffix.lower() in BUILDERS and path.is_file():
            found.append(path)
    return found


def is_glob(spec: str) -> bool:
    return any(c in spec for c in GLOB_CHARS)


def glob_files(pattern: str) -> list[Path]:
    return [Path(p) for p in sorted(glob.glob(os.path.expanduser(pattern), recursive=True))
            if Path(p).is_file()]


def check_lfs_pointers(files: Sequence[Path]) -> None:
    """A Git LFS pointer where data should be: the clone lacks ``git lfs pull``."""
    for path in files:
        try:
            with path.open("rb") as handle:
                head = handle.read(len(_LFS_POINTER))
        except OSError as exc:
            raise DataError(f"cannot read {path}: {exc.strerror or exc}") from exc
        if head == _LFS_POINTER:
            raise DataError(f"{path} is a Git LFS pointer, not the data file",
                            hint="fetch the files: git lfs pull (in the cloned repository)")


@contextmanager
def _offline(active: bool) -> Iterator[None]:
    """``datasets`` (and huggingface_hub) in offline mode for one call: no retries on a
    network that cannot be reached."""
    if not active:
        yield
        return
    import datasets.config as dconfig
    import huggingface_hub.constants as hconstants

    saved = dconfig.HF_HUB_OFFLINE, hconstants.HF_HUB_OFFLINE
    dconfig.HF_HUB_OFFLINE = hconstants.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        dconfig.HF_HUB_OFFLINE, hconstants.HF_HUB_OFFLINE = saved


def _open(path: str, *, source: str, config: str | None, split: str | None,
          data_files: DataFiles | None, offline: bool, cache_dir: Path | None = None,
          hint: str | None = None) -> Stream:
    """``datasets.load_dataset(path, streaming=True)``, the split chosen, errors translated."""
    try:
        import datasets

        kwargs: dict[str, Any] = {"name": config, "streaming": True}
        if data_files is not None:
            kwargs["data_files"] = data_files
        if cache_dir is not None:
            kwargs["cache_dir"] = str(cache_dir)
        with _offline(offline):
            streams = datasets.load_dataset(path, **kwargs)
            names = list(streams)
            chosen = split or next((s for s in SPLIT_PREFERENCE if s in names),
                                   names[0] if names else None)
            if chosen not in names:
                raise DataError(f"{source} has no split {chosen!r}; splits: {', '.join(names)}",
                                hint="pick one with --split")
            stream = streams[chosen]
            columns = list(stream.features or {}) or list(next(iter(stream), {}))
    except DataError:
        raise
    except ImportError as exc:
        raise DataError(f"cannot read {source}: {exc}",
                        hint="pip install 'joulebench[hf]' (it brings datasets)") from exc
    except Exception as exc:  # datasets raises many kinds: translate at the boundary
        text = " ".join(str(exc).split()) or type(exc).__name__
        raise DataError(f"cannot read {source}: {text}", hint=hint) from exc
    licence = getattr(getattr(stream, "info", None), "license", None) or None
    return Stream(rows=stream, columns=columns, split=str(chosen), features=stream.features,
                  licence=licence, source=source)


def open_hub(spec: str, *, config: str | None = None, split: str | None = None,
             data_files: DataFiles | None = None) -> Stream:
    """A Hub dataset: streamed from the Hub, or from a local cache when offline."""
    why = hub_unavailable()
    label = f"Hugging Face dataset {spec}" + (f" ({config})" if config else "")
    if why is None:
        return _open(spec, source=label, config=config, split=split, data_files=data_files,
                     offline=False,
                     hint="check the dataset id, --config and --split on its Hub page")
    arrow = cached_arrow_dataset(spec)
    if arrow is not None and data_files is None:
        return _open(spec, source=f"{label} from the datasets cache ({why})", config=config,
                     split=split, data_files=None, offline=True, cache_dir=datasets_cache_dir(),
                     hint="the cached copy has other configs; name one with --config")
    snapshot = cached_hub_snapshot(spec)
    if snapshot is not None:
        check_lfs_pointers(data_files_in(snapshot))
        return _open(str(snapshot), source=f"{label} from the Hub cache ({why})", config=config,
                     split=split, data_files=data_files, offline=True)
    raise not_cached(spec, why)


def not_cached(spec: str, why: str) -> DataError:
    """The error for a Hub dataset that cannot be had now: ``why`` (offline, unreachable)."""
    return DataError(
        f"cannot load dataset {spec!r}: {why}, and it is not in the local cache "
        f"({datasets_cache_dir()}, {hub_cache_dir()})",
        hint="download it once with network access (datasets.load_dataset or `huggingface-cli "
             "download --repo-type dataset`), or use a local folder, a file or offline:text",
    )


def open_folder(path: Path, *, config: str | None = None, split: str | None = None,
                data_files: DataFiles | None = None) -> Stream:
    """A local dataset folder (a cloned dataset repository, or a folder of data files)."""
    files = data_files_in(path) if data_files is None else [
        f for pattern in _patterns(data_files) for f in glob_files(str(path / pattern))]
    if not files:
        what = "matches --data-files" if data_files is not None else "is a data file"
        raise DataError(f"nothing in the folder {path} {what} "
                        f"({', '.join(sorted(set(BUILDERS)))})")
    check_lfs_pointers(files)
    return _open(str(path), source=f"local dataset folder {path}", config=config, split=split,
                 data_files=data_files, offline=True)


def open_glob(pattern: str, *, split: str | None = None) -> Stream:
    """Files matching ``pattern`` (one file type), read with that type's builder."""
    files = glob_files(pattern)
    if not files:
        raise DataError(f"no file matches {pattern!r}")
    suffixes = {f.suffix.lower() for f in files}
    builders = {BUILDERS.get(s) for s in suffixes}
    if None in builders or len(builders) != 1:
        raise DataError(f"{pattern!r} matches {', '.join(sorted(suffixes))} files",
                        hint="match one kind of data file: " + ", ".join(sorted(set(BUILDERS))))
    check_lfs_pointers(files)
    builder = builders.pop()
    assert builder is not None
    data_files = [str(f) for f in files]
    return _open(builder, source=f"files {pattern} ({len(files)})", config=None, split=split,
                 data_files=data_files, offline=True)


def _patterns(data_files: DataFiles) -> list[str]:
    if isinstance(data_files, str):
        return [data_files]
    if isinstance(data_files, Mapping):
        out: list[str] = []
        for value in data_files.values():
            out.extend([value] if isinstance(value, str) else list(value))
        return out
    return list(data_files)
