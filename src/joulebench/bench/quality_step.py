"""The runner's quality step: a job's references, its model's labels, its outputs scored.

Quality is the study's metric for the task (:mod:`joulebench.quality`), over the queries
of one repetition (outputs do not change between repetitions of a model at inference),
stored with every repetition's record as its typed quality part
(:class:`~.record_parts.Quality`: ``figure``, the study's metric: name, value, n, 95 %
bootstrap interval; ``scores``, all of the task's metrics). The step returns them as the
part's keys (``quality``, ``quality_scores``), which :func:`~.records.make_record` types. A dataset without known references gives no quality, never a zero; a
``--label-column`` that cannot be used fails before the model loads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..quality import LabelMap, Options, ReferenceColumn, check_entity_types, label_map, score_task
from ..spec import TaskSpec
from .spec import JobSpec


@dataclass(frozen=True)
class JobReferences:
    """Where a job's references come from, one per query (rows cycled like the inputs)."""

    column: ReferenceColumn
    per_query: list[Any]


def default_references_loader(job: JobSpec, spec: TaskSpec) -> JobReferences | None:
    """The references of the job's first ``n_queries`` rows (``None``: none known)."""
    from ..data.references import load_references
    from ..quality import TASK_KINDS

    if job.label_column is None and spec.name not in TASK_KINDS:
        return None  # a task without a metric, and nothing asked for: read nothing
    try:
        extra = {"data_files": job.data_files} if job.data_files is not None else {}
        found = load_references(
            job.dataset, task=spec, n=job.n_queries, label_column=job.label_column,
            split=job.split, config=job.config, **extra,
        )  # fmt: skip
    except Exception:
        if job.label_column is not None:
            raise
        return None  # references are a bonus unless asked for
    if found is None or not found[1]:
        return None
    column, rows = found
    return JobReferences(column, [rows[i % len(rows)] for i in range(job.n_queries)])


def _model_labels(runner: Any) -> list[str] | None:
    id2label = getattr(runner, "id2label", None)
    if not id2label:
        return None
    return [str(v) for _, v in sorted(id2label.items())]


def check_labels(job: JobSpec, runner: Any, refs: JobReferences | None) -> LabelMap | None:
    """The label map of a classification job (a mismatch raises before any query)."""
    if refs is None:
        return None
    if job.task == "text-classification":
        return label_map(
            refs.per_query, names=refs.column.names or None, model_labels=_model_labels(runner)
        )
    if job.task == "token-classification":
        labels = _model_labels(runner)
        if labels and refs.column.names:
            check_entity_types(labels, refs.column.names)
    return None


def _outputs(results: Sequence[Any]) -> list[Any]:
    flat: list[Any] = []
    for r in results:
        for q in r if isinstance(r, list | tuple) else (r,):
            flat.append(q.output)
    return flat


def score(
    job: JobSpec, refs: JobReferences, labels: LabelMap | None, results: Sequence[Any]
) -> dict[str, Any]:
    """``extra`` entries: the study's metric first (``quality``), then every score."""
    outputs = _outputs(results)
    scores = score_task(
        job.task, outputs, refs.per_query, Options(dataset=job.dataset, labels=labels)
    )
    first = scores[0].as_dict()
    first["reference_column"] = refs.column.column
    first["reference_source"] = refs.column.source
    if labels is not None:
        first["label_mapping"] = labels.how
    return {"quality": first, "quality_scores": [s.as_dict() for s in scores]}


def outputs_for_store(refs: JobReferences | None, results: Sequence[Any]) -> list[dict[str, Any]]:
    """Per-query outputs (and references) as JSON-safe dicts, for ``--keep-outputs``."""
    outputs = _outputs(results)
    out = []
    for i, value in enumerate(outputs):
        item: dict[str, Any] = {"query": i, "output": _jsonable(value)}
        if refs is not None and i < len(refs.per_query):
            item["reference"] = _jsonable(refs.per_query[i])
        out.append(item)
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {k: _jsonable(getattr(value, k)) for k in value.__dataclass_fields__}
    return str(value)
