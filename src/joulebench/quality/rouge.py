"""Summarization: ROUGE-L (the study's metric), with ROUGE-1 and ROUGE-2 alongside.

Computed by Google's ``rouge-score`` (a pure-Python port of ROUGE-1.5.5; the ``quality``
extra): per query the **F-measure** of the output against its reference summary, then
the mean over queries (what Hugging Face ``evaluate``'s aggregate reports, without its
own bootstrap). ROUGE-L is sentence-level: the longest common subsequence of the two
token sequences, not ``rougeLsum``.

**Stemming on by default** (``stemming=True``: Porter stemmer on tokens longer than three
characters), as ROUGE-1.5.5's ``-m`` in published summarization results and Hugging
Face's ``run_summarization.py`` use it; Hugging Face ``evaluate``'s ``rouge`` defaults to
no stemming (``stemming=False`` reproduces that). The study does not say which it used.
Tokens are rouge-score's: lower case, runs of ``[a-z0-9]``. Several references per query
(a list) take rouge-score's maximum over them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import UsageError
from .score import RESAMPLES, SEED, QualityScore, check_aligned, mean, score

ROUGE_TYPES = ("rougeL", "rouge1", "rouge2")
INSTALL_HINT = 'pip install "joulebench[quality]" (or: pip install rouge-score)'


def summary_text(output: Any) -> str:
    """The text of a summarization output: its ``"summary_text"`` field, or the text itself."""
    if isinstance(output, dict):
        output = output.get("summary_text", "")
    return "" if output is None else str(output)


def _scorer(stemming: bool) -> Any:
    try:
        from rouge_score import rouge_scorer
    except ImportError as exc:
        raise UsageError("ROUGE needs the rouge-score package", hint=INSTALL_HINT) from exc
    return rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=stemming)


def rouge_per_query(outputs: Sequence[Any], references: Sequence[Any], *,
                    stemming: bool = True) -> list[dict[str, float]]:
    """Per query, the F-measure of each ROUGE type (``rougeL``, ``rouge1``, ``rouge2``)."""
    check_aligned(outputs, references)
    scorer = _scorer(stemming)
    rows = []
    for output, reference in zip(outputs, references, strict=True):
        prediction = summary_text(output)
        if isinstance(reference, list | tuple):
            scores = scorer.score_multi([str(r) for r in reference], prediction)
        else:
            scores = scorer.score(str(reference), prediction)  # (target, prediction)
        rows.append({kind: float(scores[kind].fmeasure) for kind in ROUGE_TYPES})
    return rows


def _has_reference(reference: Any) -> bool:
    if isinstance(reference, list | tuple):
        return any(str(r).strip() for r in reference)
    return reference is not None and bool(str(reference).strip())


def rouge_scores(outputs: Sequence[Any], references: Sequence[Any], *, stemming: bool = True,
                 resamples: int = RESAMPLES, seed: int = SEED) -> tuple[QualityScore, ...]:
    """(ROUGE-L, ROUGE-1, ROUGE-2): mean per-query F-measure, each with its interval.

    A query whose reference is missing (``None`` or empty) is excluded and counted.
    """
    check_aligned(outputs, references)
    kept = [(o, r) for o, r in zip(outputs, references, strict=True) if _has_reference(r)]
    excluded = len(outputs) - len(kept)
    rows = rouge_per_query([o for o, _ in kept], [r for _, r in kept], stemming=stemming)
    note = f"rouge-score F-measure, {'Porter stemming' if stemming else 'no stemming'}"
    return tuple(score(kind, [row[kind] for row in rows], mean, n_excluded=excluded, note=note,
                       resamples=resamples, seed=seed) for kind in ROUGE_TYPES)
