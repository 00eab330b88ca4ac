"""The load generator: N requests under a concurrency cap, or Poisson arrivals (seeded).

``--concurrency C`` alone: C requests at once, each finished one replaced by the next
(a closed loop, as ML.ENERGY and vLLM's ``--max-concurrency`` do). ``--rate R``:
arrivals of a Poisson process of R per second (exponential gaps from
``random.Random(seed)``, the first at 0), still capped by C when one is given. The
launcher stops issuing new requests when ``stop`` is set (the server died).

:class:`SteadyTracker` watches first tokens and finishes and calls its ``on_begin`` /
``on_end`` at the steady-state window's edges (see :class:`~.results.SteadyWindow`), at
the moment they happen, so energy can be read there.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ..errors import UsageError
from .results import RequestResult

__all__ = ["LoadPlan", "SteadyTracker", "arrival_offsets_s", "run_load"]


@dataclass(frozen=True)
class LoadPlan:
    n_requests: int
    concurrency: int | None = 1  # cap; None: no cap (rate mode)
    rate_per_s: float | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if self.n_requests < 1:
            raise UsageError(f"the number of requests must be >= 1, got {self.n_requests}")
        if self.concurrency is not None and self.concurrency < 1:
            raise UsageError(f"concurrency must be >= 1, got {self.concurrency}")
        if self.rate_per_s is not None and not (self.rate_per_s > 0 and self.rate_per_s < float("inf")):
            raise UsageError(f"the request rate must be a positive number per second, got {self.rate_per_s}")
        if self.concurrency is None and self.rate_per_s is None:
            raise UsageError("give a concurrency cap or a request rate")

    @property
    def cap(self) -> int:
        return self.concurrency if self.concurrency is not None else self.n_requests


def arrival_offsets_s(plan: LoadPlan) -> list[float]:
    """When each request is due, in seconds from the start (all 0 without a rate)."""
    if plan.rate_per_s is None:
        return [0.0] * plan.n_requests
    rng = random.Random(plan.seed)
    t, out = 0.0, []
    for _ in range(plan.n_requests):
        out.append(t)
        t += rng.expovariate(plan.rate_per_s)
    return out


class SteadyTracker:
    """Counts first tokens and finishes; fires the steady window's edges once each.

    Begins when ``concurrency`` requests have had a first token; ends when
    ``n - concurrency - 1`` requests have finished (failed ones count as finished). When
    the end count comes first, or cannot be reached, there is no steady window and
    ``note`` says why. ``clock`` is the window clock (seconds, perf_counter by default).
    """

    def __init__(self, n: int, concurrency: int | None, *, on_begin: Callable[[], None],
                 on_end: Callable[[], None], clock: Callable[[], float] = time.perf_counter) -> None:
        self._on_begin, self._on_end, self._clock = on_begin, on_end, clock
        self.first_tokens = self.finished = 0
        self.begin_t: float | None = None
        self.end_t: float | None = None
        self.note: str | None = None
        self._c = concurrency
        self._end_at = n - (concurrency or 0) - 1
        if concurrency is None:
            self.note = "no steady-state window without a concurrency cap (rate only)"
        elif self._end_at <= 0:
            self.note = (f"no steady-state window: {n} requests at concurrency {concurrency} "
                         f"(it needs more than {concurrency + 1} requests)")

    @property
    def active(self) -> bool:
        return self.note is None and self.begin_t is not None and self.end_t is None

    def first_token(self) -> None:
        self.first_tokens += 1
        if self.note is None and self.begin_t is None and self.first_tokens == self._c:
            if self.finished >= self._end_at:
                self.note = "no steady-state window: requests finished before the batch filled"
                return
            self.begin_t = self._clock()
            self._on_begin()

    def finish(self) -> None:
        self.finished += 1
        if self.note is not None or self.end_t is not None or self.finished < self._end_at:
            return
        if self.begin_t is None:
            self.note = ("no steady-state window: the batch never filled (fewer than "
                         f"{self._c} requests had a first token before {self._end_at} finished)")
            return
        self.end_t = self._clock()
        self._on_end()

    def close(self) -> None:
        """After the load: a window still open never reached its end (a cut-short run)."""
        if self.note is None and self.end_t is None:
            self.note = "no steady-state window: the run ended before it closed"


async def run_load(
    plan: LoadPlan,
    send: Callable[[int], Awaitable[RequestResult]],
    *,
    stop: asyncio.Event | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> list[RequestResult]:
    """Run ``send(i)`` for each request under ``plan``; results in request order.

    Requests never issued (``stop`` was set) are left out.
    """
    offsets = arrival_offsets_s(plan)
    slots = asyncio.Semaphore(plan.cap)
    stop = stop or asyncio.Event()
    tasks: list[asyncio.Task[RequestResult]] = []
    t0 = clock()

    async def one(i: int) -> RequestResult:
        try:
            return await send(i)
        finally:
            slots.release()

    for i, due in enumerate(offsets):
        wait = t0 + due - clock()
        if wait > 0:
            await asyncio.sleep(wait)
        await slots.acquire()
        if stop.is_set():
            slots.release()
            break
        tasks.append(asyncio.create_task(one(i)))
    return list(await asyncio.gather(*tasks))
