"""Energy measurement that stands alone: no torch, no transformers, no numpy.

``joulebench.measure`` is both this package and a callable::

    import joulebench
    with joulebench.measure(idle_s=5) as m:
        with m.phase("query"):
            work()
    print(m.result.energy_j, m.result.components)

Calling it builds a :class:`~joulebench.measure.meter.Meter` (arguments are the Meter's).
Sensors are found by :func:`~joulebench.measure.discovery.discover` unless given.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from .results import ComponentEnergy, Measurement, PhaseResult
from .sensor import Domain, Method, Reading, Sensor, SensorInfo, SensorStatus

__all__ = [
    "ComponentEnergy",
    "Domain",
    "Measurement",
    "Meter",
    "Method",
    "PhaseResult",
    "Reading",
    "Sensor",
    "SensorInfo",
    "SensorStatus",
    "track",
]


def __getattr__(name: str) -> Any:  # lazy: importing the package stays cheap
    if name == "Meter":
        from .meter import Meter

        return Meter
    if name == "track":
        from .track import track

        return track
    raise AttributeError(name)


class _CallableModule(types.ModuleType):
    """Lets ``joulebench.measure(...)`` build a Meter while staying an importable package."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from .meter import Meter

        return Meter(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
