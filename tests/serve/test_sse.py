"""The strict SSE / OpenAI chunk parser, on literal streams."""

from __future__ import annotations

import json

import pytest

from joulebench.serve.sse import StreamParser, StreamProtocolError


def chat(content: str | None = None, reason: str | None = None, usage: dict | None = None) -> bytes:
    choice: dict = {"index": 0, "delta": {} if content is None else {"content": content}}
    if reason:
        choice["finish_reason"] = reason
    obj: dict = {"object": "chat.completion.chunk", "choices": [choice]}
    if usage is not None:
        obj = {"object": "chat.completion.chunk", "choices": [], "usage": usage}
    return b"data: " + json.dumps(obj).encode() + b"\n"


def feed(parser: StreamParser, lines: list[bytes]) -> list[int]:
    return [parser.feed(line) for line in lines]


def test_a_chat_stream_with_usage_and_done() -> None:
    p = StreamParser(keep_text=True)
    got = feed(p, [b": keep-alive\n", b"\n", chat(), b"\n", chat("Hel"), b"\n", chat("lo", "stop"),
                   b"\n", chat(usage={"prompt_tokens": 3, "completion_tokens": 2}), b"\n",
                   b"data: [DONE]\n", b"\n"])
    p.finish()
    assert [g for g in got if g] == [3, 2]
    assert p.text == "Hello" and p.finish_reason == "stop" and p.done
    assert p.usage == {"prompt_tokens": 3, "completion_tokens": 2}


def test_completions_text_and_crlf_lines() -> None:
    p = StreamParser()
    line = b'data: {"choices":[{"index":0,"text":"abc"}]}\r\n'
    assert feed(p, [line, b"\r\n"]) == [0, 3]
    p.feed(b'data: {"choices":[{"index":0,"text":"","finish_reason":"length"}]}')
    p.finish()  # end of body without a blank line: the last event is dispatched
    assert p.finish_reason == "length"


def test_end_after_a_finish_reason_without_done_is_complete() -> None:
    p = StreamParser()  # transformers serve ends this way
    feed(p, [chat("x"), b"\n", chat(None, "length"), b"\n"])
    p.finish()
    assert not p.done and p.finish_reason == "length"


def test_truncated_stream() -> None:
    p = StreamParser()
    feed(p, [chat("x"), b"\n"])
    with pytest.raises(StreamProtocolError) as err:
        p.finish()
    assert err.value.kind == "truncated"


@pytest.mark.parametrize("lines, kind", [
    ([b"<html>\n"], "malformed"),
    ([b"data: {not json\n", b"\n"], "malformed"),
    ([b"data: [1, 2]\n", b"\n"], "malformed"),
    ([b'data: {"choices": "x"}\n', b"\n"], "malformed"),
    ([b"data: [DONE]\n", b"\n", chat("late"), b"\n"], "malformed"),
    ([b'data: {"error": {"message": "overloaded"}}\n', b"\n"], "stream-error"),
    ([b"event: error\n", b'data: {"message": "boom"}\n', b"\n"], "stream-error"),
])
def test_protocol_errors(lines: list[bytes], kind: str) -> None:
    p = StreamParser()
    with pytest.raises(StreamProtocolError) as err:
        feed(p, lines)
    assert err.value.kind == kind


def test_multi_line_data_is_joined() -> None:
    p = StreamParser()
    assert feed(p, [b'data: {"choices":[{"index":0,\n', b'data: "text":"ab"}]}\n', b"\n"]) == [0, 0, 2]


def test_role_only_and_reasoning_chunks() -> None:
    p = StreamParser()
    role = b'data: {"choices":[{"index":0,"delta":{"role":"assistant"}}]}\n'
    think = b'data: {"choices":[{"index":0,"delta":{"reasoning_content":"hmm"}}]}\n'
    assert feed(p, [role, b"\n", think, b"\n"]) == [0, 0, 0, 3]
