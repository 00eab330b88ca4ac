from __future__ import annotations

import math
import os
from pathlib import Path

import pytest

from joulebench.errors import SensorError, UsageError
from joulebench.measure.cpu_model import (
    IDLE_FRACTION,
    CpuInfo,
    CpuModelSensor,
    ProcStatBusy,
    cpu_max_power,
    read_cpu_info,
    read_cpu_name,
)
from joulebench.measure.fake import FakeClock
from joulebench.measure.sensor import Domain, Method, Sensor

FIXTURES = Path(__file__).parent / "fixtures"
VM_EPYC = FIXTURES / "cpuinfo_vm_epyc7763_8vcpu"
VM_UNKNOWN = FIXTURES / "cpuinfo_vm_unknown_4vcpu"


def two_socket_xeon_8380(path: Path) -> Path:
    """A bare-metal /proc/cpuinfo: 2 x Xeon Platinum 8380, 40 cores and 80 threads each."""
    blocks = []
    for cpu in range(160):
        socket = (cpu // 40) % 2  # cpus 0-39 socket 0, 40-79 socket 1, then their SMT siblings
        blocks.append(
            f"processor\t: {cpu}\nvendor_id\t: GenuineIntel\n"
            "model name\t: Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz\n"
            f"physical id\t: {socket}\nsiblings\t: 80\ncore id\t\t: {cpu % 40}\n"
            "cpu cores\t: 40\nflags\t\t: fpu vme de pse tsc msr ht lm avx512f\n"
        )
    path.write_text("\n".join(blocks))
    return path


class CpuSeconds:
    """A scripted cumulative CPU-seconds reader that counts its calls."""

    def __init__(self, start_s: float = 500.0) -> None:
        self.cpu_s = start_s
        self.calls = 0

    def __call__(self) -> float:
        self.calls += 1
        return self.cpu_s


def test_two_socket_host_counts_both_chips(tmp_path):
    path = two_socket_xeon_8380(tmp_path / "cpuinfo")
    info = read_cpu_info(str(path))
    assert info == CpuInfo("Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz", 160, sockets=2,
                           cores_per_socket=40, hypervisor=False, source=str(path))
    assert info.physical_cores == 80
    busy, clock = CpuSeconds(), FakeClock()
    sensor = CpuModelSensor(cpuinfo_path=str(path), cpu_s=busy, clock=clock)
    assert isinstance(sensor, Sensor)
    assert (sensor.max_w, sensor.idle_w, sensor.logical_cpus) == (540.0, 162.0, 160)
    assert sensor.read().energy_j == 0.0
    clock.advance(10.0)
    busy.cpu_s += 80.0  # 80 busy CPU-seconds of 1,600 available
    # idle 162 W x 10 s + (540 - 162) W / 160 CPUs x 80 CPU s = 1620 + 189
    assert sensor.read().energy_j == pytest.approx(1809.0, rel=1e-12)
    info_ = sensor.info
    assert (info_.source, info_.domain, info_.method) == (
        "model:cpu-utilization", Domain.CPU_PACKAGE, Method.MODEL)
    assert info_.band == (0.5, 1.5)
    assert "machine-level" in info_.covers and "not measured" in info_.covers
    assert info_.details == (
        "model: max 540 W = 2 sockets x TDP 270 W of 'intel xeon platinum 8380' (CodeCarbon "
        "CPU table); idle 30% of max = 162 W; E = idle_w x t + (max_w - idle_w)/160 x busy "
        "CPU s of the machine (injected CPU-time reader)"
    )


def test_vm_gets_its_share_of_the_host_chip():
    busy, clock = CpuSeconds(), FakeClock()
    sensor = CpuModelSensor(cpuinfo_path=str(VM_EPYC), cpu_s=busy, clock=clock)
    info = sensor.cpu_info
    assert (info.hypervisor, info.logical_cpus, info.cores_in_name) == (True, 8, 64)
    assert sensor.max_w == pytest.approx(280.0 / 128 * 8, rel=1e-12)  # 2.1875 W per vCPU
    clock.advance(4.0)
    busy.cpu_s += 6.0
    # idle 5.25 W x 4 s + (17.5 - 5.25) W / 8 x 6 CPU s = 21 + 9.1875
    assert sensor.read().energy_j == pytest.approx(30.1875, rel=1e-12)
    assert sensor.info.details.startswith(
        "model: max 17.5 W = 8 vCPUs x host TDP 280 W of 'amd epyc 7763' (CodeCarbon CPU "
        "table) / 128 host threads (64 cores from the name x 2 SMT threads, assumed); "
        "virtual machine: our share of the host chip; idle 30% of max = 5.25 W"
    )


def test_vm_with_an_unknown_cpu_uses_the_cited_per_core_default():
    watts, origin = cpu_max_power(tdp_w=None, info=read_cpu_info(str(VM_UNKNOWN)))
    assert watts == 24.0  # 12 W per core x 4 vCPUs / 2 threads per core
    assert origin == (
        "max 24 W = 12 W per core (Green Algorithms default for an unknown CPU) x 2 cores "
        "(4 vCPUs / 2 threads per core, assumed); virtual machine, 'Intel(R) Xeon(R) "
        "Mystery 9999 CPU @ 2.00GHz' not in the TDP table"
    )


def test_vm_with_a_known_chip_but_no_core_count_does_not_use_the_host_tdp():
    info = CpuInfo("Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz", 4, hypervisor=True)
    watts, origin = cpu_max_power(tdp_w=None, info=info)
    assert watts == 24.0
    assert "host chip 'intel xeon platinum 8380' (TDP 270 W) known but not its thread count" in origin


def test_bare_metal_defaults_and_single_socket_table_hit():
    unknown = CpuInfo("Foo Chip", 16, cores_per_socket=8)
    assert cpu_max_power(tdp_w=None, info=unknown) == (
        96.0, "max 96 W = 12 W per core (Green Algorithms default for an unknown CPU) x 8 "
              "physical cores; 'Foo Chip' not in the TDP table")
    watts, origin = cpu_max_power(tdp_w=None, info=CpuInfo("Foo Chip", 16))
    assert watts == 192.0 and "logical CPUs (core count unknown)" in origin
    gold = CpuInfo("Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz", 40, cores_per_socket=20)
    assert cpu_max_power(tdp_w=None, info=gold) == (
        150.0, "max 150 W = 1 socket x TDP 150 W of 'intel xeon gold 6248' (CodeCarbon CPU table)")
    assert cpu_max_power(tdp_w=200, info=gold) == (
        200.0, "max 200 W set by the user (tdp_w, all of 1 socket)")


def test_process_scope_charges_idle_in_full_and_only_its_own_dynamic_power():
    own, clock = CpuSeconds(2.0), FakeClock()
    sensor = CpuModelSensor(tdp_w=80.0, scope="process", cpu_info=CpuInfo("x", 8),
                            cpu_s=own, clock=clock)
    clock.advance(5.0)
    own.cpu_s += 3.0  # a busy neighbour process would not appear here
    # idle 24 W x 5 s + (80 - 24) W / 8 x 3 CPU s = 120 + 21
    assert sensor.read().energy_j == pytest.approx(141.0, rel=1e-12)
    assert sensor.info.source == "model:cpu-process"
    assert "this process and its waited-for children" in sensor.info.covers
    assert "CPU s of this process tree" in sensor.info.details


def test_process_scope_default_reader_is_os_times():
    sensor = CpuModelSensor(tdp_w=10.0, scope="process", cpu_info=CpuInfo("x", 2))
    t = os.times()
    assert sensor._cpu_s() >= t.user + t.system + t.children_user + t.children_system - 0.05
    assert "os.times()" in sensor.info.details
    sensor.close()


def test_busy_time_is_clamped_and_monotonic():
    busy, clock = CpuSeconds(), FakeClock()
    sensor = CpuModelSensor(tdp_w=40.0, cpu_info=CpuInfo("x", 2), cpu_s=busy, clock=clock)
    clock.advance(1.0)
    busy.cpu_s += 50.0  # impossible: more than 2 CPU-seconds in 1 s
    assert sensor.read().energy_j == pytest.approx(12.0 + 28.0, rel=1e-12)  # full load
    busy.cpu_s -= 50.0  # kernel jitter backwards: never decreases energy
    clock.advance(1.0)
    assert sensor.read().energy_j >= 40.0


@pytest.mark.parametrize("bad", [0, -5.0, math.nan, math.inf, -math.inf, True, "100"])
def test_bad_tdp_fails_before_measuring(bad):
    busy = CpuSeconds()
    with pytest.raises(UsageError) as err:
        CpuModelSensor(tdp_w=bad, cpu_info=CpuInfo("x", 2), cpu_s=busy)
    assert str(err.value) == f"--cpu-tdp-w (tdp_w) must be a positive finite number of watts, got {bad!r}"
    assert busy.calls == 0
    with pytest.raises(UsageError):
        cpu_max_power(tdp_w=bad, info=CpuInfo("x", 2))


def test_bad_scope():
    with pytest.raises(UsageError, match="scope must be 'machine' or 'process', got 'rack'"):
        CpuModelSensor(tdp_w=1.0, scope="rack")


def test_unreadable_cpuinfo_is_a_sensor_error_unless_tdp_is_given(tmp_path):
    directory = tmp_path / "cpuinfo_dir"
    directory.mkdir()
    binary = tmp_path / "cpuinfo_bin"
    binary.write_bytes(b"processor\t: 0\nmodel name\t: \xff\xfe\x00bad\n")
    for path in (directory, binary):
        with pytest.raises(SensorError) as err:
            CpuModelSensor(cpuinfo_path=str(path), cpu_s=CpuSeconds())
        assert str(path) in str(err.value) and "\n" not in str(err.value)
        assert err.value.hint is not None and "--cpu-tdp-w" in err.value.hint
        sensor = CpuModelSensor(tdp_w=50.0, cpuinfo_path=str(path), cpu_s=CpuSeconds())
        assert sensor.max_w == 50.0 and sensor.logical_cpus == (os.cpu_count() or 1)
    assert read_cpu_name(str(directory))  # the inventory never raises


def test_missing_cpuinfo_falls_back_to_the_platform(tmp_path):
    info = read_cpu_info(str(tmp_path / "absent"))
    assert info.source == "platform" and info.logical_cpus == (os.cpu_count() or 1)
    assert info.model_name


def test_a_failed_read_is_stale_not_a_gap():
    clock = FakeClock()
    calls = iter([10.0, 12.0])

    def flaky() -> float:
        try:
            return next(calls)
        except StopIteration:
            raise OSError("gone") from None

    sensor = CpuModelSensor(tdp_w=20.0, cpu_info=CpuInfo("x", 2), cpu_s=flaky, clock=clock)
    clock.advance(1.0)
    good = sensor.read()
    clock.advance(1.0)
    stale = sensor.read()
    assert stale.stale and stale.energy_j == good.energy_j and stale.timestamp_s == good.timestamp_s


def test_idle_fraction_applied_to_table_tdp():
    clock = FakeClock()
    sensor = CpuModelSensor(cpu_info=CpuInfo("AMD EPYC 7763 64-Core Processor", 128),
                            cpu_s=CpuSeconds(), clock=clock)
    clock.advance(2.0)
    assert sensor.read().energy_j == pytest.approx(IDLE_FRACTION * 280.0 * 2.0, rel=1e-12)


def test_real_machine_defaults_work():
    for scope in ("machine", "process"):
        sensor = CpuModelSensor(scope=scope)
        first = sensor.read()
        second = sensor.read()
        assert 0.0 <= first.energy_j <= second.energy_j
        sensor.close()
        sensor.close()  # idempotent


def test_proc_stat_reader_counts_the_busy_fields(tmp_path):
    stat = tmp_path / "stat"
    # cpu user nice system idle iowait irq softirq steal
    stat.write_text("cpu  100 20 30 5000 70 4 6 9 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n")
    reader = ProcStatBusy(str(stat))
    tick_s = 1.0 / os.sysconf("SC_CLK_TCK")
    assert reader() == pytest.approx((100 + 20 + 30 + 4 + 6) * tick_s, rel=1e-12)
    stat.write_text("cpu  200 20 30 5000 70 4 6 9 0 0\n")  # same inode: pread sees the change
    assert reader() == pytest.approx((200 + 20 + 30 + 4 + 6) * tick_s, rel=1e-12)
    reader.close()


def test_machine_scope_reads_the_given_proc_stat(tmp_path):
    stat = tmp_path / "stat"
    tick_s = 1.0 / os.sysconf("SC_CLK_TCK")
    stat.write_text("cpu  100 0 0 5000 0 0 0 0 0 0\n")
    clock = FakeClock()
    sensor = CpuModelSensor(tdp_w=40.0, cpu_info=CpuInfo("x", 4), stat_path=str(stat), clock=clock)
    stat.write_text(f"cpu  {100 + round(2.0 / tick_s)} 0 0 5000 0 0 0 0 0 0\n")
    clock.advance(1.0)
    # idle 12 W x 1 s + 28 W / 4 x 2 CPU s
    assert sensor.read().energy_j == pytest.approx(12.0 + 14.0, rel=1e-12)
    assert f"({stat})" in sensor.info.details
    sensor.close()
