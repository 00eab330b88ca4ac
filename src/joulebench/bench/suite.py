"""Suites: named grids of jobs, as data (TOML) shipped in ``joulebench/bench/suites/``.

A suite file::

    name = "quick"
    description = "..."

    [defaults]                 # any JobSpec field but task/model/dataset
    n_queries = 10
    repetitions = 2

    [[datasets]]               # each dataset belongs to one task
    id = "text-classification/imdb"
    task = "text-classification"
    spec = "imdb"              # what joulebench.data.load_rows takes
    split = "test"
    column = "text"
    label = "imdb"             # optional; defaults to the spec
    options = { }              # optional task options for this dataset

    [[jobs]]                   # every model x every dataset listed
    group = "task-specific"
    models = ["distilbert-base-uncased-finetuned-sst-2-english"]
    datasets = ["text-classification/imdb"]
    options = { }              # optional; n_queries, repetitions ... override defaults

Jobs take their task from their dataset. ``load_suite`` accepts a shipped name or a path
to a ``.toml`` file. Every key's type is checked (a string where a list of models
belongs is refused, never split into one job per character), as are task names; each
error is one line naming the file and the entry.
"""

from __future__ import annotations

import sys
import types
import typing
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import UsageError, closest
from .spec import JobSpec, count_jobs, freeze_options

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DEFAULT_SUITE = "quick"
_OVERRIDABLE = {
    f.name for f in fields(JobSpec) if f.name not in ("task", "model", "dataset", "options")
}


@dataclass(frozen=True)
class DatasetEntry:
    id: str
    task: str
    spec: str
    split: str | None = None
    column: str | None = None
    config: str | None = None
    label: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class JobGroup:
    models: tuple[str, ...]
    datasets: tuple[str, ...]
    group: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)  # JobSpec overrides
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Suite:
    name: str
    description: str
    datasets: tuple[DatasetEntry, ...]
    groups: tuple[JobGroup, ...]
    defaults: dict[str, Any] = field(default_factory=dict)
    source: str = ""  # where it was loaded from

    def jobs(self) -> list[JobSpec]:
        """The suite's jobs, in file order (group by group, model by model)."""
        by_id = {d.id: d for d in self.datasets}
        out: list[JobSpec] = []
        for g in self.groups:
            for model in g.models:
                for ds_id in g.datasets:
                    d = by_id[ds_id]
                    settings = {**self.defaults, **g.settings}
                    out.append(
                        JobSpec(
                            task=d.task,
                            model=model,
                            dataset=d.spec,
                            column=d.column,
                            split=d.split,
                            config=d.config,
                            options=freeze_options({**d.options, **g.options}),
                            group=g.group,
                            dataset_label=d.label,
                            **settings,
                        )
                    )
        return out

    def counts(self) -> dict[str, int]:
        c = count_jobs(self.jobs())
        return {"jobs": c.jobs, "models": c.models, "datasets": c.datasets, "queries": c.queries}


_TOML_TYPES = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
               list: "a list", dict: "a table"}


def _kind(value: Any) -> str:
    for kind, words in _TOML_TYPES.items():
        if type(value) is kind:
            return words
    return type(value).__name__


def _fits(value: Any, hint: Any) -> bool:
    """Whether a TOML value fits a JobSpec field's type (``int`` is not ``bool``;
    ``float`` takes integers)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return any(_fits(value, h) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    return True  # a type the check does not know: JobSpec validates it


def _words(hint: Any) -> str:
    args = [h for h in typing.get_args(hint) if h is not type(None)] or [hint]
    return " or ".join(_TOML_TYPES.get(h, getattr(h, "__name__", str(h))) for h in args)


def _settings(table: Any, where: str) -> dict[str, Any]:
    table = _table(table, where)
    unknown = set(table) - _OVERRIDABLE
    if unknown:
        raise UsageError(
            f"{where}: unknown setting(s) {', '.join(sorted(unknown))}",
            hint="valid settings: " + ", ".join(sorted(_OVERRIDABLE)),
        )
    hints = typing.get_type_hints(JobSpec)
    for key, value in table.items():
        if not _fits(value, hints.get(key, Any)):
            raise UsageError(f"{where}: {key} must be {_words(hints[key])}, got "
                             f"{_kind(value)} ({value!r})")
    return dict(table)


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise UsageError(f"{where} must be a table, got {_kind(value)} ({value!r})")
    return value


def _tables(doc: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    """An array of tables (``[[key]]``), each checked to be a table."""
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise UsageError(f"{where}: {key} must be an array of tables ([[{key}]]), got "
                         f"{_kind(value)}")
    return [_table(item, f"{where}: {key}[{i}]") for i, item in enumerate(value)]


def _text(table: dict[str, Any], key: str, where: str, *, required: bool = False) -> str | None:
    if key not in table:
        if required:
            raise UsageError(f"{where}: missing key {key!r}")
        return None
    value = table[key]
    if not isinstance(value, str) or (required and not value.strip()):
        what = "a non-empty string" if required else "a string"
        raise UsageError(f"{where}: {key} must be {what}, got {_kind(value)} ({value!r})")
    return value


def _strings(table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    if key not in table:
        raise UsageError(f"{where}: missing key {key!r}")
    value = table[key]
    if isinstance(value, str):
        raise UsageError(f"{where}: {key} must be a list of strings, got a string",
                         hint=f'write {key} = ["{value}"]')
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise UsageError(f"{where}: {key} must be a list of non-empty strings, got {value!r}")
    return tuple(value)


def _options(table: dict[str, Any], where: str) -> dict[str, Any]:
    options = _table(table.get("options", {}), f"{where}: options")
    for key, value in options.items():
        if not isinstance(value, str | int | float | bool):
            raise UsageError(f"{where}: option {key!r} must be a string, number or boolean, "
                             f"got {_kind(value)}")
    return dict(options)


def _check_task(name: str, where: str) -> None:
    from ..tasks.catalog import task_names

    known = task_names()
    if name not in known:
        raise UsageError(f"{where}: unknown task {name!r}{closest(name, known)}",
                         hint="valid tasks: " + ", ".join(known))


def parse_suite(doc: dict[str, Any], source: str = "") -> Suite:
    """Build a Suite from a parsed TOML document; errors name the file and the entry."""
    where = source or "suite"
    name = _text(doc, "name", where, required=True)
    assert name is not None
    datasets = []
    for i, d in enumerate(_tables(doc, "datasets", where)):
        at = f"{where}: datasets[{i}]"
        entry_id, task, spec = (_text(d, k, at, required=True) for k in ("id", "task", "spec"))
        assert entry_id is not None and task is not None and spec is not None
        at = f"{where}: dataset {entry_id!r}"
        _check_task(task, at)
        datasets.append(
            DatasetEntry(
                id=entry_id,
                task=task,
                spec=spec,
                split=_text(d, "split", at),
                column=_text(d, "column", at),
                config=_text(d, "config", at),
                label=_text(d, "label", at),
                options=_options(d, at),
            )
        )
    ids = [d.id for d in datasets]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise UsageError(f"{where}: duplicate dataset id(s) {', '.join(twice)}")
    groups = []
    for i, g in enumerate(_tables(doc, "jobs", where)):
        at = f"{where}: jobs[{i}]"
        models, names = _strings(g, "models", at), _strings(g, "datasets", at)
        missing = [x for x in names if x not in ids]
        if missing:
            raise UsageError(
                f"{at} names unknown dataset(s) {', '.join(missing)}{closest(missing[0], ids)}"
            )
        extra = {k: v for k, v in g.items() if k not in ("models", "datasets", "group", "options")}
        groups.append(
            JobGroup(
                models=models,
                datasets=names,
                group=_text(g, "group", at),
                settings=_settings(extra, at),
                options=_options(g, at),
            )
        )
    suite = Suite(
        name=name,
        description=(_text(doc, "description", where) or "").strip(),
        datasets=tuple(datasets),
        groups=tuple(groups),
        defaults=_settings(doc.get("defaults", {}), f"{where}: [defaults]"),
        source=source,
    )
    try:
        suite.jobs()  # validate every job now (bad dtype, n_queries ...), not mid-run
    except UsageError as exc:
        raise UsageError(f"{where}: {exc}", hint=exc.hint) from exc
    return suite


def _shipped() -> dict[str, Any]:
    root = resources.files("joulebench.bench") / "suites"
    return {p.name[: -len(".toml")]: p for p in root.iterdir() if p.name.endswith(".toml")}


def suite_names() -> list[str]:
    """Shipped suites, the default first."""
    names = sorted(_shipped())
    if DEFAULT_SUITE in names:
        names.remove(DEFAULT_SUITE)
        names.insert(0, DEFAULT_SUITE)
    return names


def load_suite(name_or_path: str) -> Suite:
    """A shipped suite by name, or a suite file by path; unknown names list the suites."""
    shipped = _shipped()
    if name_or_path in shipped:
        text = shipped[name_or_path].read_text(encoding="utf-8")
        source = f"joulebench/bench/suites/{name_or_path}.toml"
    elif name_or_path.endswith(".toml"):
        path = Path(name_or_path).expanduser()
        if not path.is_file():
            raise UsageError(f"suite file {name_or_path!r} does not exist")
        source = str(path)
        text = _read_text(path)
    else:
        raise UsageError(
            f"unknown suite {name_or_path!r}{closest(name_or_path, list(shipped))}",
            hint="suites: " + ", ".join(suite_names()) + " (or a path to a .toml file)",
        )
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{source}: not valid TOML ({exc})") from exc
    return parse_suite(doc, source)


def _read_text(path: Path) -> str:
    """A suite file's text: UTF-8 (TOML's encoding; a byte-order mark is dropped)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read suite file {str(path)!r}: {exc.strerror or exc}") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{path}: not UTF-8 text (byte {raw[exc.start]:#04x} at offset {exc.start})",
            hint="TOML files are UTF-8: re-save the file as UTF-8",
        ) from None
