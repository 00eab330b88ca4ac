"""Extractive QA: SQuAD exact match and F1, as the official SQuAD v1.1 / v2.0 scripts.

:func:`normalize_answer` is the official normalisation: lower case, drop punctuation
(``string.punctuation``), drop the articles a/an/the, collapse whitespace. F1 is the
token-overlap F1 of the normalised answers; both take the maximum over the gold answers.
As in the v2.0 script, an empty gold answer (an unanswerable question) scores 1 only for
an empty prediction.

The study's Table 7 scores SQuAD v2 on its **has-answer** subset ("squad_v2 (f1, has
answer)"): with ``has_answer_only`` (the default) unanswerable questions are left out
and counted in ``n_excluded`` (an extractive model always returns a span). SciQ is
scored by accuracy: the exact match (after the same normalisation) of the answer with
``correct_answer``.

A reference is a gold answer string, a list of them, or SQuAD's ``answers`` feature
(``{"text": [...], "answer_start": [...]}``; a JSON string of it, as a CSV holds it).
An output is the answer text, or a task runner's ``{"answer": ...}``.
"""

from __future__ import annotations

import contextlib
import json
import re
import string
from collections import Counter
from collections.abc import Sequence
from typing import Any

from ..errors import UsageError
from .score import RESAMPLES, SEED, QualityScore, check_aligned, mean, score

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCTUATION = frozenset(string.punctuation)


def normalize_answer(text: str) -> str:
    """The official SQuAD normalisation (lower, no punctuation, no articles, one space)."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, gold: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(gold))


def token_f1(prediction: str, gold: str) -> float:
    """Token-overlap F1 of the normalised answers (v2.0: empty vs empty is 1, else 0)."""
    pred, ref = normalize_answer(prediction).split(), normalize_answer(gold).split()
    if not pred or not ref:
        return float(pred == ref)
    same = sum((Counter(pred) & Counter(ref)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(ref)
    return 2 * precision * recall / (precision + recall)


def gold_answers(reference: Any) -> tuple[str, ...]:
    """A reference's gold answer strings; ``()`` for an unanswerable question."""
    if isinstance(reference, str) and reference.strip()[:1] in ("{", "["):
        with contextlib.suppress(ValueError):  # not JSON: an answer that starts with a bracket
            reference = json.loads(reference)
    if isinstance(reference, dict):
        if "text" not in reference:
            raise UsageError(f"a QA reference dict needs a 'text' list, got keys {sorted(reference)}")
        reference = reference["text"]
    if isinstance(reference, str):
        reference = [reference]
    if not isinstance(reference, list | tuple):
        raise UsageError(f"a QA reference must be an answer, a list of answers or SQuAD's "
                         f"answers dict, got {type(reference).__name__}")
    return tuple(str(a) for a in reference if a is not None and str(a) != "")


def answer_text(output: Any) -> str:
    """The answer of a QA output: its ``"answer"`` field, or the text itself."""
    if isinstance(output, dict):
        output = output.get("answer", "")
    return "" if output is None else str(output)


def squad_scores(outputs: Sequence[Any], references: Sequence[Any], *,
                 has_answer_only: bool = True, em_name: str = "exact_match",
                 resamples: int = RESAMPLES, seed: int = SEED) -> tuple[QualityScore, QualityScore]:
    """(F1, exact match), each the mean over queries of the max over gold answers.

    ``em_name`` renames exact match (``"accuracy"`` for SciQ, as the study labels it).
    """
    check_aligned(outputs, references)
    f1s: list[float] = []
    ems: list[float] = []
    excluded = 0
    for output, reference in zip(outputs, references, strict=True):
        answers = gold_answers(reference)
        if not answers and has_answer_only:
            excluded += 1
            continue
        # As the v2.0 script: answers that normalise to nothing are dropped; none left is "".
        golds = [a for a in answers if normalize_answer(a)] or [""]
        prediction = answer_text(output)
        f1s.append(max(token_f1(prediction, g) for g in golds))
        ems.append(max(exact_match(prediction, g) for g in golds))
    subset = "has-answer subset" if has_answer_only else "all questions"
    note = f"official SQuAD normalisation, max over gold answers, {subset}"
    return (score("f1", f1s, mean, n_excluded=excluded, note=note, resamples=resamples, seed=seed),
            score(em_name, ems, mean, n_excluded=excluded, note=note, resamples=resamples,
                  seed=seed))
