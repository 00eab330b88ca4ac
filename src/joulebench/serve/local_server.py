"""A server on this host: which process it is, and what this client's own CPU costs.

:func:`listening_pid` finds the process listening on a TCP port (psutil), so the server's
CPU counts as "own" for the busy-host guard, and ``--scope process`` can follow it
without ``--server-pid``. :func:`client_cpu_power` gives the dynamic watts per busy CPU
of the CPU power curve (the CPU model's, or the same curve from the TDP table when a
counter measures the CPU), used to keep this client's CPU work out of the server's figure.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from ..measure.sensor import Domain, Sensor

__all__ = ["client_cpu_power", "listening_pid", "tree_cpu_reader"]


def listening_pid(port: int) -> int | None:
    """The pid listening on ``port`` (any local address), or None when it cannot be told."""
    try:
        import psutil

        for conn in psutil.net_connections(kind="inet"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
                return conn.pid
    except Exception:  # not permitted, or unsupported here: the caller says it is unknown
        return None
    return None


def tree_cpu_reader(pid: int | None) -> Callable[[], float] | None:
    """CPU seconds of ``pid``'s tree as a callable (None when there is no such process
    or it is this process, whose CPU is the client's)."""
    if pid is None or pid == os.getpid():
        return None
    from ..measure.process_tree import ProcessTree

    try:
        return ProcessTree(pid).cpu_s
    except (LookupError, PermissionError):
        return None


_CPU_DOMAINS = (Domain.CPU_PACKAGE, Domain.CPU_CORE, Domain.PSYS)


def client_cpu_power(sensors: Sequence[Sensor], cpu_tdp_w: float | None) -> tuple[float | None, str]:
    """(dynamic W per busy CPU, how it was obtained) for this client's CPU estimate;
    (None, why) when no sensor measures the CPU (then there is nothing to subtract)."""
    if not any(s.info.domain in _CPU_DOMAINS for s in sensors):
        return None, "no CPU figure among the sensors: the client's CPU is not in them"
    for s in sensors:
        max_w, idle_w, n = (getattr(s, a, None) for a in ("max_w", "idle_w", "logical_cpus"))
        if s.info.source == "model:cpu-utilization" and max_w and n:
            w = (max_w - (idle_w or 0.0)) / n
            return w, f"{w:.3g} W per busy CPU from the CPU model ({s.info.details})"
    from ..errors import JoulebenchError
    from ..measure.cpu_model import IDLE_FRACTION, cpu_max_power, read_cpu_info

    try:
        info = read_cpu_info()
        max_w, origin = cpu_max_power(tdp_w=cpu_tdp_w, info=info)
    except JoulebenchError as exc:
        return None, f"the client's CPU energy cannot be estimated ({exc})"
    w = max_w * (1 - IDLE_FRACTION) / info.logical_cpus
    return w, (f"{w:.3g} W per busy CPU from the CPU power curve ({origin}; idle "
               f"{IDLE_FRACTION:.0%} of max, over {info.logical_cpus} logical CPUs)")
