"""Text generation: the study's first 20 words, then 10 new tokens, greedy.

One query is split into two real phases through the phase hook: "prefill" (tokenize, one
forward pass over the prompt that fills the KV cache and yields the first new token) and
"decode" (the remaining tokens, one cached forward pass each). Generation stops early at
the end-of-sequence token, as ``generate`` would.
"""

from __future__ import annotations

from typing import Any

from ..models.loading import max_input_length
from ..models.source import ModelSource
from ._text import first_words, load_text_task, require_text, to_device
from .base import LoadedTask, PhaseHook, Prepared, QueryResult, TaskSpec, no_phase

N_WORDS = 20
NEW_TOKENS = 10

SPEC = TaskSpec(
    name="text-generation",
    title="Text generation",
    input_kind="text",
    default_columns=("text",),
    preprocessing=f"first {N_WORDS} words, {NEW_TOKENS} new tokens (greedy); "
                  "phases prefill and decode",
    model_kinds=("AutoModelForCausalLM",),
)


def _eos_ids(model: Any, tokenizer: Any) -> set[int]:
    eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    if eos is None:
        eos = tokenizer.eos_token_id
    if eos is None:
        return set()
    return {int(e) for e in eos} if isinstance(eos, list) else {int(eos)}


def _cache_names(model: Any) -> tuple[str, str]:
    """(argument, output field) of the KV cache: ``cache`` since transformers 5.x, else
    ``past_key_values``."""
    import inspect

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
        self.eos = _eos_ids(model, tokenizer)
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


def load(source: ModelSource, *, device: str = "cpu", dtype: str = "float32",
         trust_remote_code: bool = False) -> LoadedTask:
    return load_text_task(source, SPEC, "causal-lm", TextGenerationRunner, device=device,
                          dtype=dtype, trust_remote_code=trust_remote_code, zero_shot=False)
