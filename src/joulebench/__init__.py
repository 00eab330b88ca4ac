"""joulebench: measure, compare and rate the energy and carbon cost of AI inference.

``with joulebench.measure() as m: ...`` measures a block; ``@joulebench.track`` a function.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from . import measure as _measure_package

if TYPE_CHECKING:
    from .measure.meter import Meter
    from .measure.results import IdleBaseline
    from .measure.sensor import Sensor

__all__ = ["__version__", "measure", "track"]


class _Measure:
    """``joulebench.measure``: call it for a :class:`~joulebench.measure.meter.Meter`
    (a typed function call, also to mypy); its attributes are those of the
    ``joulebench.measure`` package (``joulebench.measure.Meter``, ``.discovery`` ...).
    """

    __slots__ = ()

    def __call__(
        self,
        sensors: Sequence[Sensor] | None = None,
        *,
        idle_s: float = 0.0,
        baseline: IdleBaseline | Mapping[str, float] | None = None,
        scope: str = "machine",
        sync_cuda: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        min_window_warning: bool = True,
    ) -> Meter:
        """A Meter: ``with joulebench.measure(idle_s=5, scope="process") as m: ...``.

        ``sensors=None`` uses this process's sensors, discovered once on first use.
        """
        from .measure.meter import Meter

        return Meter(
            sensors, idle_s=idle_s, baseline=baseline, scope=scope, sync_cuda=sync_cuda,
            clock=clock, sleep=sleep, min_window_warning=min_window_warning,
        )  # fmt: skip

    def __getattr__(self, name: str) -> Any:
        try:
            return getattr(_measure_package, name)
        except AttributeError:
            if name.startswith("_"):
                raise
            return importlib.import_module(f"{_measure_package.__name__}.{name}")

    def __dir__(self) -> list[str]:
        return sorted(set(dir(_measure_package)) | {"__call__"})

    def __repr__(self) -> str:
        return "<joulebench.measure: call it for a Meter; also the joulebench.measure package>"


measure = _Measure()


def __getattr__(name: str) -> Any:
    if name == "track":
        from .measure.track import track

        return track
    raise AttributeError(name)
