"""``joulebench agent``: this host's energy sensors over HTTP, for a client on another host.

A serving benchmark whose server runs elsewhere reads the server host's counters at its
window edges from an agent there (:mod:`.remote` is the client's side). Routes (JSON):

* ``GET /v1/info``: the sensors' provenance (:class:`~.sensor.SensorInfo`), logical CPUs,
  hostname, the followed server pid, and the host's inventory;
* ``GET /v1/read``: one snapshot: every sensor's cumulative reading (or why it failed)
  and the load probe's mark (time, machine busy CPU s, own CPU s);
* ``POST /v1/idle`` ``{"seconds": S}``: measures S seconds of idle power here
  (:meth:`.meter.Meter.measure_idle`) and returns the baseline; one at a time.

It binds 127.0.0.1 unless told otherwise, and any other address requires a token: every
request must then carry ``Authorization: Bearer <token>`` (compared in constant time),
or it gets 401. The agent polls its sensors that need background sampling for as long as
it runs. "Own" CPU for the busy-host guard is the agent's plus, with ``server_pid``, the
server tree's: a server idling or working is not "another process". aiohttp is imported
only when the agent serves (the ``serve`` extra).
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import socket
import threading
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import UsageError
from .host_load import LoadProbe
from .remote import WIRE_VERSION, baseline_to_dict, info_to_dict, reading_to_dict
from .sensor import Sensor

__all__ = ["Agent", "check_bind", "own_cpu_with"]

MAX_IDLE_S = 600.0


def check_bind(host: str, token: str | None) -> None:
    """A non-loopback address needs a token; UsageError otherwise."""
    if token:
        return
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise UsageError(f"the agent binds {host} only with a token",
                     hint="set a token in an environment variable and pass --token-env VAR; "
                          "clients pass the same with --agent-token-env")


def own_cpu_with(server_cpu_s: Callable[[], float] | None) -> Callable[[], float]:
    """This process's CPU seconds, plus a followed server tree's when given."""
    from .cpu_model import process_cpu_s

    if server_cpu_s is None:
        return process_cpu_s

    def both() -> float:
        try:
            extra = server_cpu_s()
        except (LookupError, OSError):
            extra = 0.0
        return process_cpu_s() + extra

    return both


class Agent:
    """Serves ``sensors`` (the caller's; the agent does not close them)."""

    def __init__(
        self,
        sensors: Sequence[Sensor],
        *,
        token: str | None = None,
        server_pid: int | None = None,
        server_cpu_s: Callable[[], float] | None = None,
        inventory: dict[str, Any] | None = None,
    ) -> None:
        self.sensors = list(sensors)
        self._token = token
        self.server_pid = server_pid
        self.load_probe = LoadProbe(own_cpu_s=own_cpu_with(server_cpu_s))
        self._inventory = inventory or {}
        self._idle_lock = threading.Lock()
        self._sub: Any = None

    # ------------------------------------------------------------- the figures
    def info(self) -> dict[str, Any]:
        return {
            "wire": WIRE_VERSION,
            "hostname": socket.gethostname(),
            "logical_cpus": self.load_probe.logical_cpus,
            "sensors": [info_to_dict(s.info) for s in self.sensors],
            "server_pid": self.server_pid,
            "environment": self._inventory,
        }

    def snapshot(self) -> dict[str, Any]:
        readings = []
        for s in self.sensors:
            try:
                r: Any = s.read()
            except Exception as exc:  # an unreadable sensor is a gap on the client's side
                r = f"read failed on the agent: {exc!r}"
            readings.append(reading_to_dict(s.info.source, r))
        return {"wire": WIRE_VERSION, "readings": readings, "load_mark": list(self.load_probe.mark())}

    def idle(self, seconds: Any) -> dict[str, Any]:
        from .meter import Meter

        if not isinstance(seconds, (int, float)) or not 0 < seconds <= MAX_IDLE_S:
            raise UsageError(f"idle seconds must be in (0, {MAX_IDLE_S:g}], got {seconds!r}")
        if not self._idle_lock.acquire(blocking=False):
            raise UsageError("an idle baseline is already being measured")
        try:
            meter = Meter(self.sensors, load_probe=self.load_probe, sync_cuda=False)
            return baseline_to_dict(meter.measure_idle(float(seconds)))
        finally:
            self._idle_lock.release()

    # -------------------------------------------------------------------- HTTP
    def _authorised(self, request: Any) -> bool:
        if not self._token:
            return True
        got = request.headers.get("Authorization", "")
        return hmac.compare_digest(got.encode(), f"Bearer {self._token}".encode())

    def app(self) -> Any:
        from aiohttp import web

        @web.middleware
        async def auth(request: Any, handler: Any) -> Any:
            if not self._authorised(request):
                return web.json_response({"error": "missing or wrong token"}, status=401)
            return await handler(request)

        async def info(request: Any) -> Any:
            return web.json_response(self.info())

        async def read(request: Any) -> Any:
            return web.json_response(self.snapshot())

        async def idle(request: Any) -> Any:
            try:
                body = await request.json()
                seconds = body.get("seconds") if isinstance(body, dict) else None
                return web.json_response(await asyncio.to_thread(self.idle, seconds))
            except UsageError as exc:
                return web.json_response({"error": str(exc)}, status=400)
            except ValueError:
                return web.json_response({"error": "the body must be JSON"}, status=400)

        app = web.Application(middlewares=[auth])
        app.router.add_get("/v1/info", info)
        app.router.add_get("/v1/read", read)
        app.router.add_post("/v1/idle", idle)
        return app

    def start_polling(self) -> None:
        from .sampler import shared_sampler

        if any(s.poll_interval_s is not None for s in self.sensors):
            self._sub = shared_sampler().subscribe(self.sensors)

    def stop_polling(self) -> None:
        if self._sub is not None:
            self._sub.close()
            self._sub = None

    def serve(self, host: str = "127.0.0.1", port: int = 8787,
              on_ready: Callable[[str], None] | None = None) -> None:
        """Serve until interrupted (blocking)."""
        from aiohttp import web

        check_bind(host, self._token)
        self.start_polling()

        async def main() -> None:
            runner = web.AppRunner(self.app(), access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, host, port)
            try:
                await site.start()
            except OSError as exc:
                await runner.cleanup()
                raise UsageError(f"the agent cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
            server: Any = site._server
            bound = server.sockets[0].getsockname()[1] if server is not None else port
            if on_ready is not None:
                on_ready(f"http://{host}:{bound}")
            try:
                await asyncio.Event().wait()
            finally:
                await runner.cleanup()

        try:
            asyncio.run(main())
        finally:
            self.stop_polling()
