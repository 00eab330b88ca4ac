"""The client side of ``joulebench agent``: its info, snapshots and idle baseline over HTTP.

Errors become one-line :class:`~joulebench.errors.SensorError`s: an agent that cannot
be reached, that refuses the token (401), or that answers something that is not an
agent's JSON. The token travels in the ``Authorization`` header only.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any

from ..errors import SensorError
from ..measure.remote import WIRE_VERSION, baseline_from_dict
from ..measure.results import IdleBaseline
from .endpoint_url import parse_http_url

__all__ = ["AgentClient"]


class AgentClient:
    def __init__(self, url: str, token: str | None = None, *, timeout_s: float = 10.0) -> None:
        scheme, host, port, path = parse_http_url(url, "agent URL")
        netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        self.url = f"{scheme}://{netloc}{path}"
        self.host = host
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._timeout_s = timeout_s
        self._session: Any = None

    async def __aenter__(self) -> AgentClient:
        import aiohttp

        self._session = aiohttp.ClientSession(headers=self._headers)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(self, method: str, path: str, body: Any = None,
                    timeout_s: float | None = None) -> dict[str, Any]:
        import aiohttp

        timeout = aiohttp.ClientTimeout(total=timeout_s or self._timeout_s)
        try:
            async with self._session.request(method, self.url + path, json=body,
                                             timeout=timeout) as resp:
                if resp.status == 401:
                    raise SensorError(f"the agent at {self.url} refused the token",
                                      hint="pass the agent's token with --agent-token-env VAR")
                try:
                    data = await resp.json(content_type=None)
                except ValueError:
                    data = None
                if resp.status != 200 or not isinstance(data, dict):
                    why = data.get("error") if isinstance(data, dict) else f"HTTP {resp.status}"
                    raise SensorError(f"the agent at {self.url} answered {path} with an error: {why}",
                                      hint="is this a `joulebench agent` of the same version?")
                return data
        except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
            why = str(getattr(exc, "os_error", None) or exc) or type(exc).__name__
            raise SensorError(f"the agent at {self.url} cannot be reached: {why}",
                              hint="start `joulebench agent` on the server's host, and check "
                                   "the address and port") from exc

    async def info(self) -> dict[str, Any]:
        data = await self._call("GET", "/v1/info")
        if data.get("wire") != WIRE_VERSION or not isinstance(data.get("sensors"), list):
            raise SensorError(f"the agent at {self.url} speaks wire version {data.get('wire')!r}, "
                              f"not {WIRE_VERSION}", hint="run the same joulebench version on both hosts")
        return data

    async def read(self) -> dict[str, Any]:
        return await self._call("GET", "/v1/read")

    async def idle(self, seconds: float) -> IdleBaseline:
        data = await self._call("POST", "/v1/idle", {"seconds": seconds}, timeout_s=seconds + 30)
        return baseline_from_dict(data)
