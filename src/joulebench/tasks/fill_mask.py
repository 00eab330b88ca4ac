"""Masked language modelling: the study's first 20 words, the last one masked, top-1 guess."""

from __future__ import annotations

from typing import Any

from ..errors import DataError
from ..models.loading import max_input_length
from ..models.source import ModelSource
from ._text import encode_batch, first_words, load_text_task, require_text, row_lengths, to_device
from .base import InputKind, LoadedTask, PhaseHook, Prepared, QueryResult, TaskSpec, no_phase

N_WORDS = 20

SPEC = TaskSpec(
    name="fill-mask",
    title="Masked language modelling",
    input_kind=InputKind.TEXT,
    default_columns=("text",),
    preprocessing=f"first {N_WORDS} words, the last one replaced by the mask token; top-1",
    model_kinds=("AutoModelForMaskedLM",),
    batched=True,
)


class FillMaskRunner:
    spec = SPEC

    def __init__(self, model: Any, tokenizer: Any, config: Any) -> None:
        if tokenizer.mask_token is None:
            raise DataError("the tokenizer has no mask token, so fill-mask cannot run")
        self.model = model
        self.tokenizer = tokenizer
        self.max_length = min(max_input_length(config), tokenizer.model_max_length)
        self.settings = {"max_input_tokens": self.max_length, "words": N_WORDS}

    def prepare(self, example: Any) -> Prepared:
        words = first_words(require_text(example, SPEC.name), N_WORDS).split(" ")
        masked = " ".join([*words[:-1], self.tokenizer.mask_token])
        return Prepared(masked, meta={"masked_word": words[-1]})

    def run(self, prepared: Prepared, phase: PhaseHook = no_phase) -> QueryResult:
        import torch

        with torch.inference_mode():
            enc = self.tokenizer(prepared.payload, truncation=True, max_length=self.max_length,
                                 return_tensors="pt")
            positions = (enc["input_ids"][0] == self.tokenizer.mask_token_id).nonzero()
            if positions.numel() == 0:
                raise DataError("the mask token was cut off by truncation")
            logits = self.model(**to_device(enc, self.model)).logits[0, int(positions[-1, 0])]
            probs = torch.softmax(logits.float(), dim=-1)
            score, token_id = probs.max(dim=-1)
        token = self.tokenizer.decode([int(token_id)]).strip()
        return QueryResult(output={"token_str": token, "score": round(float(score), 6)},
                           input_tokens=int(enc["input_ids"].shape[1]), output_tokens=1)

    def run_batch(self, prepared: list[Prepared], phase: PhaseHook = no_phase) -> list[QueryResult]:
        """Several masked texts in one padded forward pass (right padding); top-1 per text."""
        import torch

        with torch.inference_mode():
            enc = encode_batch(self.tokenizer, [p.payload for p in prepared], truncation=True,
                               max_length=self.max_length)
            masked = enc["input_ids"] == self.tokenizer.mask_token_id
            positions = []
            for row in masked:
                found = row.nonzero()
                if found.numel() == 0:
                    raise DataError("the mask token was cut off by truncation")
                positions.append(int(found[-1, 0]))
            logits = self.model(**to_device(enc, self.model)).logits
            picked = logits[torch.arange(len(positions)), torch.tensor(positions)]
            scores, token_ids = torch.softmax(picked.float(), dim=-1).max(dim=-1)
        return [QueryResult(output={"token_str": self.tokenizer.decode([int(t)]).strip(),
                                    "score": round(float(s), 6)}, input_tokens=n, output_tokens=1)
                for s, t, n in zip(scores, token_ids, row_lengths(enc), strict=True)]


def load(source: ModelSource, *, device: str = "cpu", dtype: str = "float32",
         trust_remote_code: bool = False) -> LoadedTask:
    return load_text_task(source, SPEC, "masked-lm", FillMaskRunner, device=device, dtype=dtype,
                          trust_remote_code=trust_remote_code, zero_shot=False)
