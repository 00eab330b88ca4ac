"""Token classification (NER): per-token labels aggregated into entities.

Aggregation follows the transformers pipeline's "simple" strategy: consecutive tokens
whose labels share an entity type (B-X then I-X, or I-X I-X) form one entity; its score
is the mean of the tokens' scores and its text is cut from the input by offsets.
"""

from __future__ import annotations

from typing import Any

from ..models.loading import max_input_length
from ..models.source import ModelSource
from ._text import encode_batch, load_text_task, require_text, row_lengths, to_device
from .base import InputKind, LoadedTask, PhaseHook, Prepared, QueryResult, TaskSpec, no_phase

SPEC = TaskSpec(
    name="token-classification",
    title="Token classification",
    input_kind=InputKind.TEXT,
    default_columns=("tokens", "passage", "text"),
    preprocessing="whole text, truncated to the model's maximum length; entities",
    model_kinds=("AutoModelForTokenClassification",),
    batched=True,
)


def aggregate(text: str, labels: list[str], scores: list[float],
              offsets: list[tuple[int, int]]) -> list[dict[str, Any]]:
    """Group per-token labels into entities (pure; "O" and special tokens are skipped)."""
    entities: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for label, score, (start, end) in zip(labels, scores, offsets, strict=True):
        if start == end or label == "O":  # special token, or outside any entity
            current = None
            continue
        prefix, _, kind = label.partition("-") if "-" in label else ("", "", label)
        if current is not None and current["entity_group"] == kind and prefix != "B":
            current["end"] = end
            current["_scores"].append(score)
            continue
        current = {"entity_group": kind, "start": start, "end": end, "_scores": [score]}
        entities.append(current)
    for entity in entities:
        token_scores = entity.pop("_scores")
        entity["score"] = round(sum(token_scores) / len(token_scores), 6)
        entity["word"] = text[entity["start"]:entity["end"]]
    return entities


class TokenClassificationRunner:
    spec = SPEC

    def __init__(self, model: Any, tokenizer: Any, config: Any) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.max_length = min(max_input_length(config), tokenizer.model_max_length)
        self.id2label = {int(k): v for k, v in (getattr(config, "id2label", None) or {}).items()}
        self.settings = {"max_input_tokens": self.max_length, "aggregation": "simple"}

    def prepare(self, example: Any) -> Prepared:
        if isinstance(example, list):  # pre-split tokens (conll2003, wikiann)
            example = " ".join(str(t) for t in example)
        return Prepared(require_text(example, SPEC.name))

    def run(self, prepared: Prepared, phase: PhaseHook = no_phase) -> QueryResult:
        import torch

        text = prepared.payload
        with torch.inference_mode():
            enc = self.tokenizer(text, truncation=True, max_length=self.max_length,
                                 return_offsets_mapping=True, return_tensors="pt")
            offsets = [(int(a), int(b)) for a, b in enc.pop("offset_mapping")[0].tolist()]
            logits = self.model(**to_device(enc, self.model)).logits[0]
            scores, ids = torch.softmax(logits.float(), dim=-1).max(dim=-1)
        labels = [self.id2label.get(int(i), f"LABEL_{int(i)}") for i in ids]
        entities = aggregate(text, labels, scores.tolist(), offsets)
        return QueryResult(output=entities, input_tokens=int(enc["input_ids"].shape[1]))

    def run_batch(self, prepared: list[Prepared], phase: PhaseHook = no_phase) -> list[QueryResult]:
        """Several texts in one padded forward pass (right padding); entities per text."""
        import torch

        texts = [p.payload for p in prepared]
        with torch.inference_mode():
            enc = encode_batch(self.tokenizer, texts, truncation=True, max_length=self.max_length,
                               return_offsets_mapping=True)
            offsets = enc.pop("offset_mapping").tolist()
            logits = self.model(**to_device(enc, self.model)).logits
            scores, ids = torch.softmax(logits.float(), dim=-1).max(dim=-1)
        results = []
        for row, (text, n) in enumerate(zip(texts, row_lengths(enc), strict=True)):
            labels = [self.id2label.get(int(i), f"LABEL_{int(i)}") for i in ids[row, :n]]
            spans = [(int(a), int(b)) for a, b in offsets[row][:n]]
            entities = aggregate(text, labels, scores[row, :n].tolist(), spans)
            results.append(QueryResult(output=entities, input_tokens=n))
        return results


def load(source: ModelSource, *, device: str = "cpu", dtype: str = "float32",
         trust_remote_code: bool = False) -> LoadedTask:
    return load_text_task(source, SPEC, "token-classification", TokenClassificationRunner,
                          device=device, dtype=dtype, trust_remote_code=trust_remote_code,
                          zero_shot=False)
