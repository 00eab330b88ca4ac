"""The study's own quality figures: ``eval/performance.csv`` of its released data (Table 7).

One row per model and task, one column per dataset and metric (``sst2 (acc)``,
``squad (f1)``, ``squad_v2 (f1, has answer)``, ``samsum (rouge)`` ...).
:func:`load_study_quality` turns it into one :class:`StudyQuality` per filled cell, with
joulebench's task and dataset names. The study does not say which ROUGE its ``rouge``
columns are; they keep the metric name ``rouge``.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError

PERFORMANCE_CSV = Path("eval") / "performance.csv"
STUDY_TASKS = {
    "sentiment": "text-classification",
    "qa": "question-answering",
    "summarization": "summarization",
}
STUDY_DATASETS = {"tomatoes": "rotten_tomatoes", "cnn": "cnn_dailymail"}
STUDY_METRICS = {"acc": "accuracy", "f1": "f1", "rouge": "rouge"}
MULTI_PURPOSE_TYPES = ("decoder", "seq2seq")  # the zero-shot Flan-T5 and BLOOMZ rows
_HEADER = re.compile(r"(?P<dataset>[\w-]+) \((?P<metric>\w+)(?:, (?P<subset>[^)]+))?\)")


@dataclass(frozen=True)
class StudyQuality:
    """One of the study's quality figures (a fraction in [0, 1])."""

    model: str
    task: str  # joulebench's task name
    dataset: str  # joulebench's dataset name (rotten_tomatoes, cnn_dailymail ...)
    metric: str  # accuracy | f1 | rouge
    value: float
    model_type: str  # the study's: decoder, seq2seq, encoder-finetuned, seq2seq-finetuned
    multi_purpose: bool  # run zero-shot (Flan-T5, BLOOMZ)
    subset: str | None = None  # e.g. "has answer" (squad_v2)
    column: str = ""  # the column it came from


def performance_csv(path: str | os.PathLike[str]) -> Path:
    """The performance.csv at ``path``: the file itself, or the study's released folder."""
    p = Path(path).expanduser()
    candidate = p / PERFORMANCE_CSV if p.is_dir() else p
    if not candidate.is_file():
        raise DataError(f"the study's quality figures are not at {candidate}",
                        hint="point at the study's released folder (it holds eval/performance.csv)")
    return candidate


def load_study_quality(path: str | os.PathLike[str]) -> tuple[StudyQuality, ...]:
    """Every filled cell of the study's performance.csv, in file order."""
    source = performance_csv(path)
    try:
        with source.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            header = list(reader.fieldnames or [])
            table = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"cannot read {source}: {exc}") from exc
    missing = [c for c in ("model", "task", "type") if c not in header]
    if missing:
        raise DataError(f"{source} is not the study's performance.csv: no column {missing[0]!r}")
    cells = {c: _parse_header(c, source) for c in header if c not in ("model", "task", "type")}
    rows = []
    for number, row in enumerate(table, 2):
        task = STUDY_TASKS.get(row["task"].strip(), row["task"].strip())
        model_type = row["type"].strip()
        for column, (dataset, metric, subset) in cells.items():
            text = (row.get(column) or "").strip()
            if not text:
                continue
            try:
                value = float(text)
            except ValueError as exc:
                raise DataError(f"{source}:{number}: {column} is not a number: {text!r}") from exc
            rows.append(StudyQuality(row["model"].strip(), task, dataset, metric, value,
                                     model_type, model_type in MULTI_PURPOSE_TYPES, subset,
                                     column))
    return tuple(rows)


def _parse_header(column: str, source: Path) -> tuple[str, str, str | None]:
    match = _HEADER.fullmatch(column.strip())
    if match is None:
        raise DataError(f"{source}: column {column!r} is not '<dataset> (<metric>)'")
    dataset = STUDY_DATASETS.get(match["dataset"], match["dataset"])
    return dataset, STUDY_METRICS.get(match["metric"], match["metric"]), match["subset"]
