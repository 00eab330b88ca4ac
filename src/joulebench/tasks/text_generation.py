"""Text generation: the study's first 20 words, then 10 new tokens, greedy.

One query is split into two real phases through the phase hook: "prefill" (tokenize, one
forward pass over the prompt that fills the KV cache and yields the first new token) and
"decode" (the remaining tokens, one cached forward pass each). Generation stops early at
the end-of-sequence token, as ``generate`` would.
"""

from __future__ import annotations

import inspect
from typing import Any

from ..models.loading import max_input_length
from ..models.source import ModelSource
from ._text import (
    encode_batch,
    eos_ids,
    first_words,
    load_text_task,
    require_text,
    row_lengths,
    to_device,
    until_eos,
)
from .base import InputKind, LoadedTask, PhaseHook, Prepared, QueryResult, TaskSpec, no_phase

N_WORDS = 20
NEW_TOKENS = 10

SPEC = TaskSpec(
    name="text-generation",
    title="Text generation",
    input_kind=InputKind.TEXT,
    default_columns=("text",),
    preprocessing=f"first {N_WORDS} words, {NEW_TOKENS} new tokens (greedy); "
                  "phases prefill and decode",
    model_kinds=("AutoModelForCausalLM",),
    batched=True,
)


def _cache_names(model: Any) -> tuple[str, str]:
    """(argument, output field) of the KV cache: ``cache`` since transformers 5.x, else
    ``past_key_values``."""
    if "cache" in inspect.signature(model.forward).parameters:
        return "cache", "cache"
    return "past_key_values", "past_key_values"


class TextGenerationRunner:
    spec = SPEC

    def __init__(self, model: Any, tokenizer: Any, config: Any, new_tokens: int = NEW_TOKENS) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.new_tokens = new_tokens
        self.max_length = max_input_length(config, default=2048) - new_tokens
        self.eos = eos_ids(model, tokenizer)
        self.position_ids = "position_ids" in inspect.signature(model.forward).parameters
        self.cache_arg, self.cache_field = _cache_names(model)
        self.settings = {"max_input_tokens": self.max_length, "words": N_WORDS,
                         "max_new_tokens": new_tokens, "decoding": "greedy, KV cache"}

    def prepare(self, example: Any) -> Prepared:
        return Prepared(first_words(require_text(example, SPEC.name), N_WORDS))

    def run(self, prepared: Prepared, phase: PhaseHook = no_phase) -> QueryResult:
        import torch

        generated: list[int] = []
        with torch.inference_mode():
            with phase("prefill"):
                enc = to_device(self.tokenizer(prepared.payload, truncation=True,
                                               max_length=self.max_length, return_tensors="pt"),
                                self.model)
                mask = enc["attention_mask"]
                out = self.model(input_ids=enc["input_ids"], attention_mask=mask, use_cache=True)
                next_id = out.logits[:, -1].argmax(dim=-1, keepdim=True)
                generated.append(int(next_id))
            with phase("decode"):
                past = out[self.cache_field]
                while len(generated) < self.new_tokens and generated[-1] not in self.eos:
                    mask = torch.cat([mask, mask.new_ones((1, 1))], dim=-1)
                    out = self.model(input_ids=next_id, attention_mask=mask, use_cache=True,
                                     **{self.cache_arg: past})
                    past = out[self.cache_field]
                    next_id = out.logits[:, -1].argmax(dim=-1, keepdim=True)
                    generated.append(int(next_id))
        text = self.tokenizer.decode(generated, skip_special_tokens=True)
        return QueryResult(output={"generated_text": text},
                           input_tokens=int(enc["input_ids"].shape[1]),
                           output_tokens=len(generated))

    def run_batch(self, prepared: list[Prepared], phase: PhaseHook = no_phase) -> list[QueryResult]:
        """Several prompts generated together: left padding and an attention mask, greedy,
        KV cache, the same prefill/decode phases. Each row's tokens end at its first
        end-of-sequence token, as :meth:`run` would stop; the batch stops when all rows
        have, or after ``new_tokens``."""
        import torch

        with torch.inference_mode():
            with phase("prefill"):
                enc = encode_batch(self.tokenizer, [p.payload for p in prepared], side="left",
                                   truncation=True, max_length=self.max_length)
                lengths = row_lengths(enc)
                enc = to_device(enc, self.model)
                mask = enc["attention_mask"]
                extra = {}
                if self.position_ids:  # count positions from each row's first real token
                    positions = (mask.cumsum(dim=-1) - 1).clamp(min=0)
                    extra["position_ids"] = positions
                out = self.model(input_ids=enc["input_ids"], attention_mask=mask, use_cache=True,
                                 **extra)
                next_ids = out.logits[:, -1].argmax(dim=-1, keepdim=True)
                rows = [[int(t)] for t in next_ids[:, 0]]
            with phase("decode"):
                past = out[self.cache_field]
                done = [row[-1] in self.eos for row in rows]
                while len(rows[0]) < self.new_tokens and not all(done):
                    mask = torch.cat([mask, mask.new_ones((mask.shape[0], 1))], dim=-1)
                    if self.position_ids:
                        positions = positions[:, -1:] + 1
                        extra["position_ids"] = positions
                    out = self.model(input_ids=next_ids, attention_mask=mask, use_cache=True,
                                     **{self.cache_arg: past}, **extra)
                    past = out[self.cache_field]
                    next_ids = out.logits[:, -1].argmax(dim=-1, keepdim=True)
                    for i, token in enumerate(next_ids[:, 0].tolist()):
                        rows[i].append(int(token))
                        done[i] = done[i] or int(token) in self.eos
        results = []
        for row, n_in in zip(rows, lengths, strict=True):
            generated = until_eos(row, self.eos)
            results.append(QueryResult(
                output={"generated_text": self.tokenizer.decode(generated, skip_special_tokens=True)},
                input_tokens=n_in, output_tokens=len(generated)))
        return results


def load(source: ModelSource, *, device: str = "cpu", dtype: str = "float32",
         trust_remote_code: bool = False) -> LoadedTask:
    return load_text_task(source, SPEC, "causal-lm", TextGenerationRunner, device=device,
                          dtype=dtype, trust_remote_code=trust_remote_code, zero_shot=False)
