"""Where a model comes from: a Hub id, a local directory, or ``random:<name>``.

``random:<name>`` builds the real architecture of ``<name>`` (a model from the study's
list) from a configuration shipped with joulebench, with random weights: energy depends
on the architecture and input sizes, not on weight values. Shipped configurations live in
``joulebench/models/configs/<safe name>/`` where the safe name replaces ``/`` by ``__``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..errors import UsageError, closest

RANDOM_PREFIX = "random:"


@dataclass(frozen=True)
class ModelSource:
    spec: str  # what the user wrote
    kind: str  # "hub" | "local" | "random"
    name: str  # hub id, local path, or the study model id for random
    path: Path | None = None  # local dir, or the shipped config dir for random

    @property
    def label(self) -> str:
        """The model name stored with runs (random: keeps its prefix, so it never
        passes for the trained model)."""
        return self.spec if self.kind != "local" else str(self.path)


def safe_name(model_id: str) -> str:
    return model_id.replace("/", "__")


def configs_root() -> Path:
    return Path(str(resources.files("joulebench.models") / "configs"))


def shipped_configs() -> list[str]:
    """Model ids that ``random:`` can build."""
    root = configs_root()
    if not root.is_dir():
        return []
    return sorted(p.name.replace("__", "/") for p in root.iterdir() if p.is_dir())


def parse_model_spec(spec: str) -> ModelSource:
    if not spec or not spec.strip():
        raise UsageError("empty model name")
    if spec.startswith(RANDOM_PREFIX):
        name = spec[len(RANDOM_PREFIX) :]
        path = configs_root() / safe_name(name)
        if not path.is_dir():
            known = shipped_configs()
            raise UsageError(
                f"no shipped configuration for random:{name}{closest(name, known)}",
                hint="random: models: " + ", ".join(known) if known else None,
            )
        return ModelSource(spec=spec, kind="random", name=name, path=path)
    expanded = os.path.expanduser(spec)
    if os.path.isdir(expanded):
        return ModelSource(spec=spec, kind="local", name=spec, path=Path(expanded).resolve())
    if spec.startswith((".", "/", "~")):
        raise UsageError(f"model directory {spec!r} does not exist")
    return ModelSource(spec=spec, kind="hub", name=spec)
