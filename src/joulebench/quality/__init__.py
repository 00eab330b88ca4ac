"""Quality: the study's metric for each task, with a 95% bootstrap interval. Pure Python.

Sits below ``bench`` and the ``tasks : models : data`` layer (above ``carbon``): the
benchmark runner scores a run's outputs, and the data layer finds and reads a dataset's
references, both without a cycle; it imports only ``errors`` and ``stats`` (no torch, no
numpy; ``rouge-score`` is imported when ROUGE is asked for, from the ``quality`` extra).

- :func:`score_task` (:mod:`.registry`): per-query outputs and references → the task's
  :class:`QualityScore` s, the study's metric first; :func:`metric_for` /
  :data:`METRICS`: task → :class:`Metric` (name, direction, function), a
  :class:`~joulebench.errors.UsageError` for a task without one.
- :func:`accuracy`, :func:`label_map`, :class:`LabelMap` (:mod:`.classification`): labels
  by name, zero-shot text mapped by its label words, unmapped counted as wrong.
- :func:`squad_scores`, :func:`normalize_answer` (:mod:`.squad`): SQuAD F1 / exact match.
- :func:`rouge_scores` (:mod:`.rouge`): ROUGE-L, ROUGE-1, ROUGE-2 F-measure.
- :func:`entity_f1`, :func:`bio_entities`, :class:`TaggedTokens` (:mod:`.entities`):
  CoNLL span-level micro F1.
- :func:`reference_column`, :func:`read_references`, :func:`find_references`
  (:mod:`.references`): where a dataset's references are, and reading them.
- :func:`load_study_quality`, :class:`StudyQuality` (:mod:`.study`): the study's Table 7.
"""

from __future__ import annotations

from .classification import LabelMap, accuracy, label_map, match_label
from .entities import (
    TaggedTokens,
    bio_entities,
    check_entity_types,
    entities_to_tags,
    entity_f1,
)
from .references import (
    KNOWN_REFERENCES,
    TASK_KINDS,
    KnownReference,
    ReferenceColumn,
    find_references,
    read_references,
    reference_column,
)
from .registry import (
    METRICS,
    Metric,
    Options,
    dataset_key,
    metric_for,
    score_task,
    tasks_with_metrics,
)
from .rouge import rouge_scores
from .score import QualityScore, bootstrap_ci
from .squad import exact_match, normalize_answer, squad_scores, token_f1
from .study import StudyQuality, load_study_quality

__all__ = [
    "KNOWN_REFERENCES",
    "METRICS",
    "TASK_KINDS",
    "KnownReference",
    "LabelMap",
    "Metric",
    "Options",
    "QualityScore",
    "ReferenceColumn",
    "StudyQuality",
    "TaggedTokens",
    "accuracy",
    "bio_entities",
    "bootstrap_ci",
    "check_entity_types",
    "dataset_key",
    "entities_to_tags",
    "entity_f1",
    "exact_match",
    "find_references",
    "label_map",
    "load_study_quality",
    "match_label",
    "metric_for",
    "normalize_answer",
    "read_references",
    "reference_column",
    "rouge_scores",
    "score_task",
    "squad_scores",
    "tasks_with_metrics",
    "token_f1",
]
