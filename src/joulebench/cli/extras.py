"""The optional extras (``pip install 'joulebench[hf]'`` ...): which are installed, which a
run needs, and one line naming a missing one before anything is measured.

An extra counts as installed when every module it brings can be found
(:func:`importlib.util.find_spec`: nothing is imported, so ``doctor`` stays fast).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..errors import UsageError


@dataclass(frozen=True)
class Extra:
    name: str
    modules: tuple[str, ...]  # import names, as pyproject's [project.optional-dependencies]
    purpose: str


EXTRAS: tuple[Extra, ...] = (
    Extra("hf", ("torch", "transformers", "diffusers", "tokenizers", "safetensors", "accelerate",
                 "datasets", "numpy", "PIL", "skimage"),
          "the built-in tasks, Hub models and datasets, offline photos"),
    Extra("parquet", ("pyarrow",), "Parquet data files and export"),
    Extra("ray", ("ray",), "--executor ray"),
    Extra("serve", ("aiohttp",), "joulebench endpoint and agent"),
    Extra("quality", ("rouge_score",), "ROUGE for summarization quality"),
    Extra("amd", ("amdsmi",), "AMD GPU energy"),
)
BY_NAME = {e.name: e for e in EXTRAS}


@dataclass(frozen=True)
class Need:
    """A run needs ``modules`` (a subset, or all) of extra ``extra``, for ``why``."""

    extra: str
    why: str
    modules: tuple[str, ...] = ()  # empty: every module of the extra


def module_found(name: str) -> bool:
    """Whether ``import name`` could find the module (it is not imported)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a finder that refuses it, a broken __spec__
        return False


def missing_modules(extra: str, modules: Sequence[str] = ()) -> list[str]:
    return [m for m in (modules or BY_NAME[extra].modules) if not module_found(m)]


def install_line(extra: str) -> str:
    return f"pip install 'joulebench[{extra}]'"


def require(needs: Iterable[Need]) -> None:
    """A :class:`UsageError` naming the first extra that is not installed, with the way out."""
    for need in needs:
        missing = missing_modules(need.extra, need.modules)
        if missing:
            wanted = need.modules or BY_NAME[need.extra].modules
            partly = len(missing) < len(wanted)  # then say which: a broken install
            raise UsageError(
                f"the {need.extra} extra is not installed: {install_line(need.extra)}",
                hint=f"{need.why} needs {', '.join(missing)}, missing here" if partly else None,
            )


def status() -> list[tuple[Extra, list[str]]]:
    """Every extra with its missing modules (empty: installed)."""
    return [(e, missing_modules(e.name)) for e in EXTRAS]
