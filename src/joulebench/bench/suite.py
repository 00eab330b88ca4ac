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
to a ``.toml`` file.
"""

from __future__ import annotations

import sys
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


def _settings(table: dict[str, Any], where: str) -> dict[str, Any]:
    unknown = set(table) - _OVERRIDABLE
    if unknown:
        raise UsageError(
            f"{where}: unknown setting(s) {', '.join(sorted(unknown))}",
            hint="valid settings: " + ", ".join(sorted(_OVERRIDABLE)),
        )
    return dict(table)


def parse_suite(doc: dict[str, Any], source: str = "") -> Suite:
    """Build a Suite from a parsed TOML document; errors name the file and the entry."""
    where = source or "suite"
    try:
        name = str(doc["name"])
        datasets = []
        for d in doc.get("datasets", []):
            datasets.append(
                DatasetEntry(
                    id=str(d["id"]),
                    task=str(d["task"]),
                    spec=str(d["spec"]),
                    split=d.get("split"),
                    column=d.get("column"),
                    config=d.get("config"),
                    label=d.get("label"),
                    options=dict(d.get("options", {})),
                )
            )
        ids = [d.id for d in datasets]
        if len(set(ids)) != len(ids):
            raise UsageError(f"{where}: duplicate dataset ids")
        groups = []
        for i, g in enumerate(doc.get("jobs", [])):
            missing = [x for x in g.get("datasets", []) if x not in ids]
            if missing:
                raise UsageError(
                    f"{where}: jobs[{i}] names unknown dataset(s) {', '.join(missing)}"
                    f"{closest(missing[0], ids)}"
                )
            extra = {
                k: v for k, v in g.items() if k not in ("models", "datasets", "group", "options")
            }
            groups.append(
                JobGroup(
                    models=tuple(g["models"]),
                    datasets=tuple(g["datasets"]),
                    group=g.get("group"),
                    settings=_settings(extra, f"{where}: jobs[{i}]"),
                    options=dict(g.get("options", {})),
                )
            )
        suite = Suite(
            name=name,
            description=str(doc.get("description", "")).strip(),
            datasets=tuple(datasets),
            groups=tuple(groups),
            defaults=_settings(dict(doc.get("defaults", {})), f"{where}: [defaults]"),
            source=source,
        )
    except KeyError as exc:
        raise UsageError(f"{where}: missing key {exc.args[0]!r}") from exc
    suite.jobs()  # validate every job now (bad dtype, n_queries ...), not mid-run
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
        text = path.read_text(encoding="utf-8")
        source = str(path)
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
