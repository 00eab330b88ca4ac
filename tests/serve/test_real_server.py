"""``joulebench endpoint`` against a real OpenAI-compatible server process on loopback:
``transformers serve`` (installed by scripts/setup.sh through the dev extra: fastapi,
uvicorn, openai) serving a tiny random-weight GPT-2 built here, with a byte-level BPE
tokenizer trained here, on the CPU. Two concurrency levels end to end, machine scope and
the server's process tree."""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from joulebench.cli.main import main
from joulebench.serve.record import KIND_ENDPOINT
from joulebench.serve.results import ENDPOINT_KEY, EndpointPoint
from joulebench.store import Store

pytestmark = pytest.mark.endpoint

NEEDED = ("transformers", "torch", "fastapi", "uvicorn", "openai", "tokenizers")
CHAT_TEMPLATE = ("{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
                 "{% if add_generation_prompt %}assistant: {% endif %}")
START_TIMEOUT_S = 180


def _missing() -> list[str]:
    return [m for m in NEEDED if importlib.util.find_spec(m) is None]


def _serve_cli() -> str | None:
    exe = Path(sys.executable).with_name("transformers")
    return str(exe) if exe.exists() else shutil.which("transformers")


def _build_model(path: Path) -> None:
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    from joulebench.models.offline_tokenizers import offline_tokenizer

    torch.manual_seed(0)
    config = GPT2Config(vocab_size=512, n_embd=32, n_layer=2, n_head=2, n_positions=512,
                        bos_token_id=511, eos_token_id=511)
    GPT2LMHeadModel(config).save_pretrained(path)
    tok = offline_tokenizer("byte-bpe-gpt2", 512, model_id="tiny-gpt2",
                            cache_dir=path.parent / "tokenizers").tokenizer
    tok.chat_template = CHAT_TEMPLATE
    tok.save_pretrained(path)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, int]]:
    missing, cli = _missing(), _serve_cli()
    if missing or cli is None:
        why = f"transformers serve is not installed ({', '.join(missing) or 'no CLI'}); run scripts/setup.sh"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(why)
        pytest.skip(why)
    root = tmp_path_factory.mktemp("real-server")
    model = root / "tiny-gpt2"
    _build_model(model)
    port = _free_port()
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", OMP_NUM_THREADS="1",
               TOKENIZERS_PARALLELISM="false")
    log = open(root / "serve.log", "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen([cli, "serve", str(model), "--host", "127.0.0.1", "--port", str(port),
                             "--device", "cpu", "--log-level", "warning"],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"transformers serve exited ({proc.returncode}): "
                            + (root / "serve.log").read_text(errors="replace")[-2000:])
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("transformers serve did not start in time")
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/v1", str(model), proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _points(db: Path) -> list:
    with Store.open(db, create=False) as store:
        return store.runs(kind=KIND_ENDPOINT)


def test_two_concurrency_levels_machine_scope(server, tmp_path, capsys) -> None:
    url, model, pid = server
    db = tmp_path / "e.db"
    code = main(["--db", str(db), "endpoint", url, "--model", model, "--concurrency", "1,2",
                 "-n", "6", "--max-tokens", "8", "--warmup", "1", "--idle-s", "0.5",
                 "--server-info", "engine=transformers-serve", "--itl-deadline-ms", "1000"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "c=1" in out and "c=2" in out
    recs = _points(db)
    assert [r.config["concurrency"] for r in recs] == [1, 2]
    for r in recs:
        p = EndpointPoint.from_dict(r.extra[ENDPOINT_KEY])
        assert r.status == "ok" and len(p.ok_requests) == 6, p.flags
        # a random-weight model may emit tokens the server prints as nothing: no TTFT then
        assert all(q.ttft_s is not None and q.ttft_s > 0 for q in p.requests if q.chunks)
        assert sum(1 for q in p.requests if q.chunks) >= 4
        assert all(q.token_source == "usage" and q.output_tokens for q in p.requests)
        assert p.server.models == (model,) and p.server.pid == pid
        assert r.measurement is not None and r.measurement.energy_j is not None
        assert r.measurement.idle_s is not None


def test_the_servers_process_tree(server, tmp_path, capsys) -> None:
    url, model, pid = server
    db = tmp_path / "e.db"
    code = main(["--db", str(db), "endpoint", url, "--model", model, "--concurrency", "2",
                 "-n", "4", "--max-tokens", "6", "--warmup", "0", "--idle-s", "0",
                 "--scope", "process", "--server-pid", str(pid), "--api", "completions"])
    _, err = capsys.readouterr()
    assert code == 0, err
    (r,) = _points(db)
    sources = {c.source for c in r.measurement.components}
    assert f"model:cpu-pid:{pid}" in sources and f"model:dram-pid:{pid}" in sources
    p = EndpointPoint.from_dict(r.extra[ENDPOINT_KEY])
    assert p.client_energy_j is None  # the client is not in the server's tree
