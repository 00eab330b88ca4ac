"""The server's running batch, from its Prometheus ``/metrics`` when it has one.

Known gauges of requests being processed now: vLLM ``vllm:num_requests_running``,
SGLang ``sglang:num_running_reqs``, TGI ``tgi_batch_current_size``, llama.cpp's server
(with ``--metrics``) ``llamacpp:requests_processing``. Values of one gauge are summed
over its label sets. :class:`MetricsPoller` samples the gauge every ``interval_s`` during
a run; :func:`batch_stats` averages the samples inside the steady window.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence

from .results import BatchStats, SteadyWindow

__all__ = ["GAUGES", "MetricsPoller", "batch_stats", "running_from_text"]

GAUGES = (
    "vllm:num_requests_running",
    "sglang:num_running_reqs",
    "tgi_batch_current_size",
    "llamacpp:requests_processing",
)


def running_from_text(text: str, gauge: str | None = None) -> tuple[str, float] | None:
    """(gauge, value) of the first known gauge (or ``gauge``) in an exposition text."""
    wanted = (gauge,) if gauge else GAUGES
    totals: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name = line.split("{", 1)[0].split(" ", 1)[0]
        if name in wanted:
            try:
                totals[name] = totals.get(name, 0.0) + float(line.rsplit(" ", 1)[-1])
            except ValueError:
                continue
    for name in wanted:
        if name in totals:
            return name, totals[name]
    return None


Fetch = Callable[[], Awaitable[tuple[int, str, str]]]  # () -> (status, content type, body)


class MetricsPoller:
    """Samples ``gauge`` through ``fetch`` every ``interval_s`` until stopped."""

    def __init__(self, fetch: Fetch, gauge: str, *, interval_s: float = 0.5,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self._fetch = fetch
        self.gauge = gauge
        self.interval_s = interval_s
        self._clock = clock
        self.samples: list[tuple[float, float]] = []  # (window time s, running)
        self._task: asyncio.Task[None] | None = None
        self._t0 = 0.0

    def start(self, t0: float) -> None:
        self._t0 = t0
        self.samples = []
        self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        while True:
            try:
                status, _, body = await self._fetch()
                found = running_from_text(body, self.gauge) if status == 200 else None
                if found is not None:
                    self.samples.append((self._clock() - self._t0, found[1]))
            except Exception:  # a missed sample is not worth failing the run for
                pass
            await asyncio.sleep(self.interval_s)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


def batch_stats(gauge: str, samples: Sequence[tuple[float, float]],
                window: SteadyWindow | None) -> BatchStats:
    """Mean running requests over the samples inside ``window`` (all samples without one)."""
    inside = [v for t, v in samples if window is None or window.start_s <= t <= window.end_s]
    mean = sum(inside) / len(inside) if inside else None
    return BatchStats(metric=gauge, mean_running=mean, samples=len(inside))
