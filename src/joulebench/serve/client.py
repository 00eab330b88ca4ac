"""The streaming client of an OpenAI-compatible endpoint (aiohttp, asyncio).

Each request is sent with ``"stream": true`` and ``stream_options.include_usage`` and
timed on this process's ``perf_counter``: time to first token (send to the first event
carrying text), each gap between text events, and end-to-end latency (send to the end of
the stream). Token counts are the server's usage figures; without them a ``tokenizer``
callable counts the text (labelled ``tokenizer``), else content events are counted
(``chunks``). A failed request is a :class:`~.results.RequestResult` with an
``error_kind`` (``connect``, ``timeout``, ``http-<status>``, ``not-sse``, ``malformed``,
``truncated``, ``disconnected``, ``stream-error``), never an exception: the load goes
on. Foreign errors (aiohttp, OSError) are translated here; the API key is sent in the
``Authorization`` header only and scrubbed from every text kept.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from ..errors import EndpointError
from .endpoint_url import Endpoint
from .results import RequestResult
from .sse import StreamParser, StreamProtocolError

__all__ = ["APIS", "EndpointClient", "Prompt", "RequestSettings"]

APIS = ("chat", "completions")
Prompt = str | Sequence[Mapping[str, Any]]  # text, or chat messages
_PATHS = {"chat": "/chat/completions", "completions": "/completions"}
_BODY_LIMIT = 300
_LINE_LIMIT = 1 << 20  # bytes: no event of an OpenAI stream comes near it


@dataclass(frozen=True)
class RequestSettings:
    """What every request asks for. ``api_key`` never appears in a repr or a record."""

    model: str
    api: str = "chat"
    max_tokens: int = 128
    ignore_eos: bool = False
    timeout_s: float = 300.0
    api_key: str | None = field(default=None, repr=False)


class EndpointClient:
    """One HTTP session (``connections`` kept-alive connections) to one endpoint.

    Use as ``async with EndpointClient(...) as client``. ``tokenizer`` (text -> token
    count) is the fallback for servers that send no usage figures.
    """

    def __init__(
        self,
        endpoint: Endpoint,
        settings: RequestSettings,
        *,
        connections: int = 100,
        tokenizer: Callable[[str], int] | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.settings = settings
        self._connections = max(1, connections)
        self._tokenizer = tokenizer
        self._session: Any = None
        self._url = endpoint.api_root + _PATHS[settings.api]
        self._headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
        if settings.api_key:
            self._headers["Authorization"] = f"Bearer {settings.api_key}"

    async def __aenter__(self) -> EndpointClient:
        import aiohttp

        connector = aiohttp.TCPConnector(limit=self._connections, limit_per_host=0)
        self._session = aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=None, sock_connect=10)
        )
        self._timeout = aiohttp.ClientTimeout(total=self.settings.timeout_s, sock_connect=10)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # ----------------------------------------------------------------- helpers
    def redact(self, text: str) -> str:
        key = self.settings.api_key
        return text.replace(key, "***") if key else text

    def payload(self, prompt: Prompt) -> bytes:
        """The JSON body for one prompt (encode once, before the run)."""
        s = self.settings
        body: dict[str, Any] = {"model": s.model, "max_tokens": s.max_tokens, "stream": True,
                                "stream_options": {"include_usage": True}}
        if s.api == "chat":
            messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt)
            body["messages"] = messages
        else:
            if not isinstance(prompt, str):
                raise EndpointError("chat messages need --api chat, not completions")
            body["prompt"] = prompt
        if s.ignore_eos:
            body["ignore_eos"] = True
        return json.dumps(body, separators=(",", ":")).encode()

    async def get(self, url: str, timeout_s: float = 10.0) -> tuple[int, str, str]:
        """(status, content type, body) of a GET; EndpointError when it cannot connect."""
        import aiohttp

        try:
            async with self._session.get(
                url, headers=self._auth_only(), timeout=aiohttp.ClientTimeout(total=timeout_s)
            ) as resp:
                body = await resp.text(errors="replace")
                return resp.status, resp.headers.get("Content-Type", ""), body
        except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
            raise EndpointError(f"cannot connect to {self.endpoint.display}: {_why(exc)}",
                                hint="is the server running, and on this host and port?") from exc

    def _auth_only(self) -> dict[str, str]:
        auth = self._headers.get("Authorization")
        return {"Authorization": auth} if auth else {}

    # ------------------------------------------------------------------ request
    async def request(
        self,
        index: int,
        body: bytes,
        t0: float,
        *,
        on_first_token: Callable[[], None] | None = None,
        prompt_text: str | None = None,
    ) -> RequestResult:
        """Send one request and stream its response; ``t0`` is the window's perf_counter."""
        import aiohttp

        clock = time.perf_counter
        parser = StreamParser(keep_text=self._tokenizer is not None)
        times: list[float] = []
        status: int | None = None
        start = clock()
        try:
            async with self._session.post(
                self._url, data=body, headers=self._headers, timeout=self._timeout
            ) as resp:
                status = resp.status
                if status != 200:
                    text = (await resp.text(errors="replace"))[:_BODY_LIMIT]
                    return self._failed(index, start, t0, f"http-{status}",
                                        f"{status} {resp.reason}: {text.strip()}", status)
                ctype = resp.headers.get("Content-Type", "")
                if not ctype.startswith("text/event-stream"):
                    text = (await resp.text(errors="replace"))[:120]
                    return self._failed(index, start, t0, "not-sse",
                                        f"answered {ctype or 'no content type'!r}, not an event "
                                        f"stream: {text.strip()!r}", status)
                rest = b""
                async for data in resp.content.iter_any():  # one wake-up per network read
                    now = clock()
                    lines = (rest + data).split(b"\n") if rest else data.split(b"\n")
                    rest = lines.pop()
                    if len(rest) > _LINE_LIMIT:
                        raise StreamProtocolError("malformed", f"a line longer than {_LINE_LIMIT} bytes")
                    for line in lines:
                        if parser.feed(line):
                            if not times and on_first_token is not None:
                                on_first_token()
                            times.append(now)
                if rest and parser.feed(rest):
                    if not times and on_first_token is not None:
                        on_first_token()
                    times.append(clock())
                parser.finish()
        except StreamProtocolError as exc:
            return self._failed(index, start, t0, exc.kind, str(exc), status, times)
        except asyncio.TimeoutError:
            return self._failed(index, start, t0, "timeout",
                                f"no complete response within {self.settings.timeout_s:g} s",
                                status, times)
        except aiohttp.ClientConnectorError as exc:
            return self._failed(index, start, t0, "connect",
                                f"cannot connect to {self.endpoint.display}: {_why(exc)}")
        except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError,
                aiohttp.ClientOSError, ConnectionError) as exc:
            return self._failed(index, start, t0, "disconnected",
                                f"the server closed the connection mid-response ({_why(exc)})",
                                status, times)
        except aiohttp.ClientError as exc:
            return self._failed(index, start, t0, "client-error", _why(exc), status, times)
        end = clock()
        return self._complete(index, start, end, t0, times, parser, prompt_text)

    def _complete(self, index: int, start: float, end: float, t0: float, times: list[float],
                  parser: StreamParser, prompt_text: str | None) -> RequestResult:
        usage = parser.usage or {}
        out_tokens = _int(usage.get("completion_tokens"))
        in_tokens = _int(usage.get("prompt_tokens"))
        source = "usage"
        if out_tokens is None:
            if self._tokenizer is not None:
                out_tokens, source = self._tokenizer(parser.text), "tokenizer"
                if in_tokens is None and prompt_text is not None:
                    in_tokens = self._tokenizer(prompt_text)
            else:
                out_tokens, source = len(times), "chunks"
        return RequestResult(
            index=index,
            start_s=start - t0,
            duration_s=end - start,
            ttft_s=times[0] - start if times else None,
            itl_us=_gaps_us(times),
            chunks=len(times),
            input_tokens=in_tokens,
            output_tokens=out_tokens,
            token_source=source,
            finish_reason=parser.finish_reason,
            status_code=200,
        )

    def _failed(self, index: int, start: float, t0: float, kind: str, message: str,
                status: int | None = None, times: Sequence[float] = ()) -> RequestResult:
        now = time.perf_counter()
        return RequestResult(
            index=index,
            start_s=start - t0,
            duration_s=now - start,
            ttft_s=times[0] - start if times else None,
            itl_us=_gaps_us(times),
            chunks=len(times),
            error_kind=kind,
            error=" ".join(self.redact(message).split()),
            status_code=status,
        )


def _gaps_us(times: Sequence[float]) -> tuple[int, ...]:
    return tuple(round((b - a) * 1e6) for a, b in itertools.pairwise(times))


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _why(exc: BaseException) -> str:
    inner = getattr(exc, "os_error", None) or exc.__cause__
    text = str(inner or exc) or type(exc).__name__
    return " ".join(text.split())[:200]
