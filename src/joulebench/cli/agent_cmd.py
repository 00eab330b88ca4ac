"""``joulebench agent``: serve this host's energy sensors over HTTP to ``joulebench
endpoint --agent URL`` on another host (see :mod:`joulebench.measure.agent`).

Binds 127.0.0.1:8787 by default; ``--host`` anything else needs ``--token-env VAR``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..errors import UsageError
from .common import add_sensor_options, sensor_settings

DESCRIPTION = (
    "Serve this host's energy counters (GPU, RAPL, or the CPU/DRAM models, optionally for a "
    "server's process tree) over HTTP, so `joulebench endpoint --agent URL` on another host "
    "can read them at its window edges. Loopback only unless a token is set."
)


def register(sub: Any) -> None:
    p = sub.add_parser("agent", help="serve this host's energy sensors to a remote client",
                       description=DESCRIPTION)
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1; any other needs --token-env)")
    p.add_argument("--port", type=int, default=8787, help="port (default 8787)")
    p.add_argument("--token-env", metavar="VAR", default=None,
                   help="the environment variable holding the token clients must send")
    p.add_argument("--server-pid", type=int, default=None, metavar="PID",
                   help="the server's process: its CPU counts as its own, not another "
                        "process's; with --scope process its tree is what is measured")
    p.add_argument("--sensor", action="append", dest="sensors", metavar="NAME",
                   help="use only this sensor (repeatable; see `joulebench doctor`)")
    add_sensor_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import os

    import psutil

    from ..measure.agent import Agent, check_bind
    from ..measure.inventory import collect
    from ..measure.process_tree import ProcessTree, server_sensors

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be 0..65535, got {args.port}")
    token = None
    if args.token_env is not None:
        token = os.environ.get(args.token_env)
        if not token:
            raise UsageError(f"the environment variable {args.token_env} (the token) is not set or empty")
    check_bind(args.host, token)
    pid = args.server_pid
    if pid is not None and (pid <= 0 or not psutil.pid_exists(pid)):
        raise UsageError(f"--server-pid {pid}: no such process")
    kw = sensor_settings(args)
    with server_sensors(scope=kw["scope"], server_pid=pid, select=args.sensors,
                        cpu_tdp_w=kw["cpu_tdp_w"], dram_w_per_gb=kw["dram_w_per_gb"]) as found:
        if not found.sensors:
            raise UsageError("no sensor can be read here", hint="see `joulebench doctor`")
        tree_cpu = ProcessTree(pid).cpu_s if pid is not None else None
        agent = Agent(found.sensors, token=token, server_pid=pid, server_cpu_s=tree_cpu,
                      inventory=collect(found.sensors))

        def ready(url: str) -> None:
            guard = "token required" if token else "loopback only, no token"
            print(f"joulebench agent on {url} ({guard}): "
                  + ", ".join(f"{s.info.source} ({s.info.method.value})" for s in found.sensors),
                  file=sys.stderr, flush=True)

        try:
            agent.serve(args.host, args.port, on_ready=ready)
        except KeyboardInterrupt:
            print("agent stopped", file=sys.stderr)
    return 0
