"""Text classification (sentiment): one label and its score per text.

Task-specific models use their sequence-classification head; multi-purpose models
(Flan-T5, BLOOMZ) answer the study's sentiment prompt zero-shot (:mod:`.zero_shot`).
"""

from __future__ import annotations

from typing import Any

from ..models.loading import max_input_length
from ..models.source import ModelSource
from ._text import encode_batch, load_text_task, require_text, row_lengths, to_device
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

SPEC = TaskSpec(
    name="text-classification",
    title="Text classification",
    input_kind=InputKind.TEXT,
    default_columns=("text", "sentence"),
    preprocessing="whole text, truncated to the model's maximum length; label + score",
    model_kinds=("AutoModelForSequenceClassification", "zero-shot: seq2seq / causal LM"),
    zero_shot=True,
    batched=True,
    options=(TaskOption("zero_shot", bool, None,
                        "true: prompt the model zero-shot; false: use its task head; "
                        "default: zero-shot for multi-purpose models (Flan-T5, BLOOMZ)"),),
)


class TextClassificationRunner:
    spec = SPEC

    def __init__(self, model: Any, tokenizer: Any, config: Any) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.max_length = min(max_input_length(config), tokenizer.model_max_length)
        self.id2label = {int(k): v for k, v in (getattr(config, "id2label", None) or {}).items()}
        self.settings = {"max_input_tokens": self.max_length}

    def prepare(self, example: Any) -> Prepared:
        return Prepared(require_text(example, SPEC.name))

    def run(self, prepared: Prepared, phase: PhaseHook = no_phase) -> QueryResult:
        import torch

        with torch.inference_mode():
            enc = self.tokenizer(prepared.payload, truncation=True, max_length=self.max_length,
                                 return_tensors="pt")
            logits = self.model(**to_device(enc, self.model)).logits[0]
            probs = torch.softmax(logits.float(), dim=-1)
            score, index = probs.max(dim=-1)
        label = self.id2label.get(int(index), f"LABEL_{int(index)}")
        return QueryResult(output={"label": label, "score": round(float(score), 6)},
                           input_tokens=int(enc["input_ids"].shape[1]))

    def run_batch(self, prepared: list[Prepared], phase: PhaseHook = no_phase) -> list[QueryResult]:
        """Several texts in one padded forward pass; one result per text, as :meth:`run`."""
        import torch

        with torch.inference_mode():
            enc = encode_batch(self.tokenizer, [p.payload for p in prepared], truncation=True,
                               max_length=self.max_length)
            logits = self.model(**to_device(enc, self.model)).logits
            scores, indices = torch.softmax(logits.float(), dim=-1).max(dim=-1)
        return [QueryResult(output={"label": self.id2label.get(int(i), f"LABEL_{int(i)}"),
                                    "score": round(float(s), 6)}, input_tokens=n)
                for s, i, n in zip(scores, indices, row_lengths(enc), strict=True)]


def load(source: ModelSource, *, device: str = "cpu", dtype: str = "float32",
         trust_remote_code: bool = False, zero_shot: bool | None = None) -> LoadedTask:
    """A sequence classifier, or a multi-purpose model prompted zero-shot."""
    return load_text_task(source, SPEC, "sequence-classification", TextClassificationRunner,
                          device=device, dtype=dtype, trust_remote_code=trust_remote_code,
                          zero_shot=zero_shot)
