"""Text in and out of the text task runners: cutting text, devices, padded batches.

Shared by :mod:`._text` (task-specific runners) and :mod:`.zero_shot` (prompted
multi-purpose models); it imports neither, so they do not import each other.
"""

from __future__ import annotations

from typing import Any

from ..errors import DataError


def first_words(text: str, n: int) -> str:
    """The first ``n`` whitespace-separated words of ``text``, joined by single spaces."""
    return " ".join(text.split()[:n])


def require_text(example: Any, task: str) -> str:
    if not isinstance(example, str):
        raise DataError(f"{task} takes text examples, got {type(example).__name__}")
    if not example.strip():
        raise DataError(f"{task}: an example is empty text")
    return example


def device_of(model: Any) -> Any:
    return next(model.parameters()).device


def to_device(encoding: Any, model: Any) -> dict[str, Any]:
    device = device_of(model)
    return {k: v.to(device) for k, v in encoding.items()}


# --- batches (``--batch-size``): one padded call for several inputs --------------------


def encode_batch(tokenizer: Any, *texts: list[str], side: str = "right", **kwargs: Any) -> Any:
    """Tokenize a batch, padded to its longest row on ``side`` with an attention mask.

    A tokenizer without a pad token (GPT-2) pads with its end-of-sequence token: padded
    positions are masked, so the choice does not change any real position's output.
    """
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
    return tokenizer(*texts, padding=True, padding_side=side, return_tensors="pt", **kwargs)


def row_lengths(encoding: Any) -> list[int]:
    """Real (unpadded) tokens per row of a padded encoding."""
    return [int(n) for n in encoding["attention_mask"].sum(dim=1)]


def until_eos(ids: list[int], eos: set[int]) -> list[int]:
    """``ids`` up to and including the first end-of-sequence token (what one query ends with;
    a batch pads the rows that finished first)."""
    for i, token in enumerate(ids):
        if token in eos:
            return ids[: i + 1]
    return ids


def eos_ids(model: Any, tokenizer: Any) -> set[int]:
    """The end-of-sequence ids generation stops at (the model's generation config first)."""
    eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    if eos is None:
        eos = tokenizer.eos_token_id
    if eos is None:
        return set()
    return {int(e) for e in eos} if isinstance(eos, list) else {int(eos)}
