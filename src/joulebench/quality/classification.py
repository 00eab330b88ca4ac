"""Accuracy for text classification, with model outputs mapped onto the dataset's labels.

Labels are compared by **name**, lower-cased, with ``neg``/``pos`` read as
``negative``/``positive`` (IMDB's and Rotten Tomatoes' ClassLabel names are ``neg``/``pos``,
SST-2's ``negative``/``positive``, a sentiment model's often ``NEGATIVE``/``POSITIVE``).

How a dataset's label values become names (:func:`label_map`, recorded in
:attr:`LabelMap.how`):

1. by the dataset's ClassLabel names when given (label ``k`` is ``names[k]``);
2. else text labels are their own names;
3. else numeric labels: by index when the model's labels are transformers' default
   ``LABEL_k`` (``LABEL_k`` is dataset label ``k``); else, for labels within {0, 1}, by the
   sentiment convention of SST-2, IMDB and Rotten Tomatoes: 0 = negative, 1 = positive;
   anything else cannot be mapped and is a :class:`UsageError`.

A label of -1 (how Hugging Face marks an unlabelled test split, e.g. SST-2's) or an empty
value is no reference: that query is excluded, and counted.

How an output becomes a label (:meth:`LabelMap.prediction`), the same for a task-specific
model's label and a multi-purpose model's generated text (the study's zero-shot mapping,
"the generated text → label by the label words"): the whole text is a label name; or
``LABEL_k`` / ``k`` is label ``k``; or exactly one label name occurs in it as a word
("The sentiment is positive." → positive). No name, or two different ones, is
**unmapped**: counted as wrong and counted in ``n_unmapped``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import UsageError
from .score import RESAMPLES, SEED, QualityScore, check_aligned, mean, score

ALIASES = {"neg": "negative", "pos": "positive"}
SENTIMENT_CONVENTION = ("negative", "positive")
NO_LABEL = -1
_INDEX = re.compile(r"(?:label_)?(\d+)")
_DEFAULT_NAME = re.compile(r"label_(\d+)")


def canonical(name: Any) -> str:
    """A label name as labels are compared: lower case, trimmed, ``neg``/``pos`` spelled out."""
    text = " ".join(str(name).lower().split())
    return ALIASES.get(text, text)


def _is_missing(value: Any) -> bool:
    return value is None or value == NO_LABEL or (isinstance(value, str) and value.strip() in ("", "-1"))


def _as_index(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def match_label(text: Any, names: Sequence[str]) -> str | None:
    """The label (one of ``names``, canonical) that ``text`` names, or ``None`` when unmapped."""
    if isinstance(text, dict):
        text = text.get("label", "")
    words = canonical(re.sub(r"[^\w\s-]", " ", str(text)))
    if words in names:
        return words
    index = _INDEX.fullmatch(words)
    if index is not None:
        k = int(index.group(1))
        return names[k] if k < len(names) else None
    found = set()
    for word in words.split():
        found.add(ALIASES.get(word, word))
    hits = {name for name in names if name in found
            or (" " in name and re.search(rf"\b{re.escape(name)}\b", words))}
    return hits.pop() if len(hits) == 1 else None


@dataclass(frozen=True)
class LabelMap:
    """The dataset's labels by name (canonical), and how its values were mapped to them."""

    names: tuple[str, ...]
    how: str

    def reference(self, value: Any) -> str | None:
        """A dataset label value → its name; ``None`` for no label (-1, empty)."""
        if _is_missing(value):
            return None
        index = _as_index(value)
        if index is not None:
            if not 0 <= index < len(self.names):
                raise UsageError(f"dataset label {value!r} is outside the label names "
                                 f"{{{', '.join(self.names)}}}")
            return self.names[index]
        name = canonical(value)
        if name not in self.names:
            raise UsageError(f"dataset label {value!r} is not one of {{{', '.join(self.names)}}}")
        return name

    def prediction(self, output: Any) -> str | None:
        """A model's output (label or generated text) → a label name; ``None`` when unmapped."""
        return match_label(output, self.names)


def label_map(references: Iterable[Any], *, names: Sequence[str] | None = None,
              model_labels: Iterable[str] | None = None) -> LabelMap:
    """How the dataset's label values map to names, checked against the model's labels.

    ``names`` are the dataset's ClassLabel names (index order); ``model_labels`` the
    model's ``id2label`` values (omit for a zero-shot model, whose labels are its words).
    A model none of whose labels is a dataset label, or a dataset label (among those in
    ``references``) that no model label maps to, is a :class:`UsageError` saying which.
    """
    values = [v for v in references if not _is_missing(v)]
    model = [str(m) for m in model_labels] if model_labels is not None else None
    if names:
        canon = tuple(canonical(n) for n in names)
        how = "by the dataset's label names (ClassLabel)"
    elif values and all(_as_index(v) is None for v in values):
        canon = tuple(sorted({canonical(v) for v in values}))
        how = "by the dataset's label text"
    else:
        indices = sorted({i for i in (_as_index(v) for v in values) if i is not None})
        defaults = [_DEFAULT_NAME.fullmatch(canonical(m)) for m in model or ()]
        if model and all(defaults):
            top = max([*indices, *(int(d.group(1)) for d in defaults if d)], default=0)
            canon = tuple(f"label_{k}" for k in range(top + 1))
            how = "by index: the model's LABEL_k is dataset label k (transformers' default names)"
        elif set(indices) <= {0, 1}:
            canon = SENTIMENT_CONVENTION
            how = "by convention (SST-2, IMDB, Rotten Tomatoes): 0 = negative, 1 = positive"
        else:
            raise UsageError(
                f"dataset labels {{{', '.join(map(str, indices))}}} are numbers without names, "
                "so they cannot be matched to the model's labels",
                hint="use a label column with label names, or a dataset whose labels have names")
    if names and model and any(_DEFAULT_NAME.fullmatch(canonical(m)) for m in model):
        how += "; the model's LABEL_k read as label k"
    mapping = LabelMap(canon, how)
    wanted = {mapping.reference(v) for v in values}
    if model is not None:
        reached = {match_label(m, canon) for m in model} - {None}
        listing = "{" + ", ".join(model) + "}"
        if not reached:
            raise UsageError(f"the model's labels {listing} match none of the dataset's labels "
                             f"{{{', '.join(canon)}}} (mapped {how})",
                             hint="pick a model trained for these labels")
        missing = sorted(n for n in wanted - reached if n is not None)
        if missing:
            raise UsageError(f"dataset label(s) {', '.join(missing)} match none of the model's "
                             f"labels {listing} (mapped {how})",
                             hint="pick a model trained for these labels")
    return mapping


def accuracy(outputs: Sequence[Any], references: Sequence[Any], labels: LabelMap | None = None,
             *, resamples: int = RESAMPLES, seed: int = SEED) -> QualityScore:
    """Share of queries whose output maps to its reference label (unmapped = wrong)."""
    check_aligned(outputs, references)
    labels = labels or label_map(references)
    hits: list[float] = []
    unmapped = excluded = 0
    for output, reference in zip(outputs, references, strict=True):
        gold = labels.reference(reference)
        if gold is None:
            excluded += 1
            continue
        predicted = labels.prediction(output)
        unmapped += predicted is None
        hits.append(1.0 if predicted == gold else 0.0)
    return score("accuracy", hits, mean, n_unmapped=unmapped, n_excluded=excluded,
                 note=f"labels mapped {labels.how}", resamples=resamples, seed=seed)

