"""``joulebench endpoint`` end to end against the fake server (and an agent), and every
kind of bad input: one line, non-zero exit, nothing written, no API key anywhere."""

from __future__ import annotations

import socket

import pytest

from joulebench.cli.main import main
from joulebench.measure.agent import Agent
from joulebench.measure.fake import FakeSensor
from joulebench.serve.background import BackgroundServer
from joulebench.serve.fake_server import FakeScript
from joulebench.serve.record import KIND_ENDPOINT
from joulebench.serve.results import ENDPOINT_KEY, EndpointPoint
from joulebench.store import Store

FAST = FakeScript(ttft_s=0.005, itl_s=0.001, output_tokens=6)
KEY = "sk-test-4f1c9a77e2"


def run(capsys, url: str, db, *extra: str) -> tuple[int, str, str]:
    code = main(["--db", str(db), "endpoint", url, "--model", "fake-model", "--idle-s", "0",
                 "--warmup", "1", "-n", "12", *extra])
    out, err = capsys.readouterr()
    return code, out, err


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stored(db) -> list:
    with Store.open(db, create=False) as store:
        return store.runs(kind=KIND_ENDPOINT)


def test_two_concurrency_levels_are_two_stored_points(fake, capsys, tmp_path) -> None:
    db = tmp_path / "e.db"
    code, out, err = run(capsys, fake(FAST), db, "--concurrency", "1,4", "--server-info",
                         "engine=fake", "--itl-deadline-ms", "50")
    assert code == 0, err
    assert "c=1" in out and "c=4" in out and "Pareto front" in out and "lowest energy" in out
    recs = stored(db)
    assert [r.config["concurrency"] for r in recs] == [1, 4]
    for r in recs:
        p = EndpointPoint.from_dict(r.extra[ENDPOINT_KEY])
        assert r.status == "ok" and len(p.ok_requests) == 12 and p.warmup == 1
        assert all(q.output_tokens == 6 for q in p.requests)
        assert r.measurement is not None and r.measurement.energy_j is not None
        assert p.energy_mode == "local" and p.server.user == {"engine": "fake"}
        assert r.units["output_tokens"] == 72 and r.n_queries is None and r.task is None
        assert p.client_cpu_s is not None and p.client_cpu_s > 0
        assert p.client_energy_j is not None and p.client_energy_j > 0  # kept out of the server's


def test_endpoint_points_appear_in_the_report(fake, capsys, tmp_path) -> None:
    db = tmp_path / "e.db"
    code, _, err = run(capsys, fake(FAST), db, "--concurrency", "1,2")
    assert code == 0, err
    html, md = tmp_path / "r.html", tmp_path / "r.md"
    assert main(["--db", str(db), "report", "--output", str(html)]) == 0
    assert main(["--db", str(db), "report", "--format", "md", "--output", str(md)]) == 0
    page, text = html.read_text(encoding="utf-8"), md.read_text(encoding="utf-8")
    assert "fake-model" in page and "J/token" in page
    assert "fake-model" in text
    assert "Runs without per-query figures" not in page  # endpoint points have their own section


def test_rate_mode_and_energy_none(fake, capsys, tmp_path) -> None:
    db = tmp_path / "e.db"
    code, out, err = run(capsys, fake(FAST), db, "--rate", "200", "--energy", "none")
    assert code == 0, err
    (r,) = stored(db)
    p = EndpointPoint.from_dict(r.extra[ENDPOINT_KEY])
    assert r.measurement is None and p.energy_mode == "none" and p.rate_per_s == 200.0
    assert p.concurrency is None and "without a concurrency cap" in (p.steady_note or "")
    assert "not measured" in out


def test_the_api_key_is_used_and_never_kept(fake, capsys, tmp_path, monkeypatch) -> None:
    url = fake(FakeScript(ttft_s=0.0, itl_s=0.0, output_tokens=3, api_key=KEY))
    db = tmp_path / "e.db"
    monkeypatch.setenv("JB_KEY", KEY)
    code, out, err = run(capsys, url, db, "--api-key-env", "JB_KEY")
    assert code == 0, err
    assert KEY not in out + err
    assert KEY.encode() not in db.read_bytes()
    assert stored(db)[0].config["api_key_env"] == "JB_KEY"
    monkeypatch.setenv("JB_KEY", "sk-wrong-00000")
    code, out, err = run(capsys, url, tmp_path / "other.db", "--api-key-env", "JB_KEY")
    assert code != 0 and "refused" in err and "sk-wrong-00000" not in out + err
    assert not (tmp_path / "other.db").exists()


BAD_SERVERS = [
    (FakeScript(fault="401"), "refused the request"),
    (FakeScript(fault="404"), "no chat endpoint or model"),
    (FakeScript(fault="429"), "rate-limiting"),
    (FakeScript(fault="500"), "failed the request: 500"),
    (FakeScript(fault="not-sse"), "not an event stream"),
    (FakeScript(fault="malformed"), "not JSON"),
    (FakeScript(fault="truncated"), "ended before the response was complete"),
    (FakeScript(fault="close"), "closed the connection"),
    (FakeScript(models=("other-a", "other-b")), "it serves: other-a, other-b"),
]


@pytest.mark.parametrize("script, words", BAD_SERVERS)
def test_bad_servers_are_one_line_and_write_nothing(fake, capsys, tmp_path, script, words) -> None:
    db = tmp_path / "e.db"
    code, out, err = run(capsys, fake(script), db)
    assert code != 0
    first = err.strip().splitlines()[0]
    assert first.startswith("error: ") and words in first, err
    assert not db.exists() and out == ""


@pytest.mark.parametrize("args, words", [
    (["--max-tokens", "0"], "--max-tokens must be >= 1"),
    (["--concurrency", "-1"], "--concurrency must be >= 1"),
    (["--concurrency", "0,4"], "--concurrency must be >= 1"),
    (["--concurrency", "two"], "whole numbers"),
    (["--rate", "-2"], "--rate must be a positive number"),
    (["--rate", "1,2", "--concurrency", "1,2"], "not both"),
    (["-n", "0"], "--requests must be >= 1"),
    (["--api-key-env", "JB_UNSET_VAR_X"], "JB_UNSET_VAR_X"),
    (["--server-info", "novalue"], "KEY=VALUE"),
    (["--agent-token-env", "X"], "needs --agent"),
])
def test_bad_options(fake, capsys, tmp_path, args, words) -> None:
    db = tmp_path / "e.db"
    code, _, err = run(capsys, fake(FAST), db, *args)
    assert code == 2 and words in err.splitlines()[0], err
    assert not db.exists()


@pytest.mark.parametrize("url, words", [
    ("http://127.0.0.1:{port}/v1", "cannot connect to http://127.0.0.1:{port}/v1"),
    ("ftp://127.0.0.1:{port}", "bad endpoint URL"),
    ("http://127.0.0.1:{port}/v1/chat/completions", "an operation, not the server's base URL"),
    ("http://user:pw@127.0.0.1:{port}/v1", "must not hold credentials"),
])
def test_bad_urls(capsys, tmp_path, url: str, words: str) -> None:
    port = free_port()
    db = tmp_path / "e.db"
    code, _, err = run(capsys, url.format(port=port), db)
    assert code != 0 and words.format(port=port) in err.splitlines()[0], err
    assert not db.exists()


def test_a_server_that_dies_leaves_a_partial_point(fake, capsys, tmp_path) -> None:
    # 1 probe + 1 warm-up + 8 measured requests arrive, then the server dies
    url = fake(FakeScript(ttft_s=0.002, itl_s=0.001, output_tokens=4, die_after=10))
    db = tmp_path / "e.db"
    code, _, err = run(capsys, url, db, "-n", "40", "--concurrency", "2,4")
    assert code == 1
    assert "partial" in err and "stopped answering" in err
    (r,) = stored(db)  # the second point never ran
    p = EndpointPoint.from_dict(r.extra[ENDPOINT_KEY])
    assert r.status == "partial" and p.partial
    # requests in flight when it died may or may not have finished: at most the 8 it answered
    # requests sent before the client saw the server gone are kept as failed ones
    assert 1 <= len(p.ok_requests) <= 8 and len(p.requests) <= 40


@pytest.fixture
def agent():
    servers: list[BackgroundServer] = []

    def start(token: str | None = None, power_w: float = 100.0) -> str:
        server = BackgroundServer(Agent([FakeSensor("nvml:0", power_w=power_w)], token=token).app())
        servers.append(server)
        return f"http://127.0.0.1:{server.start()}"

    yield start
    for s in servers:
        s.stop()


def test_energy_from_an_agent(fake, agent, capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("JB_AGENT_TOKEN", "agent-secret")
    db = tmp_path / "e.db"
    code, out, err = run(capsys, fake(FAST), db, "--agent", agent("agent-secret"),
                         "--agent-token-env", "JB_AGENT_TOKEN", "--idle-s", "0.2")
    assert code == 0, err
    (r,) = stored(db)
    p = EndpointPoint.from_dict(r.extra[ENDPOINT_KEY])
    (c,) = r.measurement.components
    assert p.energy_mode == "agent" and c.source == "nvml:0" and c.idle_power_w == pytest.approx(100.0)
    assert c.energy_j == pytest.approx(100.0 * r.measurement.duration_s, rel=0.2)
    assert "agent-secret" not in out + err and b"agent-secret" not in db.read_bytes()


def test_agent_refusing_the_token_or_unreachable(fake, agent, capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("JB_AGENT_TOKEN", "wrong")
    url = fake(FAST)
    code, _, err = run(capsys, url, tmp_path / "a.db", "--agent", agent("right"),
                       "--agent-token-env", "JB_AGENT_TOKEN")
    assert code != 0 and "refused the token" in err.splitlines()[0]
    code, _, err = run(capsys, url, tmp_path / "b.db", "--agent", f"http://127.0.0.1:{free_port()}")
    assert code != 0 and "cannot be reached" in err.splitlines()[0]
    assert not (tmp_path / "a.db").exists() and not (tmp_path / "b.db").exists()


def test_client_cpu_is_only_subtracted_from_a_cpu_figure() -> None:
    from joulebench.measure.sensor import Domain
    from joulebench.serve.local_server import client_cpu_power

    w, why = client_cpu_power([FakeSensor("nvml:0", power_w=1.0)], None)
    assert w is None and "no CPU figure" in why
    w, why = client_cpu_power([FakeSensor("rapl:package-0", power_w=1.0,
                                          domain=Domain.CPU_PACKAGE)], 64.0)
    assert w is not None and w > 0 and "64" in why
