"""Endpoint addresses, prompts from datasets (text and chat messages), tokenizer fallback."""

from __future__ import annotations

import json

import pytest

from joulebench.errors import DataError, UsageError
from joulebench.serve.endpoint_url import is_local_host, parse_endpoint_url
from joulebench.serve.fake_server import FakeScript
from joulebench.serve.prompts import load_prompts

from .conftest import requests


@pytest.mark.parametrize("url, root, server", [
    ("http://127.0.0.1:8000", "http://127.0.0.1:8000/v1", "http://127.0.0.1:8000"),
    ("http://127.0.0.1:8000/v1/", "http://127.0.0.1:8000/v1", "http://127.0.0.1:8000"),
    ("https://gpu.example/openai/v1", "https://gpu.example:443/openai/v1", "https://gpu.example:443/openai"),
    ("http://[::1]:9000", "http://[::1]:9000/v1", "http://[::1]:9000"),
])
def test_endpoint_urls(url: str, root: str, server: str) -> None:
    ep = parse_endpoint_url(url)
    assert (ep.api_root, ep.server_root) == (root, server)


@pytest.mark.parametrize("url", ["", "localhost:8000", "http://h:99999", "http://h:1/v1?key=x"])
def test_bad_endpoint_urls(url: str) -> None:
    with pytest.raises(UsageError):
        parse_endpoint_url(url)


def test_local_hosts() -> None:
    assert is_local_host("127.0.0.1") and is_local_host("localhost") and is_local_host("::1")
    assert not is_local_host("192.0.2.1")  # TEST-NET-1: documentation only


def test_chat_messages_from_a_jsonl_file(tmp_path) -> None:
    path = tmp_path / "chats.jsonl"
    rows = [{"messages": [{"role": "system", "content": "be brief"},
                          {"role": "user", "content": f"question {i}"}]} for i in range(3)]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    ps = load_prompts(str(path), n=5)
    assert ps.chat_messages and len(ps.prompts) == 5 and ps.prompts[3] == ps.prompts[0]
    assert "3 distinct rows cycled to 5" in ps.source
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"messages": [{"content": "no role"}]}))
    with pytest.raises(DataError, match="role"):
        load_prompts(str(bad), n=1)


def test_text_prompts_offline() -> None:
    ps = load_prompts("offline:text", n=4)
    assert not ps.chat_messages and all(isinstance(p, str) and p for p in ps.prompts)


def test_tokenizer_fallback_is_labelled(fake) -> None:
    from joulebench.serve.client import EndpointClient, RequestSettings

    url = fake(FakeScript(ttft_s=0.0, itl_s=0.0, output_tokens=5, usage=False))
    import asyncio
    import time

    async def main() -> object:
        s = RequestSettings(model="fake-model")
        async with EndpointClient(parse_endpoint_url(url), s,
                                  tokenizer=lambda text: len(text.split())) as c:
            return await c.request(0, c.payload("a b c d"), time.perf_counter(),
                                   prompt_text="a b c d")

    r = asyncio.run(main())
    assert (r.output_tokens, r.input_tokens, r.token_source) == (5, 4, "tokenizer")
    (plain,) = requests(url, ["x"])
    assert plain.token_source == "chunks"
