"""joulebench: measure, compare and rate the energy and carbon cost of AI inference.

``with joulebench.measure() as m: ...`` measures a block; ``@joulebench.track`` a function.
"""

from __future__ import annotations

__version__ = "0.1.0"

from . import measure
from .measure import track

__all__ = ["__version__", "measure", "track"]
