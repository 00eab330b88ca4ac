"""Where a dataset's references are: the known columns of the study's and AI Energy
Score's datasets, or the user's ``--label-column``; and reading them from rows.

A dataset is known by the last part of its Hub id, lower case (``stanfordnlp/imdb`` →
``imdb``; ``glue`` with config ``sst2`` → ``sst2``): :data:`KNOWN_REFERENCES`. The
``AIEnergyScore/*`` datasets mix three sources each and document no reference column, so
for them the task's conventional column is used when the rows have it
(:data:`CONVENTIONAL_COLUMNS`), and none otherwise. Any other dataset has references only
through ``label_column``.

Per task, a reference is (:func:`read_references`): text classification, the label value
as stored (an index, or text; -1 or empty is no label); extractive QA, a tuple of gold
answer strings (``()`` when unanswerable); summarization, the reference summary;
token classification, :class:`TaggedTokens` (the ``tokens`` column and the tags as
names). Label and tag names come from ``label_names`` (the dataset's ClassLabel names,
which the data layer reads from the features) or, for the known datasets, from the
names their Hub features declare (:attr:`KnownReference.names`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import UsageError
from .entities import TaggedTokens
from .registry import dataset_key, metric_for
from .squad import gold_answers

LABEL, ANSWERS, SUMMARY, TAGS = "label", "answers", "summary", "tags"
TASK_KINDS = {
    "text-classification": LABEL,
    "question-answering": ANSWERS,
    "summarization": SUMMARY,
    "token-classification": TAGS,
}
TOKENS_COLUMN = "tokens"
CONLL2003_TAGS = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC")
WIKIANN_TAGS = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC")


@dataclass(frozen=True)
class KnownReference:
    """A known dataset's reference column, and its label names as its Hub features give them."""

    column: str
    names: tuple[str, ...] = ()
    note: str = ""


KNOWN_REFERENCES: dict[str, KnownReference] = {
    "sst2": KnownReference("label", ("negative", "positive"),
                           "the test split is unlabelled (-1); the study's accuracy is on validation"),
    "imdb": KnownReference("label", ("neg", "pos")),
    "rotten_tomatoes": KnownReference("label", ("neg", "pos")),
    "squad": KnownReference("answers"),
    "squad_v2": KnownReference("answers", note="scored on the has-answer subset, as the study"),
    "sciq": KnownReference("correct_answer", note="scored by accuracy (exact match)"),
    "samsum": KnownReference("summary"),
    "xsum": KnownReference("summary"),
    "cnn_dailymail": KnownReference("highlights"),
    "conll2003": KnownReference("ner_tags", CONLL2003_TAGS),
    "wikiann": KnownReference("ner_tags", WIKIANN_TAGS),
}
CONVENTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    LABEL: ("label",),
    ANSWERS: ("answers",),
    SUMMARY: ("summary", "highlights"),
    TAGS: ("ner_tags",),
}
AI_ENERGY_SCORE = "aienergyscore/"


@dataclass(frozen=True)
class ReferenceColumn:
    """Which column holds a dataset's references, what they are, and why this column."""

    column: str
    kind: str  # LABEL | ANSWERS | SUMMARY | TAGS
    names: tuple[str, ...]  # label or tag names, index order; () when the values are names
    source: str  # e.g. "known reference column of sst2", "--label-column"
    tokens_column: str | None = None  # TAGS: the column of words
    note: str = ""


def reference_column(dataset: str, columns: Sequence[str], task: str, *,
                     label_column: str | None = None, label_names: Sequence[str] | None = None,
                     config: str | None = None) -> ReferenceColumn | None:
    """The reference column of ``dataset`` for ``task``; ``None`` when it has none known.

    ``label_column`` (the user's ``--label-column``) wins. A column that is not among
    ``columns``, or a task without a quality metric, is a :class:`UsageError`.
    """
    kind = TASK_KINDS.get(task)
    if kind is None:
        if label_column is not None:
            metric_for(task)  # a task without a metric: one clear error naming those with one
        return None
    listing = ", ".join(columns) or "(none)"
    key = dataset_key(dataset, config)
    known = KNOWN_REFERENCES.get(key)
    if label_column is not None:
        if label_column not in columns:
            raise UsageError(f"label column {label_column!r} does not exist; columns: {listing}",
                             hint="name the reference column with --label-column")
        column, source, note = label_column, "--label-column", ""
        names = tuple(label_names or (known.names if known and known.column == label_column else ()))
    elif known is not None:
        if known.column not in columns:
            raise UsageError(f"dataset {dataset!r} has no reference column {known.column!r}; "
                             f"columns: {listing}", hint="name one with --label-column")
        column, source, note = known.column, f"known reference column of {key}", known.note
        names = tuple(label_names or known.names)
    elif dataset.lower().startswith(AI_ENERGY_SCORE) and kind is not None:
        found = next((c for c in CONVENTIONAL_COLUMNS[kind] if c in columns), None)
        if found is None:
            return None
        column, source, note = found, f"conventional {kind} column of {dataset}", ""
        names = tuple(label_names or ())
    else:
        return None
    tokens = None
    if kind == TAGS:
        if TOKENS_COLUMN not in columns:
            raise UsageError(f"token-classification references need the words beside the tags: "
                             f"no column {TOKENS_COLUMN!r}; columns: {listing}")
        tokens = TOKENS_COLUMN
    return ReferenceColumn(column, kind, names, source, tokens, note)


def read_references(rows: Sequence[Mapping[str, Any]], ref: ReferenceColumn) -> list[Any]:
    """One reference per row, in row order, in the form :func:`score_task` takes."""
    return [_reference(row, ref) for row in rows]


def find_references(dataset: str, rows: Sequence[Mapping[str, Any]], task: str, *,
                    label_column: str | None = None, label_names: Sequence[str] | None = None,
                    config: str | None = None) -> tuple[ReferenceColumn, list[Any]] | None:
    """:func:`reference_column` from the rows' columns, then :func:`read_references`."""
    columns = list(rows[0]) if rows else []
    ref = reference_column(dataset, columns, task, label_column=label_column,
                           label_names=label_names, config=config)
    return None if ref is None else (ref, read_references(rows, ref))


def _reference(row: Mapping[str, Any], ref: ReferenceColumn) -> Any:
    value = row.get(ref.column)
    if ref.kind == ANSWERS:
        return () if value is None else gold_answers(value)
    if ref.kind == SUMMARY:
        return None if value is None else str(value)
    if ref.kind == TAGS:
        tokens = [str(t) for t in _as_list(row.get(ref.tokens_column or TOKENS_COLUMN))]
        return TaggedTokens(tuple(tokens), tuple(_tag_name(t, ref) for t in _as_list(value)))
    return value


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise UsageError(f"cannot read the list {value[:40]!r}: {exc}") from exc
    if isinstance(value, str):
        return value.split()
    if not isinstance(value, list | tuple):
        raise UsageError(f"expected a list of tokens or tags, got {type(value).__name__}")
    return list(value)


def _tag_name(tag: Any, ref: ReferenceColumn) -> str:
    index = tag if isinstance(tag, int) else int(tag) if str(tag).isdigit() else None
    if index is None:
        return str(tag)
    if not ref.names:
        raise UsageError(f"the tags in {ref.column!r} are numbers without names",
                         hint="use a dataset whose tags have names (ClassLabel), or BIO text tags")
    if not 0 <= index < len(ref.names):
        raise UsageError(f"tag {index} is outside the tag names {{{', '.join(ref.names)}}}")
    return ref.names[index]
