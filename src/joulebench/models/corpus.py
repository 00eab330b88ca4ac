"""English and code text that ships with CPython, for training offline tokenizers.

Two corpora, both under the PSF licence and present on every CPython install:

- ``pydoc``: ``pydoc_data.topics`` (79 English documentation topics, about 465k chars);
- ``stdlib``: ``pydoc`` plus the source of the standard library's modules (tests left
  out), about 13M chars of English docstrings, comments and code. A byte-level BPE needs
  this much text to reach GPT-2's 50,257 entries.
"""

from __future__ import annotations

import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

from ..errors import UsageError

CORPORA = ("pydoc", "stdlib")
LICENCE = "PSF-2.0 (CPython documentation and standard library)"


def pydoc_topics() -> dict[str, str]:
    """Topic heading → English text, from CPython's ``pydoc_data.topics``."""
    from pydoc_data.topics import topics

    return dict(topics)


def _stdlib_files() -> list[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    skip = {"test", "tests", "idle_test", "site-packages", "dist-packages", "__pycache__"}
    return sorted(p for p in root.rglob("*.py") if not skip.intersection(p.relative_to(root).parts))


def iter_corpus(name: str) -> Iterator[str]:
    """The documents of corpus ``name`` ("pydoc" or "stdlib"), in a stable order."""
    if name not in CORPORA:
        raise UsageError(f"unknown corpus {name!r}", hint="corpora: " + ", ".join(CORPORA))
    yield from pydoc_topics().values()
    if name == "stdlib":
        for path in _stdlib_files():
            yield path.read_text(encoding="utf-8", errors="replace")


def corpus_label(name: str) -> str:
    version = ".".join(map(str, sys.version_info[:3]))
    if name == "pydoc":
        return f"CPython {version} pydoc_data.topics"
    return f"CPython {version} pydoc_data.topics + standard library sources"
