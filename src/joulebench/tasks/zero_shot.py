"""Multi-purpose models (Flan-T5, BLOOMZ) run zero-shot with the study's prompts.

The prompts are the study's, word for word. A seq2seq model generates from the encoded
prompt; a decoder-only model continues it, and only the continuation counts as output.
Decoding is greedy unless the model's own generation config says otherwise.
"""

from __future__ import annotations

from typing import Any

from ..errors import DataError
from ._textutil import encode_batch, eos_ids, require_text, row_lengths, to_device, until_eos
from .base import PhaseHook, Prepared, QueryResult, TaskSpec, no_phase

SENTIMENT_PROMPT = "what is the binary sentiment of the following sentence? {text}"
QA_PROMPT = '{question}? Find the answer to the question in the following text: "{passage}". Answer:'
SUMMARIZATION_PROMPT = "summarize the following text: {text}"

# task → generation lengths: classification and QA answers are short (the pipeline's
# default cap of 20 tokens); summaries are 10 to 15 tokens, as in the study.
GENERATION: dict[str, dict[str, int]] = {
    "text-classification": {"max_new_tokens": 20},
    "question-answering": {"max_new_tokens": 20},
    "summarization": {"min_new_tokens": 10, "max_new_tokens": 15},
}


def question_context(example: Any, task: str = "question-answering") -> tuple[str, str]:
    """(question, context) from a QA example: a dict with those keys."""
    if not isinstance(example, dict) or not {"question", "context"} <= set(example):
        raise DataError(f"{task} takes dict(question=..., context=...) examples, "
                        f"got {type(example).__name__}")
    question, context = str(example["question"]), str(example["context"])
    if not question.strip() or not context.strip():
        raise DataError(f"{task}: an example has an empty question or context")
    return question, context


def build_prompt(task: str, example: Any) -> str:
    """The study's zero-shot prompt for ``task`` and one example."""
    if task == "text-classification":
        return SENTIMENT_PROMPT.format(text=require_text(example, task))
    if task == "question-answering":
        question, context = question_context(example)
        return QA_PROMPT.format(question=question, passage=context)
    if task == "summarization":
        return SUMMARIZATION_PROMPT.format(text=require_text(example, task))
    raise DataError(f"no zero-shot prompt for task {task!r}")


class ZeroShotRunner:
    """Prompt in, generated text out, for a seq2seq or decoder-only multi-purpose model."""

    def __init__(self, spec: TaskSpec, model: Any, tokenizer: Any, config: Any) -> None:
        from ..models.loading import max_input_length

        self.spec = spec
        self.model = model
        self.tokenizer = tokenizer
        self.encoder_decoder = bool(getattr(config, "is_encoder_decoder", False))
        self.generation = dict(GENERATION[spec.name])
        limit = max_input_length(config, default=2048)
        # A decoder-only model's prompt and continuation share the context window.
        self.max_length = limit if self.encoder_decoder else limit - self.generation["max_new_tokens"]
        self.settings = {"prompt": _PROMPTS[spec.name], "max_input_tokens": self.max_length,
                         **self.generation}

    def prepare(self, example: Any) -> Prepared:
        return Prepared(build_prompt(self.spec.name, example))

    def run(self, prepared: Prepared, phase: PhaseHook = no_phase) -> QueryResult:
        import torch

        with torch.inference_mode():
            enc = self.tokenizer(prepared.payload, truncation=True, max_length=self.max_length,
                                 return_tensors="pt")
            n_in = int(enc["input_ids"].shape[1])
            out = self.model.generate(**to_device(enc, self.model), **self.generation)
            new = out[0, 1:] if self.encoder_decoder else out[0, n_in:]
            text = self.tokenizer.decode(new, skip_special_tokens=True).strip()
        return QueryResult(output=_post_process(self.spec.name, text),
                           input_tokens=n_in, output_tokens=int(new.shape[0]))

    def run_batch(self, prepared: list[Prepared], phase: PhaseHook = no_phase) -> list[QueryResult]:
        """Several prompts through one ``generate`` call, padded (left for a decoder-only
        model, whose continuation must follow the prompt); each row's output ends at its
        first end-of-sequence token, as :meth:`run` would stop."""
        import torch

        eos = eos_ids(self.model, self.tokenizer)
        side = "right" if self.encoder_decoder else "left"
        with torch.inference_mode():
            enc = encode_batch(self.tokenizer, [p.payload for p in prepared], side=side,
                               truncation=True, max_length=self.max_length)
            out = self.model.generate(**to_device(enc, self.model), **self.generation)
            start = 1 if self.encoder_decoder else int(enc["input_ids"].shape[1])
            results = []
            for row, n_in in zip(out.tolist(), row_lengths(enc), strict=True):
                new = until_eos(row[start:], eos)
                text = self.tokenizer.decode(new, skip_special_tokens=True).strip()
                results.append(QueryResult(output=_post_process(self.spec.name, text),
                                           input_tokens=n_in, output_tokens=len(new)))
        return results


_PROMPTS = {
    "text-classification": SENTIMENT_PROMPT,
    "question-answering": QA_PROMPT,
    "summarization": SUMMARIZATION_PROMPT,
}


def _post_process(task: str, text: str) -> dict[str, str]:
    if task == "text-classification":
        return {"label": text}
    if task == "question-answering":
        return {"answer": text}
    return {"summary_text": text}
