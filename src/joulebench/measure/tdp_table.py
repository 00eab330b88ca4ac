"""CPU TDP by model name, from the table derived from CodeCarbon (``data/cpu_tdp.csv``).

A lookup searches the table's text (``str.find``, no table parsed into a dict): the lower-cased name, then the normalised name; on a
miss, one search per model number (a word with a digit) of the name for the rows that
contain it. Results, hits and misses alike, are cached per name, so a repeated call costs
a dict look-up; the first costs well under a millisecond.
"""

from __future__ import annotations

import functools
import os
import re

_NOISE = re.compile(
    r"\(r\)|\(tm\)|®|™|\bcpu\b|\bprocessor\b|@.*$|\b\d+(st|nd|rd|th) gen\b|\b\d+-core\b"
    r"|\bwith radeon .*$|\bwith .* graphics\b"
)


def normalize_cpu_name(name: str) -> str:
    """A matching key: lower case, no trade marks, clock speed, core counts or 'CPU'."""
    key = _NOISE.sub(" ", name.lower())
    return " ".join(key.replace(",", " ").split())


def _has_digit(word: str) -> bool:
    return any(c.isdigit() for c in word)


@functools.lru_cache(maxsize=1)
def _text() -> str:
    """The table as text, ``key,tdp_w`` lines (read once; about 0.1 ms, no parsing)."""
    path = os.path.join(os.path.dirname(__file__), "data", "cpu_tdp.csv")
    with open(path, encoding="utf-8") as handle:  # importlib.resources costs ~8 ms to import
        return handle.read()


def _tdp_table() -> dict[str, float]:
    """The whole table, normalised key -> TDP in W (tests and tools; look-ups do not parse it)."""
    import csv

    rows = csv.reader(line for line in _text().splitlines() if not line.startswith("#"))
    next(rows, None)
    return {key: float(tdp) for key, tdp in rows}


def _exact(key: str) -> float | None:
    text = _text()
    at = text.find(f"\n{key},")
    if at < 0:
        return None
    line_end = text.find("\n", at + 1)
    return float(text[at + len(key) + 2 : line_end if line_end >= 0 else None])


def _candidates(key: str) -> dict[str, float]:
    """Table rows whose key shares a model-number word with the normalised ``key``."""
    text = _text()
    out: dict[str, float] = {}
    for word in {w for w in key.split() if _has_digit(w)}:
        at = text.find(word)
        while at >= 0:
            start = text.rfind("\n", 0, at) + 1
            end = text.find("\n", at)
            end = len(text) if end < 0 else end
            row_key, _, tdp = text[start:end].partition(",")
            if word in row_key.split() and not row_key.startswith("#"):
                out[row_key] = float(tdp)
            at = text.find(word, end)
    return out


def fuzzy_candidates(key: str) -> set[str]:
    """Table keys that share a model-number word with the normalised ``key``."""
    return set(_candidates(key))


@functools.lru_cache(maxsize=1024)
def lookup_tdp_w(cpu_name: str) -> tuple[float, str] | None:
    """(TDP in W, matched table key) for a CPU model name, or None. Cached per name.

    An exact key wins (the lower-cased name, then its normalised form); else the longest
    key whose words all appear in the name and which shares a model number with it, so
    'Intel Xeon Processor' matches nothing rather than some Xeon.
    """
    for key in (cpu_name.lower().strip(), normalize_cpu_name(cpu_name)):
        exact = _exact(key)
        if exact is not None:
            return exact, key
    words = set(key.split())
    candidates = _candidates(key)
    best: str | None = None
    for candidate in candidates:
        if all(w in words for w in candidate.split()) and (
            best is None or (len(candidate), candidate) > (len(best), best)
        ):
            best = candidate
    return (candidates[best], best) if best else None
