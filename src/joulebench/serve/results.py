"""Typed, frozen records of one measured load point against a serving endpoint.

A stored endpoint run (``RunRecord.kind == "endpoint"``) keeps an :class:`EndpointPoint`
as ``extra["endpoint"]`` (``to_dict``/``from_dict``; JSON-safe); its ``measurement`` is
the energy of the whole run with the steady-state window as phase ``"steady"``, or
``None`` when energy was not measured. Times are seconds, relative to the start of the
measured window; inter-token gaps are whole microseconds (compact and exact enough:
clocks here tick in nanoseconds, networks in tens of microseconds).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

__all__ = [
    "ENDPOINT_KEY",
    "ENDPOINT_SCHEMA",
    "BatchStats",
    "EndpointPoint",
    "RequestResult",
    "ServerInfo",
    "SteadyWindow",
]

ENDPOINT_KEY = "endpoint"  # RunRecord.extra key
ENDPOINT_SCHEMA = 1
STEADY_PHASE = "steady"
TOKEN_SOURCES = ("usage", "tokenizer", "chunks")  # where output token counts came from


@dataclass(frozen=True)
class RequestResult:
    """One streamed request. ``error_kind`` is None for a complete response.

    ``duration_s`` is the end-to-end latency (send to end of stream) of a complete
    response, or the time until it failed. ``token_source`` says where the token counts
    came from: ``usage`` (the server's figures), ``tokenizer`` (counted here, labelled so)
    or ``chunks`` (content events counted: a lower bound when a server packs tokens).
    """

    index: int
    start_s: float
    duration_s: float
    ttft_s: float | None = None
    itl_us: tuple[int, ...] = ()
    chunks: int = 0
    input_tokens: int | None = None
    output_tokens: int | None = None
    token_source: str = "usage"
    finish_reason: str | None = None
    error_kind: str | None = None
    error: str | None = None
    status_code: int | None = None

    @property
    def ok(self) -> bool:
        return self.error_kind is None

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s

    def token_times_s(self) -> list[float]:
        """Arrival time of each content chunk, relative to the window start."""
        if self.ttft_s is None:
            return []
        t = self.start_s + self.ttft_s
        out = [t]
        for gap in self.itl_us:
            t += gap * 1e-6
            out.append(t)
        return out

    def to_dict(self) -> dict[str, Any]:
        d = _plain(self)
        d["itl_us"] = list(self.itl_us)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RequestResult:
        kw = _known(cls, d)
        kw["itl_us"] = tuple(int(v) for v in d.get("itl_us", ()))
        return cls(**kw)


@dataclass(frozen=True)
class SteadyWindow:
    """ML.ENERGY's steady state: from the moment C requests have had a first token to
    the moment N - C - 1 have finished (C the concurrency cap, N the requests)."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class BatchStats:
    """The server's running batch over the steady window, from its Prometheus /metrics."""

    metric: str  # e.g. "vllm:num_requests_running"
    mean_running: float | None
    samples: int


@dataclass(frozen=True)
class ServerInfo:
    """What the server says about itself, and what the user told us (``--server-info``)."""

    models: tuple[str, ...] = ()
    owned_by: str | None = None
    user: Mapping[str, str] = field(default_factory=dict)
    metrics_gauge: str | None = None
    pid: int | None = None
    pid_source: str | None = None  # "--server-pid" or how it was found
    agent_url: str | None = None


@dataclass(frozen=True)
class EndpointPoint:
    """One (endpoint, model, concurrency or rate) point: its requests, windows and notes.

    ``energy_mode`` is ``local`` (this host's sensors), ``agent`` (a ``joulebench agent``
    on the server's host) or ``none`` (not measured: ``energy_note`` says why; only
    latencies are reported). ``client_energy_j`` is the estimated energy of this client's
    own CPU work when it ran on the server's host (CPU time x the CPU power curve's
    dynamic watts per CPU); it is kept out of the server's figures. ``partial`` marks a
    point cut short (the server stopped answering): finished requests are kept.
    """

    url: str
    model: str
    api: str
    concurrency: int | None
    rate_per_s: float | None
    n_requests: int
    max_tokens: int
    ignore_eos: bool
    seed: int
    warmup: int
    duration_s: float
    requests: tuple[RequestResult, ...]
    steady: SteadyWindow | None = None
    steady_note: str | None = None
    flags: tuple[str, ...] = ()
    server_batch: BatchStats | None = None
    energy_mode: str = "none"
    energy_note: str = ""
    client_cpu_s: float | None = None
    client_cpu_steady_s: float | None = None
    client_energy_j: float | None = None
    client_energy_steady_j: float | None = None
    client_energy_details: str = ""
    partial: bool = False
    partial_reason: str | None = None
    server: ServerInfo = field(default_factory=ServerInfo)

    @property
    def ok_requests(self) -> tuple[RequestResult, ...]:
        return tuple(r for r in self.requests if r.ok)

    def to_dict(self) -> dict[str, Any]:
        d = _plain(self)
        d["schema"] = ENDPOINT_SCHEMA
        d["requests"] = [r.to_dict() for r in self.requests]
        d["flags"] = list(self.flags)
        d["steady"] = None if self.steady is None else _plain(self.steady)
        d["server_batch"] = None if self.server_batch is None else _plain(self.server_batch)
        server = _plain(self.server)
        server["models"] = list(self.server.models)
        server["user"] = dict(self.server.user)
        d["server"] = server
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> EndpointPoint:
        kw = _known(cls, d)
        kw["requests"] = tuple(RequestResult.from_dict(r) for r in d.get("requests", ()))
        kw["flags"] = tuple(d.get("flags", ()))
        steady = d.get("steady")
        kw["steady"] = None if not steady else SteadyWindow(**_known(SteadyWindow, steady))
        batch = d.get("server_batch")
        kw["server_batch"] = None if not batch else BatchStats(**_known(BatchStats, batch))
        server = dict(d.get("server") or {})
        server["models"] = tuple(server.get("models", ()))
        server["user"] = dict(server.get("user") or {})
        kw["server"] = ServerInfo(**_known(ServerInfo, server))
        return cls(**kw)


def _plain(obj: Any) -> dict[str, Any]:
    """Shallow dict of a dataclass (nested values are converted by the callers)."""
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


def _known(cls: Any, d: Mapping[str, Any]) -> dict[str, Any]:
    """The keys of ``d`` that are fields of ``cls`` (a newer writer's extras are ignored)."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in d.items() if k in names}
