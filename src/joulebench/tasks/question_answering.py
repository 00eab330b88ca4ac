"""Extractive question answering: question + context → the best span's text.

Task-specific models use their QA head (start/end logits over the context's tokens; the
best span with start <= end and at most ``MAX_ANSWER_TOKENS`` tokens, as the transformers
pipeline does); multi-purpose models answer the study's QA prompt zero-shot.
"""

from __future__ import annotations

from typing import Any

from ..models.loading import max_input_length
from ..models.source import ModelSource
from ._text import encode_batch, load_text_task, row_lengths, to_device
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
from .zero_shot import question_context

MAX_ANSWER_TOKENS = 15

SPEC = TaskSpec(
    name="question-answering",
    title="Extractive question answering",
    input_kind=InputKind.QUESTION_CONTEXT,
    default_columns=("question", "context"),
    preprocessing="question + context, context truncated to the model's maximum length; "
                  "best start/end span",
    model_kinds=("AutoModelForQuestionAnswering", "zero-shot: seq2seq / causal LM"),
    zero_shot=True,
    batched=True,
    options=(TaskOption("zero_shot", bool, None,
                        "true: prompt the model zero-shot; false: use its task head; "
                        "default: zero-shot for multi-purpose models (Flan-T5, BLOOMZ)"),),
)


def best_span(start_logits: Any, end_logits: Any, allowed: Any, max_len: int) -> tuple[int, int, float]:
    """Token indices (start, end) of the best span and its probability score."""
    import torch

    neg = torch.finfo(start_logits.dtype).min
    start = torch.softmax(start_logits.masked_fill(~allowed, neg), dim=-1)
    end = torch.softmax(end_logits.masked_fill(~allowed, neg), dim=-1)
    scores = start[:, None] * end[None, :]
    n = scores.shape[0]
    band = torch.ones(n, n, dtype=torch.bool, device=scores.device).triu().tril(max_len - 1)
    scores = scores.masked_fill(~band, 0.0)
    flat = int(scores.argmax())
    return flat // n, flat % n, float(scores.flatten()[flat])


class QuestionAnsweringRunner:
    spec = SPEC

    def __init__(self, model: Any, tokenizer: Any, config: Any) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.max_length = min(max_input_length(config), tokenizer.model_max_length)
        self.settings = {"max_input_tokens": self.max_length, "max_answer_tokens": MAX_ANSWER_TOKENS}

    def prepare(self, example: Any) -> Prepared:
        question, context = question_context(example, SPEC.name)
        return Prepared({"question": question, "context": context})

    def run(self, prepared: Prepared, phase: PhaseHook = no_phase) -> QueryResult:
        import torch

        question, context = prepared.payload["question"], prepared.payload["context"]
        with torch.inference_mode():
            enc = self.tokenizer(question, context, truncation="only_second",
                                 max_length=self.max_length, return_offsets_mapping=True,
                                 return_tensors="pt")
            offsets = enc.pop("offset_mapping")[0]
            in_context = torch.tensor([s == 1 for s in enc.sequence_ids(0)])
            out = self.model(**to_device(enc, self.model))
            start, end, score = best_span(out.start_logits[0].float().cpu(),
                                          out.end_logits[0].float().cpu(), in_context,
                                          MAX_ANSWER_TOKENS)
        return _answer(context, offsets, start, end, score, int(enc["input_ids"].shape[1]))

    def run_batch(self, prepared: list[Prepared], phase: PhaseHook = no_phase) -> list[QueryResult]:
        """Several (question, context) pairs in one padded forward pass; a span per pair."""
        import torch

        questions = [p.payload["question"] for p in prepared]
        contexts = [p.payload["context"] for p in prepared]
        with torch.inference_mode():
            enc = encode_batch(self.tokenizer, questions, contexts, truncation="only_second",
                               max_length=self.max_length, return_offsets_mapping=True)
            offsets = enc.pop("offset_mapping")
            out = self.model(**to_device(enc, self.model))
            starts, ends = out.start_logits.float().cpu(), out.end_logits.float().cpu()
            results = []
            for row, (context, n) in enumerate(zip(contexts, row_lengths(enc), strict=True)):
                in_context = torch.tensor([s == 1 for s in enc.sequence_ids(row)])
                start, end, score = best_span(starts[row], ends[row], in_context,
                                              MAX_ANSWER_TOKENS)
                results.append(_answer(context, offsets[row], start, end, score, n))
        return results


def _answer(context: str, offsets: Any, start: int, end: int, score: float,
            input_tokens: int) -> QueryResult:
    char_start, char_end = int(offsets[start][0]), int(offsets[end][1])
    answer = {"answer": context[char_start:char_end], "start": char_start, "end": char_end,
              "score": round(score, 6)}
    return QueryResult(output=answer, input_tokens=input_tokens, output_tokens=end - start + 1)


def load(source: ModelSource, *, device: str = "cpu", dtype: str = "float32",
         trust_remote_code: bool = False, zero_shot: bool | None = None) -> LoadedTask:
    """An extractive QA model, or a multi-purpose model prompted zero-shot."""
    return load_text_task(source, SPEC, "question-answering", QuestionAnsweringRunner,
                          device=device, dtype=dtype, trust_remote_code=trust_remote_code,
                          zero_shot=zero_shot)
