"""Tokenizers for ``random:`` models, built with no network.

- BERT-family uncased models get the **real** BERT uncased vocabulary (30,522 entries),
  shipped with joulebench in ``joulebench/models/vocab/`` (Apache-2.0, see ``NOTICE.md``
  there), as is CLIP's BPE vocabulary (MIT) that :mod:`.diffusion` reads;
- everything else (GPT-2, BART and Whisper byte-level BPE, cased WordPiece, T5 unigram,
  BLOOM) is trained here with the ``tokenizers`` library on text that ships with CPython
  (:mod:`joulebench.models.corpus`), to the model's real vocabulary size when the text
  allows it, with the model's special tokens at their real ids where it matters. Whisper's
  byte-level BPE gets its special tokens (``<|endoftext|>``, ``<|startoftranscript|>``,
  one per language, task tokens, ``<|notimestamps|>``, 1,501 timestamps) after its 50,257
  regular entries, at the ids the real vocabularies give them (:func:`whisper_special_tokens`).

Trained tokenizers are cached under ``$JOULEBENCH_CACHE/tokenizers`` (default
``~/.cache/joulebench/tokenizers``), so each is trained once. Every tokenizer carries a
provenance line, stored with runs, that says what it is and what it is not.
"""

from __future__ import annotations

import gzip
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ModelError
from .corpus import corpus_label, iter_corpus

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

FORMAT_VERSION = 1
KINDS = (
    "wordpiece-uncased",
    "wordpiece-cased",
    "byte-bpe-gpt2",
    "byte-bpe-bart",
    "byte-bpe-bloom",
    "unigram-t5",
    "byte-bpe-whisper",
)
# Below this size the documentation topics alone are enough text; above, add the stdlib.
_SMALL_VOCAB = 5000
_UNCASED_VOCAB = 30522
# Whisper: 50,257 regular byte-level BPE entries, then the special tokens. Multilingual
# vocabularies hold 51,865 entries (99 languages, up to large-v2) or 51,866 (100, large-v3).
WHISPER_REGULAR = 50257
WHISPER_V3_VOCAB = 51866
WHISPER_TIMESTAMPS = 1501  # <|0.00|> ... <|30.00|>, every 0.02 s


@dataclass(frozen=True)
class OfflineTokenizer:
    tokenizer: Any  # transformers PreTrainedTokenizerFast
    provenance: str
    vocab_size: int  # entries the tokenizer really has (may be below the model's)
    cached: bool  # True when read from the cache rather than trained or read now


def cache_root() -> Path:
    """``$JOULEBENCH_CACHE`` or ``~/.cache/joulebench``."""
    base = os.environ.get("JOULEBENCH_CACHE") or os.path.join("~", ".cache", "joulebench")
    return Path(os.path.expanduser(base))


VOCAB_DIR = "vocab"  # package data: joulebench/models/vocab/ (licences in NOTICE.md there)
BERT_UNCASED_VOCAB_FILE = "bert-base-uncased-vocab.txt"
CLIP_BPE_FILE = "bpe_simple_vocab_16e6.txt.gz"


def shipped_vocab_file(name: str) -> Traversable:
    """A vocabulary file shipped in ``joulebench/models/vocab/`` (package data)."""
    path = resources.files(__package__) / VOCAB_DIR / name
    if not path.is_file():
        raise ModelError(f"the vocabulary file {VOCAB_DIR}/{name} is missing from this "
                         "joulebench installation",
                         hint="reinstall joulebench: pip install --force-reinstall 'joulebench[hf]'")
    return path


@lru_cache(maxsize=1)
def real_uncased_vocab() -> dict[str, int]:
    """The real BERT uncased WordPiece vocabulary (30,522 entries): token -> id."""
    lines = shipped_vocab_file(BERT_UNCASED_VOCAB_FILE).read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return {token: i for i, token in enumerate(lines)}


def clip_bpe_text() -> str:
    """The real CLIP BPE merges file (``bpe_simple_vocab_16e6.txt.gz``), decompressed."""
    with shipped_vocab_file(CLIP_BPE_FILE).open("rb") as raw, gzip.open(raw) as file:
        return file.read().decode("utf-8")


def _real_uncased_tokenizer() -> Any:
    """BERT uncased as Google's tokenizer has it: BERT normaliser (lower-cased, accents
    kept as the uncased models' config says), WordPiece, ``[CLS] ... [SEP]``."""
    from tokenizers import BertWordPieceTokenizer

    return BertWordPieceTokenizer(dict(real_uncased_vocab()), lowercase=True)._tokenizer


def _special_tokens(kind: str) -> dict[str, str]:
    if kind.startswith("wordpiece"):
        return dict(pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]",
                    sep_token="[SEP]", mask_token="[MASK]")
    if kind == "byte-bpe-gpt2":
        return dict(bos_token="<|endoftext|>", eos_token="<|endoftext|>", unk_token="<|endoftext|>")
    if kind == "byte-bpe-bart":
        return dict(bos_token="<s>", pad_token="<pad>", eos_token="</s>", unk_token="<unk>",
                    cls_token="<s>", sep_token="</s>", mask_token="<mask>")
    if kind == "byte-bpe-bloom":
        return dict(unk_token="<unk>", bos_token="<s>", eos_token="</s>", pad_token="<pad>")
    if kind == "byte-bpe-whisper":
        return dict(bos_token="<|endoftext|>", eos_token="<|endoftext|>",
                    unk_token="<|endoftext|>", pad_token="<|endoftext|>")
    return dict(pad_token="<pad>", eos_token="</s>", unk_token="<unk>")  # unigram-t5


def _train(kind: str, vocab_size: int, corpus: str) -> Any:
    """Train a ``tokenizers.Tokenizer`` of ``kind`` with at most ``vocab_size`` entries."""
    from tokenizers import (
        AddedToken,
        BertWordPieceTokenizer,
        ByteLevelBPETokenizer,
        SentencePieceUnigramTokenizer,
        processors,
    )

    texts = iter_corpus(corpus)
    if kind.startswith("wordpiece"):
        specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        wp = BertWordPieceTokenizer(lowercase=kind == "wordpiece-uncased")
        wp.train_from_iterator(texts, vocab_size=vocab_size, special_tokens=specials,
                               show_progress=False)
        tok = wp._tokenizer
        tok.post_processor = processors.BertProcessing(
            ("[SEP]", tok.token_to_id("[SEP]")), ("[CLS]", tok.token_to_id("[CLS]")))
        return tok
    if kind == "unigram-t5":
        sp = SentencePieceUnigramTokenizer()
        sp.train_from_iterator(texts, vocab_size=vocab_size - 100, unk_token="<unk>",
                               special_tokens=["<pad>", "</s>", "<unk>"], show_progress=False)
        tok = sp._tokenizer
        tok.add_special_tokens([f"<extra_id_{i}>" for i in range(99, -1, -1)])
        tok.post_processor = processors.TemplateProcessing(
            single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", 1)])
        return tok
    bpe = ByteLevelBPETokenizer()
    if kind == "byte-bpe-whisper":  # regular entries only; specials are added after loading
        bpe.train_from_iterator(texts, vocab_size=vocab_size, min_frequency=1,
                                special_tokens=[], show_progress=False)
        return bpe._tokenizer
    if kind == "byte-bpe-gpt2":  # <|endoftext|> is the last id (50256), as in GPT-2
        bpe.train_from_iterator(texts, vocab_size=vocab_size - 1, min_frequency=1,
                                special_tokens=[], show_progress=False)
        bpe.add_special_tokens(["<|endoftext|>"])
        return bpe._tokenizer
    if kind == "byte-bpe-bart":  # <s> <pad> </s> <unk> = 0..3, <mask> last, as in RoBERTa
        bpe.train_from_iterator(texts, vocab_size=vocab_size - 1, min_frequency=1,
                                special_tokens=["<s>", "<pad>", "</s>", "<unk>"],
                                show_progress=False)
        tok = bpe._tokenizer
        tok.add_special_tokens([AddedToken("<mask>", lstrip=True)])
        tok.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0))
        return tok
    # byte-bpe-bloom: <unk> <s> </s> <pad> = 0..3, as in BLOOM
    bpe.train_from_iterator(texts, vocab_size=vocab_size, min_frequency=1,
                            special_tokens=["<unk>", "<s>", "</s>", "<pad>"], show_progress=False)
    return bpe._tokenizer


def _cache_path(kind: str, vocab_size: int, corpus: str, cache_dir: Path) -> Path:
    label = corpus_label(corpus).split()[1]  # the Python version
    return cache_dir / f"{kind}-{vocab_size}-{corpus}-py{label}-v{FORMAT_VERSION}.json"


def _load_or_train(kind: str, vocab_size: int, cache_dir: Path) -> tuple[Any, str, bool]:
    from tokenizers import Tokenizer

    corpus = "pydoc" if vocab_size <= _SMALL_VOCAB else "stdlib"
    path = _cache_path(kind, vocab_size, corpus, cache_dir)
    if path.is_file():
        return Tokenizer.from_file(str(path)), corpus, True
    tok = _train(kind, vocab_size, corpus)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        tok.save(tmp)
        os.replace(tmp, path)  # atomic: concurrent trainers never see half a file
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return tok, corpus, False


_DESCRIPTIONS = {
    "wordpiece-uncased": "uncased WordPiece",
    "wordpiece-cased": "cased WordPiece",
    "byte-bpe-gpt2": "byte-level BPE",
    "byte-bpe-bart": "byte-level BPE",
    "byte-bpe-bloom": "byte-level BPE",
    "unigram-t5": "unigram (SentencePiece-style)",
    "byte-bpe-whisper": "byte-level BPE",
}


def whisper_special_tokens(vocab_size: int) -> list[str]:
    """Whisper's special tokens in id order, for a multilingual vocabulary of ``vocab_size``:
    100 languages (large-v3's 51,866 entries) or 99 (51,865, earlier models), as
    transformers counts them."""
    from transformers.models.whisper.tokenization_whisper import LANGUAGES

    n_languages = 100 if vocab_size >= WHISPER_V3_VOCAB else 99
    languages = [f"<|{code}|>" for code in list(LANGUAGES)[:n_languages]]
    no_speech = "<|nospeech|>" if n_languages == 100 else "<|nocaptions|>"
    timestamps = [f"<|{i * 0.02:.2f}|>" for i in range(WHISPER_TIMESTAMPS)]
    return ["<|endoftext|>", "<|startoftranscript|>", *languages, "<|translate|>",
            "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", no_speech,
            "<|notimestamps|>", *timestamps]


def _whisper_tokenizer(vocab_size: int, cache_dir: Path) -> tuple[Any, str, bool, str]:
    """A byte-level BPE with Whisper's specials at their real ids: regular entries first
    (50,257 at real size), fillers where the text gave fewer, then the specials."""
    from tokenizers import AddedToken

    specials = whisper_special_tokens(vocab_size)
    regular = vocab_size - len(specials)
    if regular < 256:
        raise ModelError(f"a Whisper vocabulary of {vocab_size} leaves {regular} regular entries",
                         hint=f"use at least {len(specials) + 256} (the real ones: 51865, 51866)")
    tok, corpus, cached = _load_or_train("byte-bpe-whisper", regular, cache_dir)
    trained = tok.get_vocab_size()
    fillers = [f"<|joulebench_unused_{i}|>" for i in range(regular - trained)]
    tok.add_special_tokens([AddedToken(t, special=True) for t in fillers + specials])
    note = f", {len(fillers)} unused fillers before the specials" if fillers else ""
    provenance = (f"offline byte-level BPE trained on {corpus_label(corpus)}, {trained} regular "
                  f"entries{note}, Whisper's {len(specials)} special tokens at their real ids "
                  f"(<|endoftext|> = {regular}); vocab {tok.get_vocab_size()}")
    return tok, corpus, cached, provenance


def offline_tokenizer(
    kind: str,
    vocab_size: int,
    *,
    model_id: str,
    model_max_length: int = 512,
    cache_dir: Path | None = None,
) -> OfflineTokenizer:
    """A tokenizer of ``kind`` for a model with ``vocab_size`` embedding rows."""
    from transformers import PreTrainedTokenizerFast

    if kind not in KINDS:
        raise ModelError(f"unknown offline tokenizer kind {kind!r}", hint="kinds: " + ", ".join(KINDS))
    if kind == "wordpiece-uncased" and vocab_size >= _UNCASED_VOCAB:
        tok = _real_uncased_tokenizer()
        provenance = (f"real BERT uncased WordPiece vocabulary ({_UNCASED_VOCAB} entries, "
                      "google-research/bert, shipped with joulebench)")
        cached = True
    elif kind == "byte-bpe-whisper":
        tok, corpus, cached, provenance = _whisper_tokenizer(
            vocab_size, cache_dir or cache_root() / "tokenizers")
        provenance += f" (real {model_id} vocab unavailable offline)"
    else:
        tok, corpus, cached = _load_or_train(kind, vocab_size, cache_dir or cache_root() / "tokenizers")
        provenance = (f"offline {_DESCRIPTIONS[kind]} trained on {corpus_label(corpus)}, "
                      f"vocab {tok.get_vocab_size()} (real {model_id} vocab unavailable offline)")
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tok, model_max_length=model_max_length, **_special_tokens(kind))
    return OfflineTokenizer(wrapped, provenance, tok.get_vocab_size(), cached)

