"""The sensor that follows another process tree's CPU time (a server's)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from joulebench.errors import UsageError
from joulebench.measure.cpu_info import CpuInfo
from joulebench.measure.process_tree import (
    ProcessTree,
    ProcessTreeCpuSensor,
    process_tree_dram_sensor,
    server_sensors,
)
from joulebench.measure.sensor import Method

INFO = CpuInfo(model_name="Test CPU", logical_cpus=4, sockets=1, cores_per_socket=2)


def test_energy_is_the_cpu_model_formula_on_the_trees_cpu_time() -> None:
    t = [0.0]
    cpu = [10.0]
    s = ProcessTreeCpuSensor(1234, tdp_w=100.0, cpu_info=INFO, cpu_s=lambda: cpu[0],
                             clock=lambda: t[0])
    assert s.info.method is Method.MODEL and s.info.source == "model:cpu-pid:1234"
    assert (s.max_w, s.idle_w) == (100.0, 30.0)
    t[0], cpu[0] = 2.0, 13.0  # 3 CPU s in 2 s
    r = s.read()
    assert r.energy_j == pytest.approx(30.0 * 2 + 70.0 / 4 * 3)
    cpu[0] = 12.5  # a child exited unwaited: never a negative step
    assert s.read().energy_j >= r.energy_j


def test_a_vanished_process_is_a_gap() -> None:
    def gone() -> float:
        raise LookupError("process 99 exited")

    calls = iter([1.0])
    s = ProcessTreeCpuSensor(99, tdp_w=50.0, cpu_info=INFO, cpu_s=lambda: next(calls, None) or gone())
    r = s.read()
    assert r.gaps == 1 and "gone" in (r.gap_reason or "")


def test_follows_a_real_child_tree() -> None:
    code = "import subprocess,sys,time; c=subprocess.Popen([sys.executable,'-c','import time; time.sleep(30)']); time.sleep(30)"
    proc = subprocess.Popen([sys.executable, "-c", code])
    try:
        import time

        tree = ProcessTree(proc.pid)
        for _ in range(100):
            if len(tree._members()) == 2:
                break
            time.sleep(0.05)
        assert len(tree._members()) == 2
        assert tree.cpu_s() > 0 and tree.rss_bytes() > 0
        dram = process_tree_dram_sensor(proc.pid)
        assert dram.info.source == f"model:dram-pid:{proc.pid}" and "descendants" in dram.info.covers
    finally:
        proc.kill()
        proc.wait()
    with pytest.raises(LookupError):
        ProcessTree(proc.pid)


def test_server_sensors_process_scope_rules() -> None:
    with pytest.raises(UsageError, match=r"needs the server.s process"):
        server_sensors(scope="process", server_pid=None)
    with pytest.raises(UsageError, match="rapl"):
        server_sensors(scope="process", server_pid=os.getpid(), select=["rapl"])
    with server_sensors(scope="process", server_pid=os.getpid(), cpu_tdp_w=20.0) as found:
        sources = [s.info.source for s in found.sensors]
        assert f"model:cpu-pid:{os.getpid()}" in sources and f"model:dram-pid:{os.getpid()}" in sources
