from __future__ import annotations

from types import SimpleNamespace

import pytest

from joulebench.measure.cpu_model import (
    IDLE_FRACTION,
    CpuModelSensor,
    DramModelSensor,
    cpu_max_power,
    lookup_tdp_w,
    normalize_cpu_name,
)
from joulebench.measure.fake import FakeClock
from joulebench.measure.sensor import Domain, Method, Sensor


class Times:
    """A scripted psutil.cpu_times(): busy fields, idle/iowait/steal ignored."""

    def __init__(self) -> None:
        self.user = 100.0
        self.system = 50.0
        self.nice = 0.0
        self.irq = 1.0
        self.softirq = 1.0
        self.idle = 1e6
        self.iowait = 7.0
        self.steal = 3.0

    def __call__(self) -> SimpleNamespace:
        return SimpleNamespace(**vars(self))


def test_machine_scope_exact_joules():
    times, clock = Times(), FakeClock()
    sensor = CpuModelSensor(tdp_w=100.0, cpu_name="x", logical_cpus=4, virtual=False,
                            cpu_times=times, clock=clock)
    assert isinstance(sensor, Sensor)
    assert sensor.read().energy_j == 0.0
    clock.advance(10.0)
    times.user += 12.0  # 12 busy CPU-seconds of 40 available
    times.system += 4.0
    times.idle += 24.0
    times.iowait += 5.0  # not busy
    # idle 30 W x 10 s + (100 - 30) W x 16 s / 4 CPUs = 300 + 280
    assert sensor.read().energy_j == pytest.approx(580.0)
    assert sensor.poll_interval_s is None
    info = sensor.info
    assert info.method is Method.MODEL
    assert info.domain is Domain.CPU_PACKAGE
    assert info.source == "model:cpu-utilization"
    assert info.band == (0.5, 1.5)
    assert "model" in info.covers and "not measured" in info.covers
    assert "set by the user" in info.details and "30%" in info.details


def test_busy_time_is_clamped_and_monotonic():
    times, clock = Times(), FakeClock()
    sensor = CpuModelSensor(tdp_w=40.0, cpu_name="x", logical_cpus=2, virtual=False,
                            cpu_times=times, clock=clock)
    clock.advance(1.0)
    times.user += 50.0  # impossible: more than 2 CPU-seconds in 1 s
    assert sensor.read().energy_j == pytest.approx(12.0 + 28.0)  # capped at full load
    times.user -= 50.0  # kernel jitter backwards: never decreases energy
    clock.advance(1.0)
    assert sensor.read().energy_j >= 40.0


def test_process_scope():
    clock = FakeClock()
    proc = SimpleNamespace(user=1.0, system=1.0, children_user=0.0, children_system=0.0)
    sensor = CpuModelSensor(tdp_w=80.0, cpu_name="x", logical_cpus=8, virtual=False,
                            scope="process", cpu_times=lambda: proc, clock=clock)
    clock.advance(5.0)
    proc.user += 2.0
    proc.children_system += 1.0
    assert sensor.read().energy_j == pytest.approx(80.0 / 8 * 3.0)
    assert sensor.info.source == "model:cpu-process"
    with pytest.raises(ValueError):
        CpuModelSensor(tdp_w=1.0, scope="rack")


def test_max_power_sources():
    watts, origin = cpu_max_power(tdp_w=None, cpu_name="Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz",
                                  logical_cpus=40, virtual=False)
    assert watts == 150.0 and "CodeCarbon" in origin and "intel xeon gold 6248" in origin
    watts, origin = cpu_max_power(tdp_w=None, cpu_name="Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz",
                                  logical_cpus=2, virtual=True)
    assert watts == 16.0 and "virtual machine" in origin and "150" in origin
    watts, origin = cpu_max_power(tdp_w=None, cpu_name="Intel(R) Xeon(R) Processor",
                                  logical_cpus=2, virtual=False)
    assert watts == 16.0 and "not in the TDP table" in origin
    with pytest.raises(ValueError):
        cpu_max_power(tdp_w=0, cpu_name="x", logical_cpus=1, virtual=False)


@pytest.mark.parametrize(
    ("name", "tdp"),
    [
        ("AMD EPYC 7763 64-Core Processor", 280.0),
        ("Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz", 95.0),
        ("AMD Ryzen 9 5950X 16-Core Processor", 105.0),
        ("Intel(R) Xeon(R) Processor", None),
        ("Intel(R) Core(TM) i7-1365U", None),  # table has only 1365UE: no false match
    ],
)
def test_tdp_lookup(name, tdp):
    match = lookup_tdp_w(name)
    assert (match[0] if match else None) == tdp


def test_normalize():
    assert normalize_cpu_name("13th Gen Intel(R) Core(TM) i9-13900K") == "intel core i9-13900k"


def test_idle_fraction_applied_to_table_tdp():
    times, clock = Times(), FakeClock()
    sensor = CpuModelSensor(cpu_name="AMD EPYC 7763 64-Core Processor", logical_cpus=128,
                            virtual=False, cpu_times=times, clock=clock)
    clock.advance(2.0)
    assert sensor.read().energy_j == pytest.approx(IDLE_FRACTION * 280.0 * 2.0)


def test_dram_model_exact_joules():
    clock = FakeClock()
    sensor = DramModelSensor(total_bytes=64 * 10**9, clock=clock)
    assert isinstance(sensor, Sensor)
    clock.advance(10.0)
    assert sensor.read().energy_j == pytest.approx(0.3725 * 64 * 10)
    assert sensor.info.method is Method.MODEL
    assert sensor.info.domain is Domain.DRAM
    assert sensor.info.band is not None and sensor.info.band[0] < 1 < sensor.info.band[1]
    assert "Green Algorithms" in sensor.info.details


def test_real_machine_defaults_work():
    sensor = CpuModelSensor()
    first = sensor.read()
    second = sensor.read()
    assert 0.0 <= first.energy_j <= second.energy_j
    assert DramModelSensor().read().energy_j >= 0.0


def test_proc_stat_reader_counts_the_busy_fields(tmp_path):
    import os

    from joulebench.measure.cpu_model import ProcStatBusy

    stat = tmp_path / "stat"
    # cpu user nice system idle iowait irq softirq steal
    stat.write_text("cpu  100 20 30 5000 70 4 6 9 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n")
    reader = ProcStatBusy(str(stat))
    tick_s = 1.0 / os.sysconf("SC_CLK_TCK")
    assert reader() == pytest.approx((100 + 20 + 30 + 4 + 6) * tick_s)
    stat.write_text("cpu  200 20 30 5000 70 4 6 9 0 0\n")  # same inode: pread sees the change
    assert reader() == pytest.approx((200 + 20 + 30 + 4 + 6) * tick_s)
    reader.close()
