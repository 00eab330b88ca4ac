"""Endpoint runs (``kind == "endpoint"``): per-point figures, the Pareto front, a deadline.

Pure functions over stored records. Per point:

* latencies: TTFT, inter-token gap (ITL: every gap between text events of every complete
  response), end-to-end, in ms at p50/p90/p99 (:func:`joulebench.stats.percentile`);
  throughput in output tokens and requests per second of the whole window;
* energy of the **server**: the window's energy minus this client's own estimated CPU
  energy when it ran on the server's host (:class:`~joulebench.serve.results.EndpointPoint`);
  J per output token, J per response and Wh per 1,000 requests over the whole run, and
  J per token over the steady-state window (its energy over the tokens that arrived in
  it): the figure ML.ENERGY reports, used as the headline when there is one;
* J per response as a distribution: the whole window's energy shared among requests by
  their time in flight (at each instant, power split evenly over the requests in flight;
  constant power over the window assumed, since energy is read at window edges only).

:func:`pareto_front` finds the points no other point beats on both energy per token and
median ITL; :func:`best_under_itl_deadline` the lowest-energy point whose median ITL
meets a deadline (as ML.ENERGY's leaderboard does).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .. import units
from ..bench.records import RunRecord
from ..serve.record import KIND_ENDPOINT
from ..serve.results import ENDPOINT_KEY, STEADY_PHASE, EndpointPoint, RequestResult
from ..stats import percentile

__all__ = [
    "EndpointSummary",
    "Percentiles",
    "attributed_energy_j",
    "best_under_itl_deadline",
    "endpoint_points",
    "pareto_front",
    "summarize_endpoint",
    "tokens_in_window",
]


@dataclass(frozen=True)
class Percentiles:
    p50: float
    p90: float
    p99: float
    mean: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float], scale: float = 1.0) -> Percentiles | None:
        if not values:
            return None
        xs = sorted(v * scale for v in values)
        return cls(percentile(xs, 50), percentile(xs, 90), percentile(xs, 99),
                   sum(xs) / len(xs), len(xs))


@dataclass(frozen=True)
class EndpointSummary:
    run_id: str
    status: str
    started_at: str
    url: str
    model: str
    api: str
    concurrency: int | None
    rate_per_s: float | None
    n_requests: int
    n_ok: int
    n_failed: int
    partial: bool
    duration_s: float
    output_tokens: int
    input_tokens: int | None
    token_sources: tuple[str, ...]
    output_tokens_per_s: float | None
    requests_per_s: float | None
    ttft_ms: Percentiles | None
    itl_ms: Percentiles | None
    e2e_ms: Percentiles | None
    energy_mode: str
    energy_note: str
    methods: tuple[str, ...]
    complete: bool
    server_energy_j: float | None
    server_net_energy_j: float | None
    client_energy_j: float | None
    j_per_token: float | None
    net_j_per_token: float | None
    j_per_response_mean: float | None
    j_per_response: Percentiles | None
    wh_per_1000_requests: float | None
    steady_duration_s: float | None
    steady_tokens: float | None
    steady_j_per_token: float | None
    emissions_g_per_1000_requests: float | None
    flags: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def label(self) -> str:
        parts = []
        if self.concurrency is not None:
            parts.append(f"c={self.concurrency}")
        if self.rate_per_s is not None:
            parts.append(f"rate={self.rate_per_s:g}/s")
        return " ".join(parts) or "?"

    @property
    def headline_j_per_token(self) -> float | None:
        """Steady-state J/token when there is a steady window, else the whole run's."""
        return self.steady_j_per_token if self.steady_j_per_token is not None else self.j_per_token

    @property
    def headline_window(self) -> str:
        return "steady" if self.steady_j_per_token is not None else "whole run"


def endpoint_points(records: Iterable[RunRecord]) -> list[tuple[RunRecord, EndpointPoint]]:
    """The endpoint runs among ``records``, with their decoded points."""
    out = []
    for r in records:
        raw = r.extra.get(ENDPOINT_KEY) if r.kind == KIND_ENDPOINT else None
        if isinstance(raw, dict):
            out.append((r, EndpointPoint.from_dict(raw)))
    return out


def tokens_in_window(requests: Iterable[RequestResult], start_s: float, end_s: float) -> float:
    """Output tokens that arrived in [start_s, end_s]: text events in it, each weighted by
    its response's tokens per event (a server may pack several tokens in one event)."""
    total = 0.0
    for r in requests:
        if not r.ok or not r.chunks:
            continue
        per_chunk = (r.output_tokens or r.chunks) / r.chunks
        total += per_chunk * sum(1 for t in r.token_times_s() if start_s <= t <= end_s)
    return total


def attributed_energy_j(requests: Sequence[RequestResult], energy_j: float) -> list[float]:
    """Each request's share of ``energy_j`` by time in flight (see the module docstring)."""
    events = sorted([(r.start_s, 1, i) for i, r in enumerate(requests)]
                    + [(r.end_s, -1, i) for i, r in enumerate(requests)], key=lambda e: (e[0], e[1]))
    weight = [0.0] * len(requests)
    active: set[int] = set()
    busy_s, last = 0.0, None
    for t, step, i in events:
        if last is not None and active and t > last:
            share = (t - last) / len(active)
            for j in active:
                weight[j] += share
            busy_s += t - last
        last = t
        if step > 0:
            active.add(i)
        else:
            active.discard(i)
    if busy_s <= 0:
        return [energy_j / len(requests)] * len(requests) if requests else []
    return [energy_j * w / busy_s for w in weight]


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None else a - (b or 0.0)


def _div(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def summarize_endpoint(record: RunRecord, point: EndpointPoint) -> EndpointSummary:
    ok = point.ok_requests
    out_tokens = sum(r.output_tokens or 0 for r in ok)
    in_known = [r.input_tokens for r in ok if r.input_tokens is not None]
    m = record.measurement
    energy = net = None
    methods: tuple[str, ...] = ()
    complete = False
    steady_j = steady_tokens = None
    if m is not None and m.energy_j is not None:
        methods = tuple(dict.fromkeys(c.method.value for c in m.components if c.energy_j is not None))
        complete = m.complete
        energy = _minus(m.energy_j, point.client_energy_j)
        net = _minus(m.net_energy_j, point.client_energy_j)
        phase = m.phase(STEADY_PHASE)
        if point.steady is not None and phase is not None and phase.energy_j is not None:
            steady_tokens = tokens_in_window(ok, point.steady.start_s, point.steady.end_s)
            steady_j = _div(_minus(phase.energy_j, point.client_energy_steady_j), steady_tokens)
    attributed = attributed_energy_j(point.requests, energy) if energy is not None else []
    ok_attr = [a for a, r in zip(attributed, point.requests, strict=True) if r.ok] if attributed else []
    wh_k = None
    if energy is not None and ok:
        wh_k = units.j_to_wh(units.per_1000_queries(energy, len(ok)))
    carbon = record.carbon
    grams = None
    if carbon is not None and energy is not None and ok:
        grams = units.per_1000_queries(
            units.emissions_g(energy, carbon.intensity_g_per_kwh, carbon.pue), len(ok))
    duration = point.duration_s
    return EndpointSummary(
        run_id=record.run_id, status=record.status, started_at=record.started_at,
        url=point.url, model=point.model, api=point.api, concurrency=point.concurrency,
        rate_per_s=point.rate_per_s, n_requests=len(point.requests), n_ok=len(ok),
        n_failed=len(point.requests) - len(ok), partial=point.partial, duration_s=duration,
        output_tokens=out_tokens, input_tokens=sum(in_known) if in_known else None,
        token_sources=tuple(sorted({r.token_source for r in ok})),
        output_tokens_per_s=_div(float(out_tokens), duration),
        requests_per_s=_div(float(len(ok)), duration),
        ttft_ms=Percentiles.of([r.ttft_s for r in ok if r.ttft_s is not None], 1e3),
        itl_ms=Percentiles.of([g for r in ok for g in r.itl_us], 1e-3),
        e2e_ms=Percentiles.of([r.duration_s for r in ok], 1e3),
        energy_mode=point.energy_mode, energy_note=point.energy_note, methods=methods,
        complete=complete, server_energy_j=energy, server_net_energy_j=net,
        client_energy_j=point.client_energy_j,
        j_per_token=_div(energy, out_tokens), net_j_per_token=_div(net, out_tokens),
        j_per_response_mean=_div(sum(ok_attr), len(ok_attr)) if ok_attr else None,
        j_per_response=Percentiles.of(ok_attr), wh_per_1000_requests=wh_k,
        steady_duration_s=None if point.steady is None else point.steady.duration_s,
        steady_tokens=steady_tokens, steady_j_per_token=steady_j,
        emissions_g_per_1000_requests=grams, flags=point.flags,
        warnings=() if m is None else m.warnings,
    )


def _coords(s: EndpointSummary) -> tuple[float, float] | None:
    """(J/token, median ITL ms) of a point that has both."""
    e = s.headline_j_per_token
    return None if e is None or s.itl_ms is None else (e, s.itl_ms.p50)


def pareto_front(summaries: Sequence[EndpointSummary]) -> list[EndpointSummary]:
    """Points not dominated on (J/token, median ITL), both lower-is-better; by ITL."""
    pts = [(s, c) for s in summaries if (c := _coords(s)) is not None]
    front = [
        (s, c) for s, c in pts
        if not any(o[0] <= c[0] and o[1] <= c[1] and o != c for _, o in pts)
    ]
    return [s for s, c in sorted(front, key=lambda sc: (sc[1][1], sc[1][0]))]


def best_under_itl_deadline(summaries: Sequence[EndpointSummary],
                            deadline_ms: float) -> EndpointSummary | None:
    """The lowest-J/token point whose median ITL is at most ``deadline_ms``."""
    ok = [(c[0], i, s) for i, s in enumerate(summaries)
          if (c := _coords(s)) is not None and c[1] <= deadline_ms]
    return min(ok)[2] if ok else None
