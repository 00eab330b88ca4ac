"""CPU TDP by model name, from the table derived from CodeCarbon (``data/cpu_tdp.csv``).

A lookup is indexed: the lower-cased name, then the normalised name, against a dict; on a
miss, one pass over only the keys that share a model number (a word with a digit) with
the name. Results, hits and misses alike, are cached per name, so a repeated call costs
a dict look-up.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from importlib import resources

_NOISE = re.compile(
    r"\(r\)|\(tm\)|®|™|\bcpu\b|\bprocessor\b|@.*$|\b\d+(st|nd|rd|th) gen\b|\b\d+-core\b"
    r"|\bwith radeon .*$|\bwith .* graphics\b"
)


def normalize_cpu_name(name: str) -> str:
    """A matching key: lower case, no trade marks, clock speed, core counts or 'CPU'."""
    key = _NOISE.sub(" ", name.lower())
    return " ".join(key.replace(",", " ").split())


@dataclass(frozen=True)
class _Table:
    tdp_w: dict[str, float]  # normalised key -> TDP in W
    by_number: dict[str, tuple[str, ...]]  # model-number word -> keys containing it


def _has_digit(word: str) -> bool:
    return any(c.isdigit() for c in word)


@functools.lru_cache(maxsize=1)
def _table() -> _Table:
    tdp_w: dict[str, float] = {}
    path = resources.files("joulebench.measure") / "data" / "cpu_tdp.csv"
    with path.open(encoding="utf-8") as handle:
        rows = csv.reader(line for line in handle if not line.startswith("#"))
        next(rows, None)
        for key, tdp in rows:
            tdp_w[key] = float(tdp)
    by_number: dict[str, list[str]] = {}
    for key in tdp_w:
        for word in set(key.split()):
            if _has_digit(word):
                by_number.setdefault(word, []).append(key)
    return _Table(tdp_w, {word: tuple(keys) for word, keys in by_number.items()})


def _tdp_table() -> dict[str, float]:
    """The whole table, normalised key -> TDP in W (read once)."""
    return _table().tdp_w


def fuzzy_candidates(key: str) -> set[str]:
    """Table keys that share a model-number word with the normalised ``key``."""
    index = _table().by_number
    return {c for word in set(key.split()) if _has_digit(word) for c in index.get(word, ())}


@functools.lru_cache(maxsize=1024)
def lookup_tdp_w(cpu_name: str) -> tuple[float, str] | None:
    """(TDP in W, matched table key) for a CPU model name, or None. Cached per name.

    An exact key wins (the lower-cased name, then its normalised form); else the longest
    key whose words all appear in the name and which shares a model number with it, so
    'Intel Xeon Processor' matches nothing rather than some Xeon.
    """
    table = _table().tdp_w
    for key in (cpu_name.lower().strip(), normalize_cpu_name(cpu_name)):
        if key in table:
            return table[key], key
    words = set(key.split())
    best: str | None = None
    for candidate in fuzzy_candidates(key):
        if all(w in words for w in candidate.split()) and (
            best is None or (len(candidate), candidate) > (len(best), best)
        ):
            best = candidate
    return (table[best], best) if best else None
