"""An aiohttp application served on 127.0.0.1 from a background thread with its own loop.

For the fake server and for tests that need an agent: ``BackgroundServer(app).start()``
returns the port; ``stop()`` shuts it down. ``port=0`` picks a free port.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["BackgroundServer"]


class BackgroundServer:
    def __init__(self, app: Any, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._app = app
        self.host = host
        self._port = port
        self.port = 0
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._site: Any = None
        self._error: BaseException | None = None

    def start(self) -> int:
        self._thread = threading.Thread(target=self._serve, name="joulebench-background-server",
                                        daemon=True)
        self._thread.start()
        if not self._ready.wait(10) or self._error is not None:
            raise RuntimeError(f"the background server did not start: {self._error!r}")
        return self.port

    def _serve(self) -> None:
        from aiohttp import web

        loop = self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        runner = web.AppRunner(self._app, access_log=None)
        try:
            loop.run_until_complete(runner.setup())
            self._site = web.TCPSite(runner, self.host, self._port)
            loop.run_until_complete(self._site.start())
            server: Any = self._site._server
            self.port = server.sockets[0].getsockname()[1]
        except BaseException as exc:  # reported by start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    def call_soon(self, fn: Callable[[], Any]) -> None:
        if self.loop is not None:
            self.loop.call_soon_threadsafe(fn)

    def stop_listening(self) -> None:
        """Close the listening socket (new connections are refused); keeps the thread."""
        loop, site = self.loop, self._site
        if loop is not None and site is not None:
            loop.call_soon_threadsafe(lambda: loop.create_task(site.stop()))

    def stop(self) -> None:
        if self.loop is not None and self._thread is not None:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
            self.loop = None
