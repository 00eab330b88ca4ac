"""``@track``: measure every call of a function with a :class:`~.meter.Meter`."""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, ParamSpec, Protocol, TypeVar, overload

from .meter import Meter
from .results import IdleBaseline, Measurement
from .sensor import Sensor, check_scope

__all__ = ["Tracked", "track"]

P = ParamSpec("P")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class Tracked(Protocol, Generic[P, R_co]):
    """A function wrapped by :func:`track`: call it as before; read ``last_measurement``."""

    last_measurement: Measurement | None

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R_co: ...


@overload
def track(func: Callable[P, R], /) -> Tracked[P, R]: ...


@overload
def track(
    *,
    idle_s: float = 0.0,
    sensors: Sequence[Sensor] | None = None,
    baseline: IdleBaseline | Mapping[str, float] | None = None,
    scope: str = "machine",
    sync_cuda: bool | None = None,
    on_result: Callable[[Measurement], object] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Callable[[Callable[P, R]], Tracked[P, R]]: ...


def track(
    func: Callable[..., Any] | None = None,
    /,
    *,
    idle_s: float = 0.0,
    sensors: Sequence[Sensor] | None = None,
    baseline: IdleBaseline | Mapping[str, float] | None = None,
    scope: str = "machine",
    sync_cuda: bool | None = None,
    on_result: Callable[[Measurement], object] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """Measure every call of a function: ``@track`` or ``@track(idle_s=2, on_result=cb)``.

    Each call runs in its own window (with an idle baseline first if ``idle_s`` > 0);
    its :class:`Measurement` is kept as ``func.last_measurement`` and passed to
    ``on_result``, also when the call raises (the exception propagates). Without
    ``sensors`` the process's shared sensors for ``scope`` are used (discovered once).
    Coroutine functions are measured from the first to the last step of the await.
    Bad settings (an unknown scope, a negative ``idle_s``) fail at decoration time.
    """
    check_scope(scope)
    Meter(sensors or [], idle_s=idle_s, baseline=baseline, scope=scope)  # validates

    def decorate(fn: Callable[..., Any]) -> Any:
        given: list[Sensor] | None = list(sensors) if sensors is not None else None

        def meter() -> Meter:
            return Meter(
                given,
                idle_s=idle_s,
                baseline=baseline,
                scope=scope,
                sync_cuda=sync_cuda,
                clock=clock,
                sleep=sleep,
            )

        def finish(m: Meter) -> None:
            wrapper.last_measurement = m.result
            if on_result is not None and m.result is not None:
                on_result(m.result)

        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def awrapper(*args: Any, **kwargs: Any) -> Any:
                m = meter()
                try:
                    with m:
                        return await fn(*args, **kwargs)
                finally:
                    finish(m)

            wrapper: Any = awrapper
        else:

            @functools.wraps(fn)
            def swrapper(*args: Any, **kwargs: Any) -> Any:
                m = meter()
                try:
                    with m:
                        return fn(*args, **kwargs)
                finally:
                    finish(m)

            wrapper = swrapper
        wrapper.last_measurement = None
        return wrapper

    if func is not None:
        return decorate(func)
    return decorate
