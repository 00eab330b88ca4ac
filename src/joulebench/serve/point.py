"""One measured load point, and a sweep of them, against one endpoint.

A point: ``warmup`` unmeasured requests; then the energy window opens, N requests run
under the :class:`~.load.LoadPlan`, the steady-state window's edges are read as they
happen, and the window closes when the last request ends. A request that cannot connect
or loses its connection triggers a health check (``GET /v1/models``); a server that no
longer answers stops the load: finished requests are kept and the point is ``partial``.

A sweep checks the server and sends one probe request first (a failure is one line, and
nothing has been measured or written), then the idle baseline, then the points in turn;
``on_ready`` is called once the checks pass (the caller opens its store there) and
``on_point`` after each point (the caller writes it).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ..errors import EndpointError, JoulebenchError
from ..measure.results import Measurement
from .client import EndpointClient
from .energy import EnergyProbe
from .load import LoadPlan, SteadyTracker, run_load
from .metrics import MetricsPoller, batch_stats
from .preflight import check_server, probe_request
from .results import EndpointPoint, RequestResult, ServerInfo, SteadyWindow

__all__ = ["PointOutcome", "SweepSettings", "run_point", "run_sweep"]

STEADY_MIN_S = 30.0  # ML.ENERGY: a shorter steady state is flagged
BATCH_MIN_FRACTION = 0.8  # the server's running batch should stay near the cap
BATCH_MIN_SAMPLES = 3  # fewer /metrics samples in the steady window cannot tell
_LOST = ("connect", "disconnected")

STATUS_OK, STATUS_PARTIAL, STATUS_FAILED = "ok", "partial", "failed"


@dataclass(frozen=True)
class SweepSettings:
    n_requests: int
    warmup: int = 0
    seed: int = 0
    idle_s: float = 0.0
    metrics: bool = True


@dataclass(frozen=True)
class PointOutcome:
    point: EndpointPoint
    measurement: Measurement | None
    status: str
    error: str | None = None


class _Health:
    """Whether the server is still up, checked after lost connections (one check at a
    time; failures that arrive during a check get a check of their own)."""

    def __init__(self, client: EndpointClient, stop: asyncio.Event) -> None:
        self._client, self._stop = client, stop
        self._task: asyncio.Task[None] | None = None
        self._pending: RequestResult | None = None
        self.reason: str | None = None

    def suspect(self, result: RequestResult) -> None:
        if self._stop.is_set():
            return
        self._pending = result
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._check())

    async def _check(self) -> None:
        while self._pending is not None and not self._stop.is_set():
            result, self._pending = self._pending, None
            try:
                await self._client.get(self._client.endpoint.api_root + "/models", timeout_s=5)
            except EndpointError:
                self.reason = f"the server stopped answering (request {result.index}: {result.error})"
                self._stop.set()

    async def wait(self) -> None:
        if self._task is not None:
            await self._task
        if self._pending is not None:
            await self._check()


def _flags(point: EndpointPoint, steady: SteadyWindow | None) -> tuple[str, ...]:
    out = []
    if steady is not None and steady.duration_s < STEADY_MIN_S:
        out.append(f"steady state lasted {steady.duration_s:.1f} s (< {STEADY_MIN_S:g} s): "
                   "raise -n for a steady-state figure you can trust")
    c, batch = point.concurrency, point.server_batch
    if c and batch is not None and batch.mean_running is not None and \
            batch.samples >= BATCH_MIN_SAMPLES and batch.mean_running < BATCH_MIN_FRACTION * c:
        out.append(f"the server's running batch ({batch.metric}) averaged {batch.mean_running:.1f}"
                   f" in the steady state, under {BATCH_MIN_FRACTION:.0%} of concurrency {c}")
    failed = [r for r in point.requests if not r.ok]
    if failed:
        kinds = sorted({r.error_kind or "" for r in failed})
        out.append(f"{len(failed)} of {len(point.requests)} requests failed ({', '.join(kinds)})")
    ok = point.ok_requests
    if point.ignore_eos and any(r.finish_reason == "stop" and (r.output_tokens or 0) < point.max_tokens
                                for r in ok):
        out.append("--ignore-eos asked for, but some responses stopped early: the server may "
                   "not support it")
    silent = [r for r in ok if r.ttft_s is None and (r.output_tokens or 0) > 0]
    if silent:
        out.append(f"{len(silent)} response(s) streamed no text for their tokens (e.g. special "
                   "tokens the server does not print): they have no TTFT or ITL")
    sources = sorted({r.token_source for r in ok} - {"usage"})
    if sources:
        out.append(f"the server sent no usage figures for some responses: token counts from "
                   f"{', '.join(sources)}")
    return tuple(out)


async def run_point(client: EndpointClient, plan: LoadPlan, bodies: Sequence[bytes],
                    texts: Sequence[str], energy: EnergyProbe, *, server: ServerInfo,
                    warmup: int = 0) -> PointOutcome:
    """Measure one point; ``bodies[i]`` is request i's JSON (cycled for warm-up)."""
    clock = time.perf_counter
    if warmup:
        warm = LoadPlan(warmup, min(plan.cap, warmup), None, plan.seed)
        await run_load(warm, lambda i: client.request(i, bodies[i % len(bodies)], clock()))
    stop = asyncio.Event()
    health = _Health(client, stop)
    tracker = SteadyTracker(plan.n_requests, plan.concurrency, on_begin=energy.steady_begin,
                            on_end=energy.steady_end, clock=clock)
    poller = None
    t0 = clock()
    await energy.begin()
    if server.metrics_gauge:
        poller = MetricsPoller(lambda: client.get(client.endpoint.server_root + "/metrics", 5),
                               server.metrics_gauge, clock=clock)
        poller.start(t0)

    async def send(i: int) -> RequestResult:
        result = await client.request(i, bodies[i], t0, on_first_token=tracker.first_token,
                                      prompt_text=texts[i] if texts else None)
        tracker.finish()
        if result.error_kind in _LOST:
            health.suspect(result)
        return result

    results = await run_load(plan, send, stop=stop)
    t_end = clock()
    tracker.close()
    await health.wait()
    note = energy.note
    try:
        measurement = await energy.end()
    except JoulebenchError as exc:  # e.g. the agent stopped answering: latencies stay
        measurement, note = None, f"energy not measured: {exc}"
    if poller is not None:
        await poller.stop()
    steady = None
    if tracker.begin_t is not None and tracker.end_t is not None:
        steady = SteadyWindow(tracker.begin_t - t0, tracker.end_t - t0)
    if measurement is not None and steady is None and measurement.phase("steady") is not None:
        measurement = replace(measurement, phases=())  # a window that never closed properly
    point = EndpointPoint(
        url=client.endpoint.api_root, model=client.settings.model, api=client.settings.api,
        concurrency=plan.concurrency, rate_per_s=plan.rate_per_s, n_requests=plan.n_requests,
        max_tokens=client.settings.max_tokens, ignore_eos=client.settings.ignore_eos,
        seed=plan.seed, warmup=warmup, duration_s=t_end - t0, requests=tuple(results),
        steady=steady, steady_note=tracker.note, energy_mode=energy.mode if measurement else "none",
        energy_note=note, client_cpu_s=energy.client_cpu_s(),
        client_cpu_steady_s=energy.client_cpu_s(steady=True) if steady else None,
        client_energy_j=energy.client_energy_j() if measurement else None,
        client_energy_steady_j=energy.client_energy_j(steady=True) if measurement and steady else None,
        client_energy_details=energy.client_details if measurement else "",
        partial=stop.is_set(), partial_reason=health.reason, server=server,
        server_batch=None if poller is None else batch_stats(poller.gauge, poller.samples, steady),
    )
    point = replace(point, flags=_flags(point, steady))
    if stop.is_set():
        status, error = STATUS_PARTIAL, health.reason
    elif not point.ok_requests:
        status, error = STATUS_FAILED, f"all {len(results)} requests failed: " + (
            results[0].error or "" if results else "")
    else:
        status, error = STATUS_OK, None
    return PointOutcome(point=point, measurement=measurement, status=status, error=error)


async def run_sweep(client: EndpointClient, plans: Sequence[LoadPlan], bodies: Sequence[bytes],
                    texts: Sequence[str], energy: EnergyProbe, settings: SweepSettings, *,
                    server_info: dict[str, str] | None = None,
                    prepare_energy: Callable[[], object] | None = None,
                    on_ready: Callable[[ServerInfo], None] | None = None,
                    on_point: Callable[[PointOutcome], None] | None = None,
                    on_idle: Callable[[object], None] | None = None) -> list[PointOutcome]:
    """Check, probe, measure idle, then each plan in turn; stops after a partial point."""
    server = await check_server(client, user_info=server_info, metrics=settings.metrics)
    await probe_request(client, bodies[0])
    if prepare_energy is not None:
        ready = prepare_energy()
        if asyncio.iscoroutine(ready):
            await ready
    if on_ready is not None:
        on_ready(server)
    if settings.idle_s > 0 and energy.mode != "none":
        baseline = await energy.idle(settings.idle_s)
        if on_idle is not None:
            on_idle(baseline)
    outcomes = []
    for plan in plans:
        outcome = await run_point(client, plan, bodies, texts, energy, server=server,
                                  warmup=settings.warmup)
        outcomes.append(outcome)
        if on_point is not None:
            on_point(outcome)
        if outcome.status == STATUS_PARTIAL:
            break
    return outcomes
