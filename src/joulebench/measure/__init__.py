"""Energy measurement that stands alone: no torch, no transformers, no numpy.

``joulebench.measure`` (the attribute of the ``joulebench`` package) is a typed callable
whose attributes are this package's::

    import joulebench
    with joulebench.measure(idle_s=5) as m:
        with m.phase("query"):
            work()
    print(m.result.energy_j, m.result.components)

Calling it builds a :class:`~joulebench.measure.meter.Meter` (arguments are the Meter's).
Sensors are this process's shared discovery (:func:`~joulebench.measure.discovery.shared`)
unless given.
"""

from __future__ import annotations

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
