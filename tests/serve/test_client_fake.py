"""The streaming client against the scripted fake server: timings, token counts, faults."""

from __future__ import annotations

import asyncio
import statistics

import pytest

from joulebench.errors import EndpointError
from joulebench.serve.client import EndpointClient, RequestSettings
from joulebench.serve.endpoint_url import parse_endpoint_url
from joulebench.serve.fake_server import FakeScript
from joulebench.serve.preflight import check_server, probe_request

from .conftest import requests

PROMPTS = [f"prompt number {i} has six words" for i in range(24)]


def test_ttft_and_itl_match_the_script_within_5_ms(fake) -> None:
    url = fake(FakeScript(ttft_s=0.05, itl_s=0.01, output_tokens=20))
    results = requests(url, PROMPTS, concurrency=4, max_tokens=64)
    assert all(r.ok for r in results)
    ttft = statistics.median(r.ttft_s for r in results)
    itl = statistics.median(g * 1e-6 for r in results for g in r.itl_us)
    assert abs(ttft - 0.05) < 0.005, ttft
    assert abs(itl - 0.01) < 0.005, itl
    for r in results:
        assert (r.output_tokens, r.input_tokens, r.token_source) == (20, 6, "usage")
        assert r.chunks == 20 and len(r.itl_us) == 19
        assert r.duration_s >= 0.05 + 19 * 0.01  # the script's deadlines run from arrival


def test_max_tokens_and_completions_api(fake) -> None:
    url = fake(FakeScript(ttft_s=0.0, itl_s=0.0, output_tokens=50))
    (r,) = requests(url, ["a b c"], api="completions", max_tokens=7)
    assert (r.output_tokens, r.input_tokens, r.finish_reason) == (7, 3, "length")


def test_ignore_eos_is_sent(fake) -> None:
    url = fake(FakeScript(ttft_s=0.0, itl_s=0.0, output_tokens=30, eos_after=5))
    (stopped,) = requests(url, ["x"], max_tokens=30)
    (full,) = requests(url, ["x"], max_tokens=30, ignore_eos=True)
    assert (stopped.output_tokens, full.output_tokens) == (5, 30)


def test_without_usage_tokens_are_counted_and_labelled(fake) -> None:
    url = fake(FakeScript(ttft_s=0.0, itl_s=0.0, output_tokens=9, usage=False))
    (r,) = requests(url, ["x"], max_tokens=30)
    assert (r.output_tokens, r.token_source, r.input_tokens) == (9, "chunks", None)


@pytest.mark.parametrize("fault, kind", [
    ("401", "http-401"), ("404", "http-404"), ("429", "http-429"), ("500", "http-500"),
    ("not-sse", "not-sse"), ("malformed", "malformed"), ("truncated", "truncated"),
    ("close", "disconnected"), ("error-event", "stream-error"),
])
def test_faults_are_request_errors(fake, fault: str, kind: str) -> None:
    url = fake(FakeScript(ttft_s=0.0, itl_s=0.001, fault=fault, fault_after=3))
    (r,) = requests(url, ["x"])
    assert r.error_kind == kind and not r.ok and r.error
    if fault in ("malformed", "truncated", "close"):
        assert r.chunks == 3  # what arrived before the fault is kept


def test_no_done_marker_after_a_finish_is_fine(fake) -> None:
    url = fake(FakeScript(ttft_s=0.0, itl_s=0.0, output_tokens=4, done_marker=False))
    (r,) = requests(url, ["x"])
    assert r.ok and r.output_tokens == 4


def test_unreachable_port_is_a_connect_error(fake) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (r,) = requests(f"http://127.0.0.1:{port}/v1", ["x"])
    assert r.error_kind == "connect" and str(port) in (r.error or "")


def _check(url: str, model: str = "fake-model", key: str | None = None) -> object:
    async def main() -> object:
        s = RequestSettings(model=model, api_key=key)
        async with EndpointClient(parse_endpoint_url(url), s) as c:
            info = await check_server(c)
            await probe_request(c, c.payload("hello"))
            return info

    return asyncio.run(main())


def test_preflight_lists_models_and_finds_the_metrics_gauge(fake) -> None:
    url = fake(FakeScript(models=("a", "fake-model")))
    info = _check(url)
    assert info.models == ("a", "fake-model") and info.metrics_gauge == "vllm:num_requests_running"


def test_preflight_names_the_served_models(fake) -> None:
    url = fake(FakeScript(models=("llama-3-8b", "qwen")))
    with pytest.raises(EndpointError, match=r"'llama-3-8b-x' is not served.*it serves: llama-3-8b, qwen"):
        _check(url, model="llama-3-8b-x")


def test_preflight_key(fake) -> None:
    url = fake(FakeScript(api_key="sk-secret-123"))
    with pytest.raises(EndpointError, match="refused") as err:
        _check(url)
    assert "--api-key-env" in (err.value.hint or "")
    assert _check(url, key="sk-secret-123") is not None
    with pytest.raises(EndpointError) as err:
        _check(url, key="sk-wrong-456")
    assert "sk-wrong-456" not in str(err.value)


@pytest.mark.parametrize("fault, words", [
    ("429", "rate-limiting"), ("500", "failed the request"), ("not-sse", "not an event stream"),
    ("malformed", "bad event stream"), ("truncated", "ended before"), ("close", "closed the connection"),
])
def test_probe_failures_are_one_line(fake, fault: str, words: str) -> None:
    url = fake(FakeScript(ttft_s=0.0, itl_s=0.0, fault=fault))
    with pytest.raises(EndpointError, match=words) as err:
        _check(url)
    assert "\n" not in str(err.value)
