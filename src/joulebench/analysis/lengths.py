"""Output length: mean output tokens per query, energy per output token, verbose models.

The study's third lens (its Table 4): a model that says more per query costs more per
query. Pure functions over plain values. A run's output length is its
``units["output_tokens"]`` (the total over its queries) divided by its ``n_queries``; a
run that counted none (0: tasks that produce labels, spans or images) has no length.

- :data:`GENERATIVE_TASKS` / :func:`shows_output_length`: where an output length is
  meaningful (text generation, summarization, captioning, speech recognition, and every
  zero-shot run of a multi-purpose model, which answers in generated text).
- :func:`output_tokens_per_query`: one run's mean output tokens per query.
- :func:`output_lengths`: per cell, the measured length (else a reference length, e.g. the
  study's), energy per output token, and the length as a multiple of its dataset's median.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from .. import units

GENERATIVE_TASKS = frozenset(
    {"text-generation", "summarization", "image-to-text", "automatic-speech-recognition"}
)
BASIS_MEASURED = "measured"  # from the runs' own token counts
BASIS_REFERENCE = "reference"  # from a reference series (the study's lengths)


def shows_output_length(task: str | None, zero_shot: bool) -> bool:
    """Whether a cell's output length is worth showing: a generative task or a zero-shot run."""
    return zero_shot or task in GENERATIVE_TASKS


def output_tokens_per_query(output_tokens: float | None, n_queries: int | None) -> float | None:
    """Mean output tokens per query; ``None`` without a count (or a count of 0) or queries."""
    if not output_tokens or not n_queries or output_tokens < 0:
        return None
    return float(output_tokens) / n_queries


@dataclass(frozen=True)
class LengthCell:
    """One cell's inputs: ``key`` names it (any hashable, e.g. (task, model, dataset));
    lengths are mean output tokens per query (``None`` when unknown)."""

    key: Hashable
    dataset: str | None
    energy_j_per_1000_queries: float
    output_tokens_per_query: float | None = None  # measured, mean over runs
    reference_output_tokens_per_query: float | None = None  # e.g. the study's


@dataclass(frozen=True)
class OutputLength:
    """A cell's output length and what it costs.

    ``tokens_per_query`` is the measured mean when the runs counted tokens, else the
    reference's (``basis`` says which). ``energy_j_per_output_token`` = the cell's mean
    energy per query / ``tokens_per_query`` (``None`` at 0 tokens). ``times_dataset_median``
    divides ``tokens_per_query`` by the median over the dataset's cells (on each cell's own
    basis); ``None`` when the dataset has one cell.
    """

    key: Hashable
    tokens_per_query: float
    basis: str
    energy_j_per_output_token: float | None
    times_dataset_median: float | None


def output_lengths(cells: Sequence[LengthCell]) -> list[OutputLength]:
    """One :class:`OutputLength` per cell that has a measured or reference length, in the
    order given."""
    known: list[tuple[LengthCell, float, str]] = []
    for c in cells:
        if c.output_tokens_per_query is not None:
            known.append((c, c.output_tokens_per_query, BASIS_MEASURED))
        elif c.reference_output_tokens_per_query is not None:
            known.append((c, c.reference_output_tokens_per_query, BASIS_REFERENCE))
    by_dataset: dict[str | None, list[float]] = defaultdict(list)
    for c, tokens, _ in known:
        by_dataset[c.dataset].append(tokens)
    out = []
    for c, tokens, basis in known:
        peers = by_dataset[c.dataset]
        median = statistics.median(peers)
        out.append(
            OutputLength(
                key=c.key,
                tokens_per_query=tokens,
                basis=basis,
                energy_j_per_output_token=(
                    c.energy_j_per_1000_queries / units.QUERIES_PER_REPORT / tokens
                    if tokens > 0
                    else None
                ),
                times_dataset_median=tokens / median if len(peers) > 1 and median > 0 else None,
            )
        )
    return out
