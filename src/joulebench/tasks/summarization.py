"""Summarization: 10 to 15 new tokens, with the model's own decoding settings.

Task-specific summarizers (BART, Pegasus ...) generate from the text; multi-purpose
models (Flan-T5, BLOOMZ) get the study's "summarize the following text:" prompt.
Decoding otherwise follows the model's generation config (distilbart-xsum: 6 beams), as
the study's pipeline did; ``info`` records it.
"""

from __future__ import annotations

from typing import Any

from ..models.loading import max_input_length
from ..models.source import ModelSource
from ._text import (
    encode_batch,
    eos_ids,
    load_text_task,
    require_text,
    row_lengths,
    to_device,
    until_eos,
)
from .base import (
    InputKind,
    LoadedTask,
    PhaseHook,
    Prepared,
    QueryResult,
    TaskOption,
    TaskSpec,
    no_phase,
)

MIN_NEW_TOKENS = 10
MAX_NEW_TOKENS = 15

SPEC = TaskSpec(
    name="summarization",
    title="Summarization",
    input_kind=InputKind.TEXT,
    default_columns=("document", "article", "dialogue", "text"),
    preprocessing=f"whole text, truncated to the model's maximum length; "
                  f"{MIN_NEW_TOKENS} to {MAX_NEW_TOKENS} new tokens",
    model_kinds=("AutoModelForSeq2SeqLM", "zero-shot: seq2seq / causal LM"),
    zero_shot=True,
    batched=True,
    options=(TaskOption("zero_shot", bool, None,
                        "true: prompt the model zero-shot; false: use its task head; "
                        "default: zero-shot for multi-purpose models (Flan-T5, BLOOMZ)"),),
)


class SummarizationRunner:
    spec = SPEC

    def __init__(self, model: Any, tokenizer: Any, config: Any) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.max_length = min(max_input_length(config), tokenizer.model_max_length)
        self.generation = {"min_new_tokens": MIN_NEW_TOKENS, "max_new_tokens": MAX_NEW_TOKENS}
        config_of_generation = getattr(model, "generation_config", None)
        if config_of_generation is not None:
            # The study's 10..15 new tokens replace the model's own length limits.
            config_of_generation.max_length = None
            config_of_generation.min_length = None
        beams = getattr(config_of_generation, "num_beams", None) or 1
        self.settings = {"max_input_tokens": self.max_length, "num_beams": beams, **self.generation}

    def prepare(self, example: Any) -> Prepared:
        return Prepared(require_text(example, SPEC.name))

    def run(self, prepared: Prepared, phase: PhaseHook = no_phase) -> QueryResult:
        import torch

        with torch.inference_mode():
            enc = self.tokenizer(prepared.payload, truncation=True, max_length=self.max_length,
                                 return_tensors="pt")
            out = self.model.generate(**to_device(enc, self.model), **self.generation)
            new = out[0, 1:]  # after the decoder start token
            pad = self.tokenizer.pad_token_id
            n_out = int((new != pad).sum()) if pad is not None else int(new.shape[0])
            text = self.tokenizer.decode(new, skip_special_tokens=True).strip()
        return QueryResult(output={"summary_text": text},
                           input_tokens=int(enc["input_ids"].shape[1]), output_tokens=n_out)

    def run_batch(self, prepared: list[Prepared], phase: PhaseHook = no_phase) -> list[QueryResult]:
        """Several texts through one ``generate`` call (right padding, attention mask); each
        summary ends at its first end-of-sequence token, as :meth:`run` would stop."""
        import torch

        eos = eos_ids(self.model, self.tokenizer)
        pad = self.tokenizer.pad_token_id
        with torch.inference_mode():
            enc = encode_batch(self.tokenizer, [p.payload for p in prepared], truncation=True,
                               max_length=self.max_length)
            out = self.model.generate(**to_device(enc, self.model), **self.generation)
            results = []
            for row, n_in in zip(out.tolist(), row_lengths(enc), strict=True):
                new = until_eos(row[1:], eos)  # after the decoder start token
                n_out = sum(1 for t in new if t != pad) if pad is not None else len(new)
                text = self.tokenizer.decode(new, skip_special_tokens=True).strip()
                results.append(QueryResult(output={"summary_text": text}, input_tokens=n_in,
                                           output_tokens=n_out))
        return results


def load(source: ModelSource, *, device: str = "cpu", dtype: str = "float32",
         trust_remote_code: bool = False, zero_shot: bool | None = None) -> LoadedTask:
    """A seq2seq summarizer, or a multi-purpose model prompted zero-shot."""
    return load_text_task(source, SPEC, "seq2seq-lm", SummarizationRunner, device=device,
                          dtype=dtype, trust_remote_code=trust_remote_code, zero_shot=zero_shot)
