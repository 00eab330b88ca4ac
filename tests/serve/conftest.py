"""Shared helpers: run the real client against the library's scripted fake server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from joulebench.serve.client import EndpointClient, RequestSettings
from joulebench.serve.endpoint_url import parse_endpoint_url
from joulebench.serve.fake_server import FakeScript, FakeServer
from joulebench.serve.results import RequestResult


@pytest.fixture
def fake() -> Iterator[object]:
    """``fake(script)`` starts a fake server (stopped at the end) and returns its URL."""
    servers: list[FakeServer] = []

    def start(script: FakeScript | None = None) -> str:
        server = FakeServer(script or FakeScript())
        servers.append(server)
        return server.start()

    yield start
    for s in servers:
        s.stop()


def requests(url: str, prompts: list[str], *, concurrency: int = 1, **settings: object
             ) -> list[RequestResult]:
    """Send ``prompts`` with the endpoint client, ``concurrency`` at a time."""
    from joulebench.serve.load import LoadPlan, run_load

    async def main() -> list[RequestResult]:
        s = RequestSettings(model=str(settings.pop("model", "fake-model")), **settings)  # type: ignore[arg-type]
        async with EndpointClient(parse_endpoint_url(url), s, connections=concurrency) as c:
            bodies = [c.payload(p) for p in prompts]
            import time

            t0 = time.perf_counter()
            plan = LoadPlan(len(prompts), concurrency)
            return await run_load(plan, lambda i: c.request(i, bodies[i], t0,
                                                            prompt_text=prompts[i]))

    return asyncio.run(main())
