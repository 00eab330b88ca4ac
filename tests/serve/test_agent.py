"""``joulebench agent``: sensors over HTTP, the token, and the remote Meter's figures."""

from __future__ import annotations

import asyncio

import pytest

from joulebench.errors import SensorError, UsageError
from joulebench.measure.agent import Agent, check_bind
from joulebench.measure.fake import FakeSensor
from joulebench.measure.meter import Meter
from joulebench.measure.remote import RemoteSensors
from joulebench.measure.sensor import Domain, Method
from joulebench.serve.agent_client import AgentClient
from joulebench.serve.background import BackgroundServer


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def agent_url():
    servers = []

    def start(agent: Agent) -> str:
        server = BackgroundServer(agent.app())
        servers.append(server)
        return f"http://127.0.0.1:{server.start()}"

    yield start
    for s in servers:
        s.stop()


def test_check_bind() -> None:
    check_bind("127.0.0.1", None)
    check_bind("::1", None)
    check_bind("0.0.0.0", "tok")
    with pytest.raises(UsageError, match="only with a token"):
        check_bind("0.0.0.0", None)


def test_remote_meter_equals_local_figures(agent_url) -> None:
    clock = Clock()
    gpu = FakeSensor("nvml:0", power_w=200.0, clock=clock)
    cpu = FakeSensor("rapl:package-0", power_w=50.0, clock=clock, domain=Domain.CPU_PACKAGE)
    url = agent_url(Agent([gpu, cpu], token="s3cret"))

    async def main() -> object:
        async with AgentClient(url, "s3cret") as client:
            info = await client.info()
            remote = RemoteSensors(info["sensors"], info["logical_cpus"])
            meter = Meter(remote.sensors, load_probe=remote.load_probe, sync_cuda=False,
                          baseline={"nvml:0": 60.0, "rapl:package-0": 10.0})
            remote.update(await client.read())
            meter.start()
            clock.t += 2.0
            remote.update(await client.read())
            with meter.phase("steady"):
                clock.t += 3.0
                remote.update(await client.read())
            clock.t += 1.0
            remote.update(await client.read())
            return meter.stop()

    m = asyncio.run(main())
    by = {c.source: c for c in m.components}
    assert by["nvml:0"].energy_j == pytest.approx(200.0 * 6)
    assert by["nvml:0"].method is Method.COUNTER and by["rapl:package-0"].domain is Domain.CPU_PACKAGE
    assert by["nvml:0"].net_energy_j == pytest.approx(140.0 * 6)
    steady = m.phase("steady")
    assert steady is not None and steady.energy_j == pytest.approx(250.0 * 3)


def test_idle_baseline_is_measured_on_the_agent(agent_url) -> None:
    url = agent_url(Agent([FakeSensor("nvml:0", power_w=42.0)]))

    async def main() -> object:
        async with AgentClient(url) as client:
            return await client.idle(0.2)

    baseline = asyncio.run(main())
    assert baseline.power_w["nvml:0"] == pytest.approx(42.0, rel=1e-3)
    assert baseline.duration_s == pytest.approx(0.2, abs=0.05)


def test_wrong_token_and_unreachable_agent(agent_url) -> None:
    url = agent_url(Agent([FakeSensor("nvml:0", power_w=1.0)], token="right"))

    async def info(u: str, token: str | None) -> object:
        async with AgentClient(u, token, timeout_s=3) as client:
            return await client.info()

    with pytest.raises(SensorError, match="refused the token"):
        asyncio.run(info(url, "wrong"))
    with pytest.raises(SensorError, match="refused the token"):
        asyncio.run(info(url, None))
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(SensorError, match="cannot be reached"):
        asyncio.run(info(f"http://127.0.0.1:{port}", None))


def test_a_sensor_that_fails_on_the_agent_is_a_gap(agent_url) -> None:
    class Broken(FakeSensor):
        def read(self):  # type: ignore[override]
            raise OSError("device lost")

    url = agent_url(Agent([Broken("nvml:1", power_w=1.0)]))

    async def main() -> object:
        async with AgentClient(url) as client:
            info = await client.info()
            remote = RemoteSensors(info["sensors"], 2)
            meter = Meter(remote.sensors, load_probe=remote.load_probe, sync_cuda=False)
            remote.update(await client.read())
            meter.start()
            remote.update(await client.read())
            return meter.stop()

    m = asyncio.run(main())
    assert m.components[0].energy_j is None and "device lost" in (m.components[0].gap or "")


def test_agent_command_refuses_a_public_address_without_token(capsys) -> None:
    from joulebench.cli.main import main

    assert main(["agent", "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the agent binds 0.0.0.0 only with a token")
    assert main(["agent", "--token-env", "JB_NO_SUCH_VAR_Y"]) == 2


def test_agent_command_serves_until_stopped(tmp_path) -> None:
    import json
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, JB_TOK="t0ken")
    from pathlib import Path

    exe = str(Path(sys.executable).with_name("joulebench"))
    proc = subprocess.Popen([exe, "agent", "--port",
                             str(port), "--token-env", "JB_TOK", "--cpu-tdp-w", "10"],
                            stderr=subprocess.PIPE, env=env)
    try:
        req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/read",
                                     headers={"Authorization": "Bearer t0ken"})
        for _ in range(100):
            try:
                with urllib.request.urlopen(req, timeout=2) as resp:
                    snap = json.loads(resp.read())
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("the agent did not start")
        assert snap["wire"] == 1 and snap["readings"] and len(snap["load_mark"]) == 3
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert b"token required" in err and proc.returncode == 0
