"""Server-sent events of an OpenAI-compatible stream, parsed strictly, one line at a time.

An OpenAI stream is ``data: {json}`` events separated by blank lines, ending with
``data: [DONE]`` (vLLM, llama.cpp, OpenAI) or, for some servers (``transformers serve``),
with end of stream after a chunk that carries a ``finish_reason``. Anything else is an
error with a kind the client reports:

* ``malformed``: a line that is no SSE field (``data``, ``event``, ``id``, ``retry`` or a
  ``:`` comment), event data that is not JSON (or not an object), a choice that is no object;
* ``stream-error``: an ``error`` object (or an ``event: error``) inside the stream;
* ``truncated`` (see :meth:`StreamParser.finish`): the stream ended before ``[DONE]`` and
  before any ``finish_reason``.

Per content event :meth:`StreamParser.feed` returns the number of text characters it
carried (> 0: a token chunk arrived), so the client can timestamp it.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["StreamParser", "StreamProtocolError"]

_FIELDS = (b"event", b"id", b"retry")
_DONE = "[DONE]"


class StreamProtocolError(Exception):
    """The stream broke the protocol; ``kind`` is malformed, stream-error or truncated."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _snippet(raw: bytes | str, limit: int = 80) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return repr(text[:limit] + ("..." if len(text) > limit else ""))


class StreamParser:
    """Feed it the stream's lines (with or without their line ending); read the results.

    ``usage`` is the server's usage object when it sent one (``prompt_tokens``,
    ``completion_tokens``), ``finish_reason`` the last one seen, ``done`` whether
    ``[DONE]`` arrived; ``text`` collects the generated text when ``keep_text``.
    """

    __slots__ = (
        "_data", "_event", "_line_no", "done", "finish_reason", "keep_text", "parts", "usage",
    )  # fmt: skip

    def __init__(self, *, keep_text: bool = False) -> None:
        self._data: list[bytes] = []
        self._event = b""
        self._line_no = 0
        self.done = False
        self.finish_reason: str | None = None
        self.usage: dict[str, Any] | None = None
        self.keep_text = keep_text
        self.parts: list[str] = []

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def feed(self, line: bytes) -> int:
        """One line of the body; returns the text characters of the event it completed."""
        self._line_no += 1
        line = line.rstrip(b"\r\n")
        if not line:
            return self._dispatch()
        if line.startswith(b"data:"):
            value = line[5:]
            self._data.append(value[1:] if value.startswith(b" ") else value)
            return 0
        if line.startswith(b":"):
            return 0  # a comment (keep-alive)
        name, _, value = line.partition(b":")
        if name in _FIELDS:
            if name == b"event":
                self._event = value.strip()
            return 0
        raise StreamProtocolError(
            "malformed", f"line {self._line_no} is not a server-sent event field: {_snippet(line)}"
        )

    def finish(self) -> None:
        """End of the body: dispatch a last event; raise if the response was cut short."""
        if self._data:
            self._dispatch()
        if not self.done and self.finish_reason is None:
            raise StreamProtocolError(
                "truncated",
                "the event stream ended before the response was complete "
                "(no [DONE] and no finish_reason)",
            )

    def _dispatch(self) -> int:
        if not self._data:
            self._event = b""
            return 0
        raw = self._data[0] if len(self._data) == 1 else b"\n".join(self._data)
        event, self._data, self._event = self._event, [], b""
        if self.done:
            raise StreamProtocolError("malformed", f"event after [DONE]: {_snippet(raw)}")
        if raw.strip() == b"[DONE]":
            self.done = True
            return 0
        try:
            obj = json.loads(raw)
        except ValueError:
            raise StreamProtocolError(
                "malformed", f"event data is not JSON (line {self._line_no}): {_snippet(raw)}"
            ) from None
        if not isinstance(obj, dict):
            raise StreamProtocolError("malformed", f"event data is not an object: {_snippet(raw)}")
        if event == b"error" or obj.get("error") is not None:
            raise StreamProtocolError("stream-error", f"server error in stream: {_error_text(obj)}")
        usage = obj.get("usage")
        if isinstance(usage, dict):
            self.usage = usage
        choices = obj.get("choices")
        if not choices:
            return 0
        if not isinstance(choices, list) or not isinstance(choices[0], dict):
            raise StreamProtocolError("malformed", f"'choices' is not a list of objects: {_snippet(raw)}")
        choice = choices[0]
        reason = choice.get("finish_reason")
        if reason is not None:
            self.finish_reason = str(reason)
        delta = choice.get("delta")
        if isinstance(delta, dict):
            piece = delta.get("content") or delta.get("reasoning_content") or delta.get("reasoning")
        else:
            piece = choice.get("text")
        if not piece or not isinstance(piece, str):
            return 0
        if self.keep_text:
            self.parts.append(piece)
        return len(piece)


def _error_text(obj: dict[str, Any]) -> str:
    err = obj.get("error", obj)
    if isinstance(err, dict):
        return str(err.get("message") or err.get("type") or err)[:200]
    return str(err)[:200]
