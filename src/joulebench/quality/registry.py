"""The metric registry: task → the study's quality metric, and :func:`score_task`.

=====================  ================================  =====================================
task                   primary metric (first returned)   also returned
=====================  ================================  =====================================
text-classification    ``accuracy``                      -
question-answering     ``f1`` (SQuAD; SciQ: accuracy)    ``exact_match`` (SciQ: ``f1``)
summarization          ``rougeL`` (F-measure)            ``rouge1``, ``rouge2``
token-classification   ``entity_f1`` (micro, span)       ``entity_precision``, ``entity_recall``
=====================  ================================  =====================================

All are fractions in [0, 1], higher is better. Asking for a task without a metric is a
:class:`UsageError` naming the tasks that have one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import UsageError, closest
from .classification import LabelMap, accuracy
from .entities import entity_f1
from .rouge import rouge_scores
from .score import RESAMPLES, SEED, QualityScore
from .squad import squad_scores

SCIQ = "sciq"


@dataclass(frozen=True)
class Options:
    """What a metric may need beside outputs and references (each takes its own)."""

    dataset: str | None = None
    labels: LabelMap | None = None  # text classification: label names and how mapped
    stemming: bool = True  # ROUGE
    has_answer_only: bool = True  # SQuAD v2: the study's has-answer subset
    resamples: int = RESAMPLES
    seed: int = SEED


Compute = Callable[[Sequence[Any], Sequence[Any], Options], tuple[QualityScore, ...]]


@dataclass(frozen=True)
class Metric:
    """A task's quality metric: its name, direction, and the function that computes it."""

    task: str
    name: str
    higher_is_better: bool
    description: str
    compute: Compute


def _classification(outputs: Sequence[Any], references: Sequence[Any],
                    o: Options) -> tuple[QualityScore, ...]:
    return (accuracy(outputs, references, o.labels, resamples=o.resamples, seed=o.seed),)


def _qa(outputs: Sequence[Any], references: Sequence[Any], o: Options) -> tuple[QualityScore, ...]:
    sciq = _is_sciq(o.dataset)
    f1, em = squad_scores(outputs, references, has_answer_only=o.has_answer_only,
                          em_name="accuracy" if sciq else "exact_match",
                          resamples=o.resamples, seed=o.seed)
    return (em, f1) if sciq else (f1, em)


def _summarization(outputs: Sequence[Any], references: Sequence[Any],
                   o: Options) -> tuple[QualityScore, ...]:
    return rouge_scores(outputs, references, stemming=o.stemming, resamples=o.resamples,
                        seed=o.seed)


def _entities(outputs: Sequence[Any], references: Sequence[Any],
              o: Options) -> tuple[QualityScore, ...]:
    return entity_f1(outputs, references, resamples=o.resamples, seed=o.seed)


METRICS: dict[str, Metric] = {
    m.task: m
    for m in (
        Metric("text-classification", "accuracy", True,
               "accuracy, outputs mapped to the dataset's labels by name", _classification),
        Metric("question-answering", "f1", True,
               "SQuAD F1 and exact match (official normalisation; SQuAD v2 has-answer subset; "
               "SciQ: accuracy)", _qa),
        Metric("summarization", "rougeL", True,
               "ROUGE-L F-measure (rouge-score, Porter stemming), with ROUGE-1 and ROUGE-2",
               _summarization),
        Metric("token-classification", "entity_f1", True,
               "entity-level micro F1 over BIO spans (CoNLL/seqeval)", _entities),
    )
}


def dataset_key(dataset: str, config: str | None = None) -> str:
    """The name a dataset is known by: its Hub id's last part, lower case (glue → config)."""
    base = dataset.rstrip("/").rsplit("/", 1)[-1].lower()
    return config.lower() if base == "glue" and config else base


def _is_sciq(dataset: str | None) -> bool:
    return bool(dataset) and dataset_key(str(dataset)) == SCIQ


def tasks_with_metrics() -> list[str]:
    return list(METRICS)


def metric_for(task: str, dataset: str | None = None) -> Metric:
    """The study's metric for ``task`` (SciQ's QA metric is accuracy); else a UsageError."""
    metric = METRICS.get(task)
    if metric is None:
        raise UsageError(f"no quality metric for task {task!r}{closest(task, METRICS)}",
                         hint="tasks with a quality metric: " + ", ".join(METRICS))
    if task == "question-answering" and _is_sciq(dataset):
        return Metric(task, "accuracy", True, "exact match with correct_answer (SciQ)",
                      metric.compute)
    return metric


def score_task(task: str, outputs: Sequence[Any], references: Sequence[Any],
               options: Options | None = None) -> tuple[QualityScore, ...]:
    """The task's quality scores over per-query ``outputs`` and ``references`` (same order).

    The first is the study's metric (:func:`metric_for` with ``options.dataset``). For
    text classification pass ``Options(labels=label_map(...))`` checked against the
    model's labels; without it the map is built from the references alone.
    """
    options = options or Options()
    return metric_for(task, options.dataset).compute(outputs, references, options)
