"""Where an endpoint run's energy comes from: this host, an agent, or nowhere.

* :class:`LocalEnergy`: the server runs on this host; a :class:`~..measure.meter.Meter`
  over this host's sensors (GPU counters, CPU and DRAM at machine scope, or the server's
  process tree) reads them at the window edges, synchronously, on the event loop.
* :class:`AgentEnergy`: the server runs elsewhere; each edge first fetches a snapshot
  from the ``joulebench agent`` there, then the same Meter logic reads it
  (:mod:`..measure.remote`). Edges are queued in order, so a slow fetch never reorders
  them.
* :class:`NoEnergy`: neither; the run's figures are latencies only and the record says
  why energy was not measured. Never a client-side guess.

Every probe also records this client's own CPU seconds at the same edges (whole run and
steady window), so its estimated energy can be kept out of the server's figure when the
client runs on the server's host (``client_w_per_cpu``: the CPU power curve's dynamic
watts per busy CPU).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from ..measure.cpu_model import process_cpu_s
from ..measure.host_load import LoadProbe
from ..measure.results import IdleBaseline, Measurement
from ..measure.sensor import Sensor
from .results import STEADY_PHASE

__all__ = ["AgentEnergy", "EnergyProbe", "LocalEnergy", "NoEnergy"]


class EnergyProbe:
    """The interface (and the client-CPU bookkeeping every probe shares)."""

    mode = "none"

    def __init__(self, note: str, *, client_w_per_cpu: float | None = None,
                 client_details: str = "", cpu_s: Callable[[], float] = process_cpu_s) -> None:
        self.note = note
        self.client_w_per_cpu = client_w_per_cpu
        self.client_details = client_details
        self.baseline: IdleBaseline | None = None
        self._cpu_s = cpu_s
        self._cpu: dict[str, float] = {}

    async def idle(self, seconds: float) -> IdleBaseline | None:
        return None

    async def begin(self) -> None:
        self._cpu = {"begin": self._cpu_s()}

    def steady_begin(self) -> None:
        self._cpu["steady_begin"] = self._cpu_s()

    def steady_end(self) -> None:
        self._cpu["steady_end"] = self._cpu_s()

    async def end(self) -> Measurement | None:
        self._cpu["end"] = self._cpu_s()
        return None

    def client_cpu_s(self, steady: bool = False) -> float | None:
        a, b = ("steady_begin", "steady_end") if steady else ("begin", "end")
        if a in self._cpu and b in self._cpu:
            return self._cpu[b] - self._cpu[a]
        return None

    def client_energy_j(self, steady: bool = False) -> float | None:
        cpu = self.client_cpu_s(steady)
        if cpu is None or self.client_w_per_cpu is None:
            return None
        return cpu * self.client_w_per_cpu


class NoEnergy(EnergyProbe):
    mode = "none"


class LocalEnergy(EnergyProbe):
    """A Meter over ``sensors`` of this host; ``load_probe`` counts the server as "own"."""

    mode = "local"

    def __init__(self, sensors: Sequence[Sensor], note: str, *, scope: str = "machine",
                 load_probe: LoadProbe | None = None, **kw: Any) -> None:
        super().__init__(note, **kw)
        self.sensors = list(sensors)
        self.scope = scope
        self.load_probe = load_probe
        self._meter: Any = None
        self._phase: Any = None
        self._chain: asyncio.Future[None] | None = None

    def _new_meter(self) -> Any:
        from ..measure.meter import Meter

        return Meter(self.sensors, baseline=self.baseline, scope=self.scope,
                     load_probe=self.load_probe)

    async def idle(self, seconds: float) -> IdleBaseline | None:
        meter = self._new_meter()
        self.baseline = await asyncio.to_thread(meter.measure_idle, seconds)
        return self.baseline

    async def _refresh(self) -> None:
        return None

    def _at_edge(self, op: Callable[[], None]) -> None:
        """Run ``op`` now (local sensors), or after the edges queued before it."""
        op()

    async def begin(self) -> None:
        await super().begin()
        await self._refresh()
        self._meter = self._new_meter()
        self._meter.start()

    def steady_begin(self) -> None:
        super().steady_begin()

        def enter() -> None:
            self._phase = self._meter.phase(STEADY_PHASE)
            self._phase.__enter__()

        self._at_edge(enter)

    def steady_end(self) -> None:
        super().steady_end()

        def leave() -> None:
            if self._phase is not None:
                self._phase.__exit__(None, None, None)
                self._phase = None

        self._at_edge(leave)

    async def end(self) -> Measurement | None:
        await super().end()
        if self._chain is not None:
            await self._chain
        await self._refresh()
        measurement: Measurement = self._meter.stop()
        self._phase = None
        return measurement


class AgentEnergy(LocalEnergy):
    """The Meter logic over an agent's snapshots (``client``: an AgentClient)."""

    mode = "agent"

    def __init__(self, client: Any, remote: Any, note: str, **kw: Any) -> None:
        super().__init__(remote.sensors, note, load_probe=remote.load_probe, **kw)
        self._client = client
        self._remote = remote

    def _new_meter(self) -> Any:
        from ..measure.meter import Meter

        return Meter(self.sensors, baseline=self.baseline, scope=self.scope,
                     load_probe=self.load_probe, sync_cuda=False)

    async def idle(self, seconds: float) -> IdleBaseline | None:
        self.baseline = await self._client.idle(seconds)
        return self.baseline

    async def _refresh(self) -> None:
        self._remote.update(await self._client.read())

    def _at_edge(self, op: Callable[[], None]) -> None:
        before = self._chain

        async def run() -> None:
            if before is not None:
                await before
            await self._refresh()
            op()

        self._chain = asyncio.ensure_future(run())
