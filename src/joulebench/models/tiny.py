"""Tiny ``random:`` models for tests: the real architectures at toy size (2 layers, width 32).

``tiny_source(name, directory)`` writes a config (and the ``joulebench.json`` naming its
offline tokenizer) under ``directory`` and returns a :class:`ModelSource` that loads like
any shipped ``random:`` model, in well under a second on a CPU. Shipped in the library,
like a fake sensor, so every layer's tests can use it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import UsageError, closest
from .loading import META_FILE
from .source import ModelSource

VOCAB = 512
WIDTH = 32
LAYERS = 2
HEADS = 2
NER_LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]


def _distilbert(arch: str, **extra: Any) -> tuple[Any, str]:
    from transformers import DistilBertConfig

    return DistilBertConfig(vocab_size=VOCAB, dim=WIDTH, n_layers=LAYERS, n_heads=HEADS,
                            hidden_dim=2 * WIDTH, max_position_embeddings=128,
                            architectures=[arch], **extra), "wordpiece-uncased"


def _bert_ner() -> tuple[Any, str]:
    from transformers import BertConfig

    return BertConfig(vocab_size=VOCAB, hidden_size=WIDTH, num_hidden_layers=LAYERS,
                      num_attention_heads=HEADS, intermediate_size=2 * WIDTH,
                      max_position_embeddings=128, architectures=["BertForTokenClassification"],
                      id2label=dict(enumerate(NER_LABELS)),
                      label2id={v: i for i, v in enumerate(NER_LABELS)}), "wordpiece-cased"


def _gpt2() -> tuple[Any, str]:
    from transformers import GPT2Config

    return GPT2Config(vocab_size=VOCAB, n_embd=WIDTH, n_layer=LAYERS, n_head=HEADS, n_positions=128,
                      bos_token_id=VOCAB - 1, eos_token_id=VOCAB - 1,
                      architectures=["GPT2LMHeadModel"]), "byte-bpe-gpt2"


def _bart() -> tuple[Any, str]:
    from transformers import BartConfig

    return BartConfig(vocab_size=VOCAB, d_model=WIDTH, encoder_layers=LAYERS, decoder_layers=LAYERS,
                      encoder_attention_heads=HEADS, decoder_attention_heads=HEADS,
                      encoder_ffn_dim=2 * WIDTH, decoder_ffn_dim=2 * WIDTH,
                      max_position_embeddings=128, bos_token_id=0, pad_token_id=1,
                      eos_token_id=2, decoder_start_token_id=2, forced_eos_token_id=2,
                      architectures=["BartForConditionalGeneration"]), "byte-bpe-bart"


def _t5() -> tuple[Any, str]:
    from transformers import T5Config

    # PretrainedConfig keywords T5Config passes on (its stubs name only its own)
    shared: dict[str, Any] = {"tie_word_embeddings": False, "n_positions": 128,
                              "decoder_start_token_id": 0}
    return T5Config(vocab_size=VOCAB, d_model=WIDTH, d_kv=WIDTH // HEADS, d_ff=2 * WIDTH,
                    num_layers=LAYERS, num_decoder_layers=LAYERS, num_heads=HEADS,
                    feed_forward_proj="gated-gelu", pad_token_id=0, eos_token_id=1,
                    architectures=["T5ForConditionalGeneration"], **shared), "unigram-t5"


def _bloom() -> tuple[Any, str]:
    from transformers import BloomConfig

    return BloomConfig(vocab_size=VOCAB, hidden_size=WIDTH, n_layer=LAYERS, n_head=HEADS,
                       bos_token_id=1, eos_token_id=2, pad_token_id=3,
                       architectures=["BloomForCausalLM"]), "byte-bpe-bloom"


TINY: dict[str, Callable[[], tuple[Any, str]]] = {
    "distilbert-sst2": lambda: _distilbert(
        "DistilBertForSequenceClassification", id2label={0: "NEGATIVE", 1: "POSITIVE"},
        label2id={"NEGATIVE": 0, "POSITIVE": 1}),
    "distilbert-squad": lambda: _distilbert("DistilBertForQuestionAnswering"),
    "distilbert-mlm": lambda: _distilbert("DistilBertForMaskedLM"),
    "bert-ner": _bert_ner,
    "gpt2": _gpt2,
    "bart": _bart,
    "flan-t5": _t5,
    "bloomz": _bloom,
}


def tiny_source(name: str, directory: Path) -> ModelSource:
    """A ``random:tiny-<name>`` source whose config lives in ``directory/<name>``."""
    if name not in TINY:
        raise UsageError(f"unknown tiny model {name!r}{closest(name, list(TINY))}",
                         hint="tiny models: " + ", ".join(TINY))
    config, tokenizer_kind = TINY[name]()
    path = Path(directory) / name
    path.mkdir(parents=True, exist_ok=True)
    config.to_json_file(str(path / "config.json"))
    (path / META_FILE).write_text(json.dumps({"model_id": f"tiny-{name}",
                                              "tokenizer": {"kind": tokenizer_kind}}))
    return ModelSource(spec=f"random:tiny-{name}", kind="random", name=f"tiny-{name}", path=path)
