"""joulebench: measure, compare and rate the energy and carbon cost of AI inference.

``with joulebench.measure() as m: ...`` measures a block; ``@joulebench.track`` a function.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

from . import measure

__all__ = ["__version__", "measure", "track"]


def __getattr__(name: str) -> Any:
    if name == "track":
        from .measure.track import track

        return track
    raise AttributeError(name)
