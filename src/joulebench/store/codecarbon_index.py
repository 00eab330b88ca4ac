"""Run labels for imported CodeCarbon runs: which task, model and dataset a run id is.

An index is built from any mix of:

- the Power Hungry Processing study's ``data/emissions/complete/<task>_<dataset>.csv``
  files (a directory or single files): each row's ``run_id`` -> ``project_name`` (the
  model); the file name gives task and dataset (see :data:`STUDY_TASK_PREFIXES`). Image
  tasks have ``_resized`` variants (640x480 inputs, what the paper's figures use); the
  variant is part of the dataset label, e.g. ``cifar10 [resized 640x480]`` vs
  ``cifar10 [original size]``;
- a plain mapping CSV with columns ``run_id, task, model, dataset`` (optional
  ``n_queries``, ``zero_shot``);
- the study's ``eval/performance.csv`` (quality per model and dataset) and
  ``data/model_parameters.csv`` (parameter counts); both are found next to a study
  ``complete/`` directory automatically.

Study runs get ``n_queries`` = 1,000 and a cohort part's ``study`` with the source file, the
variant and ``table2``: whether the run belongs to the paper's Table 2 cohort
(task-specific models; image tasks' resized runs; the 80 models of the paper's Table 6)
and ``multipurpose``: whether it is one of the paper's 8 multi-purpose models run
zero-shot (Flan-T5 and BLOOMz; Section 4.3).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DataError, UsageError, closest

STUDY_N_QUERIES = 1000
STUDY_SUITE = "power-hungry-processing"

# File-name prefix -> (task, zero_shot). Longest prefixes first.
STUDY_TASK_PREFIXES: dict[str, tuple[str, bool]] = {
    "zeroshot_sentiment": ("text-classification", True),
    "zeroshot_summarize": ("summarization", True),
    "zeroshot_qa": ("question-answering", True),
    "text_classif": ("text-classification", False),
    "token_classif": ("token-classification", False),
    "obj_detection": ("object-detection", False),
    "image_class": ("image-classification", False),
    "summarize": ("summarization", False),
    "fillmask": ("fill-mask", False),
    "textgen": ("text-generation", False),
    "qa": ("question-answering", False),
    "itt": ("image-to-text", False),
    "tti": ("text-to-image", False),
}
IMAGE_INPUT_TASKS = frozenset({"image-classification", "object-detection", "image-to-text"})

# The study's short dataset names -> Hugging Face Hub ids (design.md).
STUDY_DATASETS: dict[str, str] = {
    "imdb": "imdb",
    "sst2": "sst2",
    "tomatoes": "rotten_tomatoes",
    "sciq": "sciq",
    "squad": "squad",
    "squadv2": "squad_v2",
    "squad2": "squad_v2",
    "squad_v2": "squad_v2",
    "samsum": "samsum",
    "cnn": "cnn_dailymail",
    "xsum": "xsum",
    "bookcorpus": "bookcorpus",
    "c4": "c4",
    "oscar": "oscar",
    "wikitext": "wikitext",
    "conll2003": "conll2003",
    "record": "super_glue/record",
    "wikiann": "wikiann",
    "cifar10": "cifar10",
    "cifar100": "cifar100",
    "imagenet": "imagenet-1k",
    "cppe": "cppe-5",
    "coco": "rafaelpadilla/coco2017",
    "visualgenome": "visual_genome",
    "redcaps": "red_caps",
    "diffusiondb": "poloclub/diffusiondb",
    "imagereward": "THUDM/ImageRewardDB",
    "sd_prompts": "Gustavosta/Stable-Diffusion-Prompts",
}
RESIZED = "resized 640x480"
ORIGINAL = "original size"

# Logged runs of models the paper's Table 6 does not list. Leaving them out of the
# Table 2 cohort reproduces its image generation row (2.907 kWh, std 3.31); with them the
# logs give 2.586 (3.03).
STUDY_EXTRA_MODELS = frozenset(
    {"SG161222/Realistic_Vision_V1.4", "stabilityai/stable-diffusion-2-1-base"}
)
# The 8 multi-purpose models the paper compares with task-specific ones (Section 4.3);
# the zero-shot logs also hold gpt2, bloom-560m, opt-1.3b and Llama-2-7b runs.
STUDY_MULTIPURPOSE_MODELS = frozenset(
    {f"google/flan-t5-{s}" for s in ("base", "large", "xl", "xxl")}
    | {f"bigscience/bloomz-{s}" for s in ("560m", "1b7", "3b", "7b1")}
)


@dataclass(frozen=True)
class RunLabels:
    """What an index says about one run id."""

    task: str | None
    model: str | None
    dataset: str | None
    n_queries: int | None = None
    zero_shot: bool = False
    suite: str | None = None
    study: dict[str, Any] | None = None


@dataclass
class ImportIndex:
    """run id -> labels, (model, dataset) -> quality, model -> parameter count."""

    runs: dict[str, RunLabels] = field(default_factory=dict)
    quality: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    parameters: dict[str, int] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)


def parse_study_name(stem: str) -> tuple[str, bool, str, str | None]:
    """``image_class_cifar10_resized`` -> (task, zero_shot, dataset label, variant)."""
    match = next((p for p in STUDY_TASK_PREFIXES if stem.startswith(p + "_")), None)
    if match is None:
        raise DataError(
            f"unknown study task prefix in index file {stem}.csv",
            hint="known prefixes: " + ", ".join(STUDY_TASK_PREFIXES),
        )
    task, zero_shot = STUDY_TASK_PREFIXES[match]
    rest = stem[len(match) + 1 :]
    resized = rest.endswith("_resized")
    rest = re.sub(r"_(resized|bloomz|15)$", "", rest)
    rest = re.sub(r"_(resized|bloomz|15)$", "", rest)
    hub = STUDY_DATASETS.get(rest.lower())
    if hub is None:
        raise DataError(
            f"unknown study dataset {rest!r} in index file {stem}.csv",
            hint="known datasets: " + ", ".join(STUDY_DATASETS),
        )
    variant = None
    if task in IMAGE_INPUT_TASKS:
        variant = RESIZED if resized else ORIGINAL
        hub = f"{hub} [{variant}]"
    return task, zero_shot, hub, variant


def _read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            return list(reader.fieldnames or []), rows
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"cannot read index file {path}: {exc}") from exc


def _add_study_file(
    index: ImportIndex, path: Path, header: list[str], rows: list[dict[str, str]]
) -> None:
    task, zero_shot, dataset, variant = parse_study_name(path.stem)
    for row in rows:
        model = row.get("project_name") or None
        table2 = not zero_shot and variant != ORIGINAL and model not in STUDY_EXTRA_MODELS
        index.runs[row["run_id"]] = RunLabels(
            task=task,
            model=model,
            dataset=dataset,
            n_queries=STUDY_N_QUERIES,
            zero_shot=zero_shot,
            suite=STUDY_SUITE,
            study={
                "file": path.name,
                "variant": variant,
                "table2": table2,
                "multipurpose": zero_shot and model in STUDY_MULTIPURPOSE_MODELS,
            },
        )


def _add_plain_file(index: ImportIndex, path: Path, rows: list[dict[str, str]]) -> None:
    for i, row in enumerate(rows, start=2):
        n = row.get("n_queries") or None
        try:
            n_queries = int(n) if n else None
        except ValueError as exc:
            raise DataError(f"{path}:{i}: n_queries {n!r} is not an integer") from exc
        index.runs[row["run_id"]] = RunLabels(
            task=row.get("task") or None,
            model=row.get("model") or None,
            dataset=row.get("dataset") or None,
            n_queries=n_queries,
            zero_shot=(row.get("zero_shot") or "").lower() in {"1", "true", "yes"},
        )


_PERF_COLUMN = re.compile(r"^\s*([A-Za-z0-9_]+)\s*\((.+)\)\s*$")


def _add_performance(index: ImportIndex, path: Path, rows: list[dict[str, str]]) -> None:
    for row in rows:
        model = row.get("model")
        for col, value in row.items():
            m = _PERF_COLUMN.match(col or "")
            if not m or not value or not model:
                continue
            hub = STUDY_DATASETS.get(m.group(1).lower())
            try:
                v = float(value)
            except ValueError as exc:
                raise DataError(f"{path}: quality {value!r} for {model} is not a number") from exc
            if hub is not None:
                index.quality[(model, hub)] = {"metric": m.group(2).strip(), "value": v}


def _add_parameters(index: ImportIndex, path: Path, rows: list[dict[str, str]]) -> None:
    for row in rows:
        try:
            index.parameters[row["model_name"]] = int(float(row["num_parameters"]))
        except (KeyError, ValueError) as exc:
            raise DataError(f"{path}: bad parameter row {row}") from exc


def add_index_file(index: ImportIndex, path: Path) -> None:
    """Add one file, recognised by its header: study index, plain mapping, quality, sizes."""
    header, rows = _read_rows(path)
    cols = set(header)
    if {"model_name", "num_parameters"} <= cols:
        _add_parameters(index, path, rows)
    elif {"model", "task", "type"} <= cols:
        _add_performance(index, path, rows)
    elif {"run_id", "task", "model", "dataset"} <= cols:
        _add_plain_file(index, path, rows)
    elif {"run_id", "project_name"} <= cols:
        _add_study_file(index, path, header, rows)
    else:
        raise DataError(
            f"index file {path}: unrecognised columns",
            hint="expected a study complete/<task>_<dataset>.csv (run_id, project_name), "
            "a mapping (run_id, task, model, dataset), performance.csv or model_parameters.csv",
        )
    index.sources.append(str(path))


def _companions(directory: Path) -> list[Path]:
    """The study's quality and parameter files next to a ``complete/`` directory."""
    root = directory.resolve()
    found = []
    for candidate in (
        root.parent.parent / "model_parameters.csv",  # data/model_parameters.csv
        root.parent.parent.parent / "eval" / "performance.csv",
    ):
        if candidate.is_file():
            found.append(candidate)
    return found


def load_index(paths: Iterable[str | Path]) -> tuple[ImportIndex, list[str]]:
    """Build an index from files and directories; returns it and one line per problem.

    A directory contributes its ``*.csv`` files (and, for a study ``complete/``
    directory, the study's ``model_parameters.csv`` and ``eval/performance.csv``).
    A missing path raises :class:`UsageError`; a file that cannot be used is a problem
    line and the rest still load.
    """
    index = ImportIndex()
    problems: list[str] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files = sorted(p.glob("*.csv")) + _companions(p)
        elif p.is_file():
            files = [p]
        else:
            raise UsageError(f"index path not found: {p}")
        for f in files:
            try:
                add_index_file(index, f)
            except DataError as exc:
                problems.append(str(exc) + (f" ({exc.hint})" if exc.hint else ""))
    return index, problems


def check_tasks(index: ImportIndex, known: Sequence[str]) -> None:
    """Refuse an index that labels runs with a task joulebench does not know: stored, such
    runs would sit outside every task's figures."""
    unknown: dict[str, int] = {}
    for labels in index.runs.values():
        if labels.task is not None and labels.task not in known:
            unknown[labels.task] = unknown.get(labels.task, 0) + 1
    if unknown:
        task, count = next(iter(unknown.items()))
        more = f" (and {len(unknown) - 1} other unknown task(s))" if len(unknown) > 1 else ""
        raise UsageError(
            f"the index names an unknown task {task!r} for {count} run(s)"
            f"{closest(task, known)}{more}; nothing was imported",
            hint="tasks: " + ", ".join(known),
        )
