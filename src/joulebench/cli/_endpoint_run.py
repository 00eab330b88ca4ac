"""The work of ``joulebench endpoint`` once its options are checked: where energy comes
from, the sweep, the store, the progress lines (on stderr)."""

from __future__ import annotations

import argparse
import os
import socket
import sys
from contextlib import AsyncExitStack
from typing import Any

from ..errors import UsageError
from . import _format
from .common import sensor_settings


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _tokenizer(name: str | None) -> Any:
    if name is None:
        return None
    from ..errors import ModelError

    try:
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(name)
    except Exception as exc:  # a missing package, path or Hub id: one line
        raise ModelError(f"cannot load tokenizer {name!r}: {exc}") from exc
    return lambda text: len(tok.encode(text, add_special_tokens=False))


class EndpointRun:
    def __init__(self, args: argparse.Namespace, endpoint: Any, settings: Any, plans: list[Any],
                 prompts: Any, carbon: Any, info: dict[str, str], token: str | None) -> None:
        from ..serve.endpoint_url import is_local_host
        from .common import db_path

        self.args, self.endpoint, self.settings, self.plans = args, endpoint, settings, plans
        self.prompts, self.carbon, self.info, self.token = prompts, carbon, info, token
        self.store_path = db_path(args)
        self.records: list[Any] = []
        self.summaries: list[Any] = []
        self.failure: str | None = None
        self._store: Any = None
        self._discovery: Any = None
        self.local_host = is_local_host(endpoint.host)
        self.mode = "agent" if args.agent else args.energy
        if self.mode == "auto":
            self.mode = "local" if self.local_host else "none"
        if args.agent and args.scope != "machine":
            raise UsageError("with --agent the agent's sensors set the scope",
                             hint="start the agent with --scope process --server-pid PID")
        self.pid, self.pid_source = self._server_pid()
        self.settings_kw = sensor_settings(args)
        self.tokenize = _tokenizer(args.tokenizer)
        self.energy: Any = self._local_energy() if self.mode in ("local", "none") else None

    # --------------------------------------------------------------- set-up
    def _server_pid(self) -> tuple[int | None, str | None]:
        import psutil

        pid = self.args.server_pid
        if pid is not None:
            if pid <= 0 or not psutil.pid_exists(pid):
                raise UsageError(f"--server-pid {pid}: no such process")
            return pid, "--server-pid"
        if self.mode == "local" or (self.mode == "none" and self.local_host):
            from ..serve.local_server import listening_pid

            found = listening_pid(self.endpoint.port)
            if found is not None:
                return found, f"listening on port {self.endpoint.port}"
        return None, None

    def _local_energy(self) -> Any:
        from ..measure.agent import own_cpu_with
        from ..measure.host_load import LoadProbe
        from ..measure.process_tree import server_sensors
        from ..serve.energy import LocalEnergy, NoEnergy
        from ..serve.local_server import client_cpu_power, tree_cpu_reader

        if self.mode == "none":
            why = ("--energy none: latencies only" if self.args.energy == "none" else
                   f"energy not measured: the server at {self.endpoint.host} is not this host; "
                   "run `joulebench agent` there and pass --agent URL")
            return NoEnergy(why)
        kw = self.settings_kw
        scope = kw["scope"]
        if scope == "process" and self.pid == os.getpid():
            raise UsageError("the server runs inside this process; --scope process cannot "
                             "tell it from the client")
        self._discovery = server_sensors(scope=scope, server_pid=self.pid, select=self.args.sensors,
                                         cpu_tdp_w=kw["cpu_tdp_w"], dram_w_per_gb=kw["dram_w_per_gb"])
        sensors = self._discovery.sensors
        if not sensors:
            raise UsageError("no sensor can be read here", hint="see `joulebench doctor`")
        if scope == "machine":
            w, details = client_cpu_power(sensors, kw["cpu_tdp_w"])
        else:
            w, details = None, "the client is not in the server's process tree: nothing to subtract"
        probe = LoadProbe(own_cpu_s=own_cpu_with(tree_cpu_reader(self.pid)))
        what = ", ".join(f"{s.info.source} ({s.info.method.value})" for s in sensors)
        return LocalEnergy(sensors, f"this host's sensors: {what}", scope=scope, load_probe=probe,
                           client_w_per_cpu=w, client_details=details)

    async def _agent_energy(self, stack: AsyncExitStack) -> Any:
        from ..measure.remote import RemoteSensors
        from ..serve.agent_client import AgentClient
        from ..serve.energy import AgentEnergy
        from ..serve.local_server import client_cpu_power

        client = await stack.enter_async_context(AgentClient(self.args.agent, self.token))
        info = await client.info()
        remote = RemoteSensors(info["sensors"], int(info.get("logical_cpus") or 1))
        if not remote.sensors:
            raise UsageError(f"the agent at {client.url} has no sensor it can read")
        self.agent_info = info
        w, details = None, "the client runs on another host than the server"
        if info.get("hostname") == socket.gethostname():  # not the URL: a tunnel is loopback too
            w, details = client_cpu_power(remote.sensors, self.settings_kw["cpu_tdp_w"])
        scope = "process" if any(s.info.source.startswith("model:cpu-pid") for s in remote.sensors) \
            else "machine"
        what = ", ".join(f"{s.info.source} ({s.info.method.value})" for s in remote.sensors)
        return AgentEnergy(client, remote, f"agent {client.url} on {info.get('hostname')}: {what}",
                           scope=scope, client_w_per_cpu=w, client_details=details)

    # ------------------------------------------------------------------ run
    def _config(self) -> dict[str, Any]:
        a = self.args
        return {
            "url": self.endpoint.api_root, "api": a.api, "max_tokens": a.max_tokens,
            "ignore_eos": a.ignore_eos, "n_requests": a.requests, "warmup": a.warmup,
            "seed": a.seed, "timeout_s": a.timeout_s, "idle_s": a.idle_s, "energy": self.mode,
            "scope": getattr(self.energy, "scope", None), "server_pid": self.pid,
            "agent": a.agent, "api_key_env": a.api_key_env, "agent_token_env": a.agent_token_env,
            "dataset": a.dataset, "column": a.column, "tokenizer": a.tokenizer,
            "server_info": self.info,
        }

    def _open_store(self, server: Any) -> None:
        from ..store import Store

        self.server = server
        self._store = Store.open(self.store_path)
        a = self.args
        _say(f"{self.endpoint.api_root}: {len(self.plans)} point(s) of {a.requests} requests, "
             f"model {a.model}, prompts from {self.prompts.source}")
        _say(f"energy: {self.energy.note}")
        if a.idle_s and self.mode != "none":
            _say(f"measuring {a.idle_s:g} s of idle power of the server host first ...")

    def _write(self, outcome: Any) -> None:
        from dataclasses import replace

        from ..analysis.endpoint import summarize_endpoint
        from ..measure.inventory import collect
        from ..serve.record import endpoint_record

        p = outcome.point
        server = replace(p.server, pid=self.pid, pid_source=self.pid_source, agent_url=self.args.agent)
        outcome = replace(outcome, point=replace(p, server=server))
        env = collect(getattr(self.energy, "sensors", None) or None)
        if self.mode == "agent":
            env = dict(env, server_host=self.agent_info.get("environment", {}))
        record = endpoint_record(outcome, config=self._config(), dataset=self.args.dataset,
                                 fingerprint=self.prompts.fingerprint, environment=env,
                                 carbon=self.carbon)
        self._store.write_run(record)
        self.records.append(record)
        summary = summarize_endpoint(record, outcome.point)
        self.summaries.append(summary)
        j = "not measured" if summary.j_per_token is None else f"{summary.j_per_token:.3g} J/token"
        _say(f"point {summary.label}: {outcome.status}, {summary.n_ok} ok / {summary.n_failed} "
             f"failed in {summary.duration_s:.1f} s, {j}")
        if outcome.status != "ok" and self.failure is None:
            self.failure = f"point {summary.label} {outcome.status}: {outcome.error}"

    async def main(self) -> int:
        from ..serve.client import EndpointClient
        from ..serve.point import SweepSettings, run_sweep
        from ..serve.prompts import prompt_text

        a = self.args
        cap = max(p.cap for p in self.plans)
        async with AsyncExitStack() as stack:
            if self.mode == "agent":
                self.energy = await self._agent_energy(stack)
            client = await stack.enter_async_context(
                EndpointClient(self.endpoint, self.settings, connections=cap, tokenizer=self.tokenize))
            bodies = [client.payload(p) for p in self.prompts.prompts]
            texts = [prompt_text(p) for p in self.prompts.prompts] if self.tokenize else []
            sweep = SweepSettings(n_requests=a.requests, warmup=a.warmup, seed=a.seed,
                                  idle_s=a.idle_s, metrics=not a.no_metrics)
            await run_sweep(client, self.plans, bodies, texts, self.energy, sweep,
                            server_info=self.info, on_ready=self._open_store, on_point=self._write,
                            on_idle=lambda b: _say(_format.idle_line(b)))
        if self.args.html and self.records:
            from ..report.endpoint_view import page_html, section_html

            with open(self.args.html, "w", encoding="utf-8") as fh:
                fh.write(page_html(section_html(self.records, itl_deadline_ms=a.itl_deadline_ms)))
        return 1 if self.failure else 0

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
        if self._discovery is not None:
            self._discovery.close()
            self._discovery = None
