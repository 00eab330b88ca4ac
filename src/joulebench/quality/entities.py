"""Token classification: entity-level (span) F1, as CoNLL's ``conlleval`` and ``seqeval``.

An entity is a maximal chunk of BIO tags of one type (:func:`bio_entities`): it starts
at ``B-X``, or at ``I-X`` after ``O`` or after another type (IOB1 tolerance, as conlleval
and seqeval's default mode), and ends before ``O``, a ``B-``, or a change of type. A
predicted entity counts only when its type, first and last word all match a gold one.
Precision, recall and F1 are **micro** averages over all entities of all queries.

This is implemented here (40 lines) rather than taken from ``seqeval``: seqeval pulls
scikit-learn for this one function and has had no release since 2020. Its documented
examples are in the tests, and a test checks agreement with seqeval where it is installed.

A reference is :class:`TaggedTokens` (words and their BIO tags, e.g. conll2003's
``tokens`` and ``ner_tags`` names). An output is the token-classification runner's list of
entities (``entity_group``, ``start``, ``end``: character offsets into the words joined by
single spaces, which is how the runner reads pre-split words), or a list of BIO tags.
:func:`entities_to_tags` puts character spans back on the words: each word an entity
overlaps gets its type, ``B-`` on the first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import UsageError
from .score import RESAMPLES, SEED, QualityScore, check_aligned, score

Entity = tuple[str, int, int]  # (type, first word, last word), inclusive as seqeval's


@dataclass(frozen=True)
class TaggedTokens:
    """One sentence's words and their gold BIO tags (same length)."""

    tokens: tuple[str, ...]
    tags: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.tokens) != len(self.tags):
            raise UsageError(f"{len(self.tokens)} tokens but {len(self.tags)} tags in a reference")


def _split(tag: str) -> tuple[str, str]:
    if tag in ("O", ""):
        return "O", ""
    prefix, sep, kind = tag.partition("-")
    if not sep or prefix not in ("B", "I") or not kind:
        raise UsageError(f"tag {tag!r} is not a BIO tag (O, B-TYPE or I-TYPE)")
    return prefix, kind


def bio_entities(tags: Sequence[str]) -> list[Entity]:
    """The entities of a BIO tag sequence, as (type, first, last) word indices."""
    entities: list[Entity] = []
    kind, first = "", -1
    for i, tag in enumerate([*tags, "O"]):
        prefix, this = _split(tag)
        if kind and (prefix in ("O", "B") or this != kind):  # the open chunk ends here
            entities.append((kind, first, i - 1))
            kind = ""
        if prefix != "O" and not kind:  # B-X, or I-X opening a chunk
            kind, first = this, i
    return entities


def entity_counts(predicted: Sequence[str], gold: Sequence[str]) -> tuple[int, int, int]:
    """(correct, predicted, gold) entity counts for one sentence."""
    pred, true = set(bio_entities(predicted)), set(bio_entities(gold))
    return len(pred & true), len(pred), len(true)


def _prf(counts: Iterable[tuple[int, int, int]]) -> tuple[float, float, float]:
    tp = n_pred = n_gold = 0
    for t, p, g in counts:
        tp, n_pred, n_gold = tp + t, n_pred + p, n_gold + g
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def entities_to_tags(tokens: Sequence[str], entities: Sequence[dict[str, Any]]) -> list[str]:
    """BIO tags on ``tokens`` from character-span entities over ``" ".join(tokens)``.

    A word already tagged by an earlier entity keeps its tag.
    """
    spans, at = [], 0
    for token in tokens:
        spans.append((at, at + len(token)))
        at += len(token) + 1
    tags = ["O"] * len(tokens)
    for entity in sorted(entities, key=lambda e: int(e["start"])):
        kind = str(entity.get("entity_group") or entity.get("entity", ""))
        kind = kind[2:] if kind[:2] in ("B-", "I-") else kind
        start, end = int(entity["start"]), int(entity["end"])
        covered = [i for i, (a, b) in enumerate(spans) if a < end and start < b and tags[i] == "O"]
        for j, i in enumerate(covered):
            tags[i] = ("B-" if j == 0 else "I-") + kind
    return tags


def predicted_tags(output: Any, reference: TaggedTokens) -> list[str]:
    """A token-classification output as BIO tags on the reference's words."""
    if output and all(isinstance(t, str) for t in output):
        if len(output) != len(reference.tokens):
            raise UsageError(f"{len(output)} predicted tags for {len(reference.tokens)} words")
        return list(output)
    return entities_to_tags(reference.tokens, list(output or []))


def entity_f1(outputs: Sequence[Any], references: Sequence[TaggedTokens], *,
              resamples: int = RESAMPLES, seed: int = SEED) -> tuple[QualityScore, ...]:
    """(entity F1, precision, recall): micro averages over entities, each with its interval."""
    check_aligned(outputs, references)
    counts = [entity_counts(predicted_tags(o, r), r.tags)
              for o, r in zip(outputs, references, strict=True)]
    note = "entity-level (span) micro average, CoNLL/seqeval chunking of BIO tags"

    def f1(c: Sequence[tuple[int, int, int]]) -> float:
        return _prf(c)[2]

    def precision(c: Sequence[tuple[int, int, int]]) -> float:
        return _prf(c)[0]

    def recall(c: Sequence[tuple[int, int, int]]) -> float:
        return _prf(c)[1]

    return tuple(score(name, counts, statistic, note=note, resamples=resamples, seed=seed)
                 for name, statistic in (("entity_f1", f1), ("entity_precision", precision),
                                         ("entity_recall", recall)))


def entity_types(labels: Iterable[str]) -> set[str]:
    """The entity types of a label set (``B-PER``, ``I-PER``, ``PER`` → ``PER``; ``O`` dropped)."""
    types = set()
    for label in labels:
        label = str(label)
        kind = label[2:] if label[:2] in ("B-", "I-") else label
        if kind and kind != "O":
            types.add(kind)
    return types


def check_entity_types(model_labels: Iterable[str], tag_names: Iterable[str]) -> None:
    """A :class:`UsageError` when the model's entity types and the dataset's share none."""
    model, dataset = entity_types(model_labels), entity_types(tag_names)
    if dataset and not model & dataset:
        raise UsageError(f"the model's entity types {{{', '.join(sorted(model))}}} match none of "
                         f"the dataset's {{{', '.join(sorted(dataset))}}}",
                         hint="pick a model trained for these entity types")
