"""Shared by the text task modules: which models fit a task, loading them, cutting text.

A model fits a task when its architecture (``config.architectures[0]``, else its
``model_type``) has the task's head (e.g. ``...ForQuestionAnswering``). Multi-purpose
models (Flan-T5 / T5 family, BLOOM(Z)) run the study's zero-shot prompts instead on the
tasks that allow it (text classification, question answering, summarization); any
seq2seq or causal LM can be forced to with ``zero_shot=True``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..errors import ModelError
from ..models.loading import base_info, build_model, count_parameters, load_config, load_tokenizer
from ..models.source import ModelSource, configs_root, shipped_configs
from ._textutil import (
    device_of,
    encode_batch,
    eos_ids,
    first_words,
    require_text,
    row_lengths,
    to_device,
    until_eos,
)
from .base import LoadedTask, TaskRunner, TaskSpec
from .zero_shot import ZeroShotRunner

# The text helpers, re-exported for the task modules (defined in ._textutil).
__all__ = [
    "GENERATIVE", "HEADS", "MULTI_PURPOSE_TYPES", "choose_mode", "device_of", "encode_batch",
    "eos_ids", "first_words", "heads_of", "load_text_task", "mismatch", "require_text",
    "row_lengths", "to_device", "until_eos",
]

# head → (auto class, transformers mapping of model_type → class name)
HEADS: dict[str, tuple[str, str]] = {
    "sequence-classification": ("AutoModelForSequenceClassification",
                                "MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING_NAMES"),
    "token-classification": ("AutoModelForTokenClassification",
                             "MODEL_FOR_TOKEN_CLASSIFICATION_MAPPING_NAMES"),
    "question-answering": ("AutoModelForQuestionAnswering",
                           "MODEL_FOR_QUESTION_ANSWERING_MAPPING_NAMES"),
    "masked-lm": ("AutoModelForMaskedLM", "MODEL_FOR_MASKED_LM_MAPPING_NAMES"),
    "causal-lm": ("AutoModelForCausalLM", "MODEL_FOR_CAUSAL_LM_MAPPING_NAMES"),
    "seq2seq-lm": ("AutoModelForSeq2SeqLM", "MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES"),
}
GENERATIVE = ("seq2seq-lm", "causal-lm")
# Instruction-tuned families the study ran zero-shot (Flan-T5, BLOOMZ).
MULTI_PURPOSE_TYPES = frozenset({"t5", "mt5", "umt5", "bloom"})


def _mapping(head: str) -> dict[str, Any]:
    from transformers.models.auto import modeling_auto

    return dict(getattr(modeling_auto, HEADS[head][1]))


def _class_names(value: Any) -> set[str]:
    return {value} if isinstance(value, str) else set(value)


def heads_of(architectures: list[str] | None, model_type: str | None) -> set[str]:
    """The heads (keys of HEADS) a model with this config has."""
    found = set()
    for head in HEADS:
        mapping = _mapping(head)
        if architectures:
            names = set().union(*(_class_names(v) for v in mapping.values()))
            if architectures[0] in names:
                found.add(head)
        elif model_type in mapping:
            found.add(head)
    return found


def choose_mode(config: Any, spec: TaskSpec, head: str, zero_shot: bool | None) -> str:
    """"task" (the task's own head) or "zero-shot-seq2seq" / "zero-shot-causal"."""
    heads = heads_of(getattr(config, "architectures", None), getattr(config, "model_type", None))
    generative = [h for h in GENERATIVE if h in heads]
    multi = getattr(config, "model_type", None) in MULTI_PURPOSE_TYPES
    if spec.zero_shot and generative and (zero_shot or (zero_shot is None and multi)):
        return "zero-shot-" + generative[0].removesuffix("-lm")
    if head in heads and not zero_shot:
        return "task"
    return ""


def _fitting_shipped(spec: TaskSpec, head: str) -> list[str]:
    fits = []
    for model_id in shipped_configs():
        path = configs_root() / model_id.replace("/", "__") / "config.json"
        try:
            raw = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        heads = heads_of(raw.get("architectures"), raw.get("model_type"))
        zero = spec.zero_shot and raw.get("model_type") in MULTI_PURPOSE_TYPES and heads & set(GENERATIVE)
        if head in heads or zero:
            fits.append("random:" + model_id)
    return fits


def mismatch(source: ModelSource, config: Any, spec: TaskSpec, head: str) -> ModelError:
    arch = (getattr(config, "architectures", None) or [getattr(config, "model_type", "?")])[0]
    needs = f"a model with a {head} head"
    if spec.zero_shot:
        needs += " or a multi-purpose seq2seq / decoder-only model (zero-shot prompts)"
    fits = _fitting_shipped(spec, head)
    return ModelError(
        f"{source.label} ({arch}) does not fit task {spec.name}: it needs {needs}",
        hint=("models that fit: " + ", ".join(fits)) if fits else None)


def load_text_task(
    source: ModelSource,
    spec: TaskSpec,
    head: str,
    make_runner: Callable[[Any, Any, Any], TaskRunner],
    *,
    device: str,
    dtype: str,
    trust_remote_code: bool,
    zero_shot: bool | None,
) -> LoadedTask:
    """Load a text model for ``spec``; ``make_runner(model, tokenizer, config)`` builds the
    task-specific runner, zero-shot runners come from :mod:`.zero_shot`."""
    import transformers

    config = load_config(source, trust_remote_code=trust_remote_code)
    mode = choose_mode(config, spec, head, zero_shot)
    if not mode:
        raise mismatch(source, config, spec, head)
    model_head = head if mode == "task" else mode.removeprefix("zero-shot-") + "-lm"
    auto_class = getattr(transformers, HEADS[model_head][0])
    model = build_model(source, auto_class, config, device=device, dtype=dtype,
                        trust_remote_code=trust_remote_code)
    tokenizer, provenance = load_tokenizer(source, config, trust_remote_code=trust_remote_code)
    if mode == "task":
        runner = make_runner(model, tokenizer, config)
    else:
        runner = ZeroShotRunner(spec, model, tokenizer, config)
    info = base_info(source, model, device=device, dtype=dtype)
    info.update(tokenizer=provenance, zero_shot=mode != "task", mode=mode)
    info.update(getattr(runner, "settings", {}))
    return LoadedTask(runner=runner, parameters=count_parameters(model),
                      model_label=source.label, info=info, model=model)
