"""A scripted OpenAI-compatible server with known delays, for tests and benchmarks.

Shipped in the library, like :mod:`joulebench.measure.fake`: tests and the client
benchmark drive the real client against it. Each response streams ``min(output_tokens,
max_tokens)`` text events (``eos_after`` stops earlier unless the request sets
``ignore_eos``), the first ``ttft_s`` after the request arrived and one every ``itl_s``
after that (scheduled on absolute deadlines, so delays do not accumulate), then, when the
request asks for it, a usage chunk (``prompt_tokens`` = words of the prompt, exactly),
then ``data: [DONE]``. ``GET /v1/models`` lists ``models``; ``GET /metrics`` exposes
``vllm:num_requests_running`` (requests being streamed now).

Faults (``fault``): ``401``, ``404``, ``429``, ``500`` (that status, a JSON error body),
``not-sse`` (200 with an HTML body), ``malformed`` (a non-JSON event after
``fault_after`` tokens), ``truncated`` (the stream ends cleanly after ``fault_after``
tokens, with no finish), ``close`` (the connection is dropped after ``fault_after``
tokens), ``error-event`` (an error object in the stream). ``die_after=K``: the server
stops listening and drops every connection once K requests have arrived (a server that
dies during a run). ``api_key``: requests without ``Authorization: Bearer <key>`` get 401.

In a background thread: ``with FakeServer(FakeScript(...)) as url: ...``; in its own
process: ``python -m joulebench.serve.fake_server --port 8000 --ttft-s 0.05``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FAULTS", "FakeScript", "FakeServer", "main"]

FAULTS = ("401", "404", "429", "500", "not-sse", "malformed", "truncated", "close", "error-event")


@dataclass(frozen=True)
class FakeScript:
    ttft_s: float = 0.02
    itl_s: float = 0.005
    output_tokens: int = 16
    eos_after: int | None = None
    usage: bool = True
    done_marker: bool = True
    models: tuple[str, ...] = ("fake-model",)
    fault: str | None = None
    fault_after: int = 2
    die_after: int | None = None
    api_key: str | None = field(default=None, repr=False)
    metrics: bool = True
    chunk_padding: int = 0  # extra bytes per event (a realistic chunk is ~200 bytes)


def _prompt_words(body: dict[str, Any]) -> int:
    if "messages" in body:
        return sum(len(str(m.get("content", "")).split()) for m in body["messages"])
    return len(str(body.get("prompt", "")).split())


class _App:
    def __init__(self, script: FakeScript) -> None:
        self.script = script
        self.arrived = 0
        self.running = 0
        self.dead = False
        self.transports: set[Any] = set()
        self.on_die: Any = None

    def build(self) -> Any:
        from aiohttp import web

        @web.middleware
        async def dead(request: Any, handler: Any) -> Any:
            if self.dead:  # a dead server answers nothing, on old connections too
                if request.transport is not None:
                    request.transport.abort()
                return web.Response(status=503)
            return await handler(request)

        app = web.Application(middlewares=[dead])
        app.router.add_get("/v1/models", self.models)
        app.router.add_post("/v1/chat/completions", self.complete)
        app.router.add_post("/v1/completions", self.complete)
        if self.script.metrics:
            app.router.add_get("/metrics", self.metrics)
        return app

    def _denied(self, request: Any) -> Any:
        from aiohttp import web

        key = self.script.api_key
        if key and request.headers.get("Authorization") != f"Bearer {key}":
            return web.json_response({"error": {"message": "invalid API key", "type": "auth"}},
                                     status=401)
        return None

    async def models(self, request: Any) -> Any:
        from aiohttp import web

        denied = self._denied(request)
        if denied is not None:
            return denied
        data = [{"id": m, "object": "model", "owned_by": "joulebench-fake"} for m in self.script.models]
        return web.json_response({"object": "list", "data": data})

    async def metrics(self, request: Any) -> Any:
        from aiohttp import web

        text = ("# TYPE vllm:num_requests_running gauge\n"
                f'vllm:num_requests_running{{model_name="{self.script.models[0]}"}} {self.running}\n')
        return web.Response(text=text, content_type="text/plain")

    async def complete(self, request: Any) -> Any:
        from aiohttp import web

        t_arrive = time.perf_counter()
        s = self.script
        self.arrived += 1
        if s.die_after is not None and self.arrived > s.die_after:
            self.die()
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=503)
        denied = self._denied(request)
        if denied is not None:
            return denied
        body = await request.json()
        if body.get("model") not in s.models:
            return web.json_response({"error": {"message": f"model {body.get('model')!r} not found"}},
                                     status=404)
        if s.fault in ("401", "404", "429", "500"):
            return web.json_response({"error": {"message": f"scripted {s.fault}"}}, status=int(s.fault))
        if s.fault == "not-sse":
            return web.Response(text="<html><body>hello</body></html>", content_type="text/html")
        n = min(s.output_tokens, int(body.get("max_tokens") or s.output_tokens))
        if s.eos_after is not None and not body.get("ignore_eos"):
            n = min(n, s.eos_after)
        chat = request.path.endswith("/chat/completions")
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        if request.transport is not None:
            self.transports.add(request.transport)
        self.running += 1
        try:
            await self._stream(request, resp, body, n, chat, t_arrive)
        finally:
            self.running -= 1
            self.transports.discard(request.transport)
        return resp

    async def _stream(self, request: Any, resp: Any, body: dict[str, Any], n: int, chat: bool,
                      t_arrive: float) -> None:
        s = self.script
        pad = " " * s.chunk_padding
        obj = "chat.completion.chunk" if chat else "text_completion"
        head = f'{{"id":"fake","object":"{obj}","model":"{body["model"]}"{pad},"choices":['
        if chat:
            await resp.write(f'data: {head}{{"index":0,"delta":{{"role":"assistant"}}}}]}}\n\n'.encode())
        for k in range(n):
            if s.fault in ("malformed", "truncated", "close", "error-event") and k == s.fault_after:
                await self._fault(request, resp)
                return
            delay = t_arrive + s.ttft_s + k * s.itl_s - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            last = k == n - 1
            reason = ',"finish_reason":"length"' if last and n < s.output_tokens else (
                ',"finish_reason":"stop"' if last else "")
            piece = json.dumps(f"tok{k} ")
            choice = (f'{{"index":0,"delta":{{"content":{piece}}}{reason}}}' if chat
                      else f'{{"index":0,"text":{piece}{reason}}}')
            await resp.write(f"data: {head}{choice}]}}\n\n".encode())
        if n == 0:
            reason = '"stop"'
            choice = (f'{{"index":0,"delta":{{}},"finish_reason":{reason}}}' if chat
                      else f'{{"index":0,"text":"","finish_reason":{reason}}}')
            await resp.write(f"data: {head}{choice}]}}\n\n".encode())
        include = bool((body.get("stream_options") or {}).get("include_usage"))
        if s.usage and include:
            usage = {"prompt_tokens": _prompt_words(body), "completion_tokens": n,
                     "total_tokens": _prompt_words(body) + n}
            await resp.write(f'data: {head}],"usage":{json.dumps(usage)}}}\n\n'.encode())
        if s.done_marker:
            await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()

    async def _fault(self, request: Any, resp: Any) -> None:
        fault = self.script.fault
        if fault == "malformed":
            await resp.write(b"data: {not json\n\n")
            await resp.write_eof()
        elif fault == "error-event":
            await resp.write(b'data: {"error":{"message":"scripted failure","code":500}}\n\n')
            await resp.write_eof()
        elif fault == "truncated":
            await resp.write_eof()
        elif request.transport is not None:  # close: drop the connection mid-stream
            request.transport.abort()

    def die(self) -> None:
        if self.dead:
            return
        self.dead = True
        for transport in list(self.transports):
            transport.abort()
        if self.on_die is not None:
            self.on_die()


class FakeServer:
    """Runs the fake on 127.0.0.1 in a background thread with its own event loop.

    ``url`` is the API root (``http://127.0.0.1:PORT/v1``); ``port=0`` picks a free port.
    """

    def __init__(self, script: FakeScript | None = None, *, port: int = 0) -> None:
        from .background import BackgroundServer

        self.script = script or FakeScript()
        self._app = _App(self.script)
        self._server = BackgroundServer(self._app.build(), port=port)
        self._app.on_die = self._server.stop_listening
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def requests_arrived(self) -> int:
        return self._app.arrived

    def start(self) -> str:
        self.port = self._server.start()
        return self.url

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    """``python -m joulebench.serve.fake_server``: serve a script until killed."""
    from aiohttp import web

    p = argparse.ArgumentParser(prog="python -m joulebench.serve.fake_server")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--ttft-s", type=float, default=FakeScript.ttft_s)
    p.add_argument("--itl-s", type=float, default=FakeScript.itl_s)
    p.add_argument("--output-tokens", type=int, default=FakeScript.output_tokens)
    p.add_argument("--model", action="append", dest="models")
    p.add_argument("--fault", choices=FAULTS)
    p.add_argument("--die-after", type=int)
    p.add_argument("--chunk-padding", type=int, default=0)
    a = p.parse_args(argv)
    script = FakeScript(ttft_s=a.ttft_s, itl_s=a.itl_s, output_tokens=a.output_tokens,
                        models=tuple(a.models or FakeScript.models), fault=a.fault,
                        die_after=a.die_after, chunk_padding=a.chunk_padding)
    app = _App(script)
    app.on_die = lambda: __import__("os")._exit(3)
    print(f"fake OpenAI server on http://127.0.0.1:{a.port}/v1", flush=True)
    web.run_app(app.build(), host="127.0.0.1", port=a.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
