"""Sentence similarity (AI Energy Score: ``AIEnergyScore/sentence_similarity``, columns
``sentence1``/``sentence2``; reference model sentence-transformers/all-MiniLM-L6-v2).

One query, as sentence-transformers' ``encode`` does it for a pair: both sentences
tokenized and padded into one batch, one encoder forward pass, mean pooling over the real
tokens (attention mask), L2 normalisation, then the cosine similarity of the two
embeddings. Inputs are truncated to the model's ``max_seq_length`` (from its
``sentence_bert_config.json`` when it has one: 256 for all-MiniLM-L6-v2), else to its
maximum length. Any encoder with a plain ``AutoModel`` (BERT, MPNet, RoBERTa ...) fits.
"""

from __future__ import annotations

import json
import os
from typing import Any

from ..errors import DataError, ModelError
from ..models.loading import (
    base_info,
    build_model,
    count_parameters,
    load_config,
    load_tokenizer,
    max_input_length,
    shipped_meta,
)
from ..models.source import ModelSource
from ._text import encode_batch, to_device
from .base import InputKind, LoadedTask, PhaseHook, Prepared, QueryResult, TaskSpec, no_phase

SENTENCE_CONFIG = "sentence_bert_config.json"
# Encoder-only families AutoModel gives a token-embedding model for.
ENCODER_TYPES = frozenset({"bert", "distilbert", "roberta", "xlm-roberta", "mpnet", "electra",
                           "albert", "deberta", "deberta-v2", "camembert", "modernbert"})

SPEC = TaskSpec(
    name="sentence-similarity",
    title="Sentence similarity",
    input_kind=InputKind.SENTENCE_PAIR,
    default_columns=("sentence1", "sentence2"),
    preprocessing="both sentences in one padded batch, truncated to max_seq_length; mean "
                  "pooling, L2 normalised, cosine similarity",
    model_kinds=("AutoModel (encoder) + mean pooling",),
    batched=True,
)


def sentence_pair(example: Any) -> tuple[str, str]:
    """(sentence1, sentence2) from an example: a dict with those keys, or a 2-sequence."""
    if isinstance(example, dict) and {"sentence1", "sentence2"} <= set(example):
        first, second = example["sentence1"], example["sentence2"]
    elif isinstance(example, list | tuple) and len(example) == 2:
        first, second = example
    else:
        raise DataError(f"{SPEC.name} takes dict(sentence1=..., sentence2=...) examples, "
                        f"got {type(example).__name__}")
    first, second = str(first), str(second)
    if not first.strip() or not second.strip():
        raise DataError(f"{SPEC.name}: an example has an empty sentence")
    return first, second


def mean_pool_normalised(hidden: Any, mask: Any) -> Any:
    """Mean of the real tokens' embeddings (``mask`` 1), then L2 normalised per row."""
    import torch

    weights = mask.unsqueeze(-1).to(hidden.dtype)
    summed = (hidden * weights).sum(dim=1)
    pooled = summed / weights.sum(dim=1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled.float(), p=2, dim=-1)


class SentenceSimilarityRunner:
    spec = SPEC

    def __init__(self, model: Any, tokenizer: Any, max_length: int) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.settings = {"max_input_tokens": max_length, "pooling": "mean (attention mask)",
                         "normalize": "L2", "score": "cosine similarity"}

    def prepare(self, example: Any) -> Prepared:
        first, second = sentence_pair(example)
        return Prepared({"sentence1": first, "sentence2": second})

    def _embed(self, sentences: list[str], phase: PhaseHook) -> tuple[Any, Any]:
        with phase("tokenize"):
            enc = encode_batch(self.tokenizer, sentences, truncation=True,
                               max_length=self.max_length)
        with phase("forward"):
            hidden = self.model(**to_device(enc, self.model)).last_hidden_state
            embeddings = mean_pool_normalised(hidden, enc["attention_mask"].to(hidden.device))
        return embeddings, enc["attention_mask"].sum(dim=1)

    def run(self, prepared: Prepared, phase: PhaseHook = no_phase) -> QueryResult:
        return self.run_batch([prepared], phase)[0]

    def run_batch(self, prepared: list[Prepared], phase: PhaseHook = no_phase) -> list[QueryResult]:
        """All pairs' sentences in one padded forward pass; one similarity per pair."""
        import torch

        sentences = [s for p in prepared for s in (p.payload["sentence1"], p.payload["sentence2"])]
        with torch.inference_mode():
            embeddings, lengths = self._embed(sentences, phase)
            scores = (embeddings[0::2] * embeddings[1::2]).sum(dim=-1).cpu()
        return [QueryResult(output={"similarity": round(float(score), 6)},
                            input_tokens=int(lengths[2 * i]) + int(lengths[2 * i + 1]))
                for i, score in enumerate(scores)]


def _max_seq_length(source: ModelSource, config: Any, tokenizer: Any) -> tuple[int, str]:
    """sentence-transformers' ``max_seq_length`` when the model states it, else the
    longest input the model and tokenizer take; and where the figure came from."""
    limit = min(max_input_length(config), tokenizer.model_max_length)
    stated: Any = None
    where = "model maximum"
    if source.kind == "random":
        stated, where = shipped_meta(source).get("max_seq_length"), "shipped joulebench.json"
    else:
        path: Any = None
        if source.kind == "local" and source.path is not None:
            path = source.path / SENTENCE_CONFIG
        else:
            try:
                from transformers.utils import cached_file

                from ..models.hub import hub_reachable

                path = cached_file(source.name, SENTENCE_CONFIG,
                                   local_files_only=not hub_reachable(),
                                   _raise_exceptions_for_missing_entries=False,
                                   _raise_exceptions_for_connection_errors=False)
            except (OSError, ValueError):
                path = None
        if path is not None and os.path.isfile(path):
            try:
                with open(path, encoding="utf-8") as handle:
                    stated = json.load(handle).get("max_seq_length")
                where = SENTENCE_CONFIG
            except (OSError, ValueError):
                stated = None
    if isinstance(stated, int) and stated > 0:
        return min(stated, limit), where
    return limit, "model maximum"


def load(source: ModelSource, *, device: str = "cpu", dtype: str = "float32",
         trust_remote_code: bool = False) -> LoadedTask:
    """An encoder (``AutoModel``) whose mean-pooled, normalised outputs are compared."""
    import transformers

    config = load_config(source, trust_remote_code=trust_remote_code)
    model_type = getattr(config, "model_type", None)
    if model_type not in ENCODER_TYPES and not trust_remote_code:
        arch = (getattr(config, "architectures", None) or [model_type])[0]
        raise ModelError(f"{source.label} ({arch}) does not fit task {SPEC.name}: it needs an "
                         "encoder (BERT, MPNet, RoBERTa ...) to mean-pool",
                         hint="models that fit: random:sentence-transformers/all-MiniLM-L6-v2")
    model = build_model(source, transformers.AutoModel, config, device=device, dtype=dtype,
                        trust_remote_code=trust_remote_code)
    tokenizer, provenance = load_tokenizer(source, config, trust_remote_code=trust_remote_code)
    max_length, where = _max_seq_length(source, config, tokenizer)
    runner = SentenceSimilarityRunner(model, tokenizer, max_length)
    info = base_info(source, model, device=device, dtype=dtype)
    info.update(tokenizer=provenance, zero_shot=False, mode="task", max_seq_length_from=where)
    info.update(runner.settings)
    return LoadedTask(runner=runner, parameters=count_parameters(model),
                      model_label=source.label, info=info, model=model)
