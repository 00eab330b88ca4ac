"""How much the endpoint client costs: streamed requests per second and client CPU per
request against the scripted fake server, at concurrency 64 (issue 10's targets: >= 500
streamed requests/s on one core, <= 1 ms added to p50 TTFT).

The fake server runs in its own process pinned to one core, the client (the real
``run_point`` path: aiohttp streaming, strict SSE parsing, per-token timestamps, the
steady-state tracker) in this process pinned to another. Each round sends ``--requests``
requests of ``--tokens`` text events (TTFT ``--ttft-ms``, ITL ``--itl-ms``, ~200-byte
events); figures are medians over ``--rounds`` rounds. "Added to p50 TTFT" is the
measured p50 TTFT minus the script's: it includes the fake server's own handling and
loopback, so it bounds the client's share from above; the client's event-loop lag (how
late a 5 ms timer fires while the load runs) estimates the client's own share.

    .venv/bin/python benchmarks/endpoint_client.py [--rounds 5] [--requests 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pin(pid: int, core: int) -> None:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(pid, {core})


async def _round(url: str, n: int, concurrency: int) -> dict[str, float]:
    from joulebench.serve.client import EndpointClient, RequestSettings
    from joulebench.serve.endpoint_url import parse_endpoint_url
    from joulebench.serve.energy import NoEnergy
    from joulebench.serve.load import LoadPlan
    from joulebench.serve.point import run_point
    from joulebench.serve.results import ServerInfo

    settings = RequestSettings(model="fake-model", max_tokens=1000)
    async with EndpointClient(parse_endpoint_url(url), settings, connections=concurrency) as c:
        bodies = [c.payload(f"benchmark prompt {i} with a few words") for i in range(n)]
        await run_point(c, LoadPlan(min(n, 2 * concurrency), concurrency), bodies, [], NoEnergy("bench"),
                        server=ServerInfo())  # warm the connections
        lags: list[float] = []
        probe = asyncio.ensure_future(_loop_lag(lags))
        cpu0, t0 = time.process_time(), time.perf_counter()
        out = await run_point(c, LoadPlan(n, concurrency), bodies, [], NoEnergy("bench"),
                              server=ServerInfo())
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        probe.cancel()
    reqs = out.point.ok_requests
    if len(reqs) != n:
        raise SystemExit(f"{n - len(reqs)} requests failed: {out.point.flags}")
    return {
        "req_per_s": n / wall,
        "cpu_ms_per_req": cpu / n * 1e3,
        "req_per_cpu_s": n / cpu,
        "ttft_p50_ms": statistics.median(r.ttft_s for r in reqs if r.ttft_s is not None) * 1e3,
        "itl_p50_ms": statistics.median(g for r in reqs for g in r.itl_us) / 1e3,
        "lag_p50_ms": statistics.median(lags) * 1e3 if lags else float("nan"),
    }


async def _loop_lag(out: list[float], period_s: float = 0.005) -> None:
    """How late this loop runs a timer: what any timestamp taken on it waits, at most."""
    while True:
        t = time.perf_counter()
        await asyncio.sleep(period_s)
        out.append(time.perf_counter() - t - period_s)


def _serve(port: int, ttft_ms: float, itl_ms: float, tokens: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "joulebench.serve.fake_server", "--port", str(port),
         "--ttft-s", str(ttft_ms / 1e3), "--itl-s", str(itl_ms / 1e3),
         "--output-tokens", str(tokens), "--chunk-padding", "100"],
        stdout=subprocess.DEVNULL)
    _pin(server.pid, 0)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    return server


def _median(rounds: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--tokens", type=int, default=16)
    a = p.parse_args()
    _pin(0, 1)
    c = a.concurrency
    # throughput: a fast script, so the client is the bottleneck; latency: a script the
    # one-core fake serves without queueing at concurrency C (~C / 125 ms requests/s), so
    # the p50 TTFT at C against the same script at concurrency 1 is what load adds.
    configs = {"throughput": (10.0, 1.0, 150), "latency": (50.0, 5.0, 60)}
    for name, (ttft_ms, itl_ms, n1) in configs.items():
        port = _free_port()
        server = _serve(port, ttft_ms, itl_ms, a.tokens)
        url = f"http://127.0.0.1:{port}/v1"
        try:
            one = [asyncio.run(_round(url, n1, 1)) for _ in range(a.rounds)]
            many = [asyncio.run(_round(url, a.requests, c)) for _ in range(a.rounds)]
        finally:
            server.terminate()
            server.wait()
        m1, mc = _median(one), _median(many)
        print(f"[{name}] script TTFT {ttft_ms:g} ms, ITL {itl_ms:g} ms, {a.tokens} events; "
              f"{a.requests} requests x {a.rounds} rounds at concurrency {c} (medians)")
        print(f"  concurrency {c}: {mc['req_per_s']:.0f} req/s wall, {mc['cpu_ms_per_req']:.3f} ms "
              f"client CPU/request ({mc['req_per_cpu_s']:.0f} req per client CPU-second), "
              f"p50 TTFT {mc['ttft_p50_ms']:.2f} ms, p50 ITL {mc['itl_p50_ms']:.3f} ms")
        print(f"  concurrency 1: p50 TTFT {m1['ttft_p50_ms']:.2f} ms, p50 ITL "
              f"{m1['itl_p50_ms']:.3f} ms; p50 TTFT added by load: "
              f"{mc['ttft_p50_ms'] - m1['ttft_p50_ms']:+.2f} ms (client and one-core fake server "
              f"together); client event-loop lag p50 {mc['lag_p50_ms']:.2f} ms at concurrency {c}, "
              f"{m1['lag_p50_ms']:.2f} ms at 1")


if __name__ == "__main__":
    main()
