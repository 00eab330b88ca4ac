"""Issue 8: figures that hold on real machines. Fakes shaped like servers, exact joules."""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest

from joulebench.measure.cpu_model import CpuModelSensor
from joulebench.measure.dram_model import DramModelSensor
from joulebench.measure.fake import FakeClock, FakeSensor, ManualSampler
from joulebench.measure.fake_devices import FakeGpu, FakeNvml
from joulebench.measure.host_load import HostLoad, LoadProbe
from joulebench.measure.meter import Meter
from joulebench.measure.nvml_devices import open_nvml
from joulebench.measure.rapl import open_rapl
from joulebench.measure.results import IdleBaseline
from joulebench.measure.sensor import Domain, Reading


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


class ScriptedLoad:
    """Machine busy CPU seconds that grow at ``other_cpus`` per second of the fake clock."""

    def __init__(self, clock: FakeClock, other_cpus: float) -> None:
        self.clock = clock
        self.other_cpus = other_cpus
        self.t0 = clock()

    def __call__(self) -> float:
        return (self.clock() - self.t0) * self.other_cpus


def probe(clock: FakeClock, other_cpus: float, logical_cpus: int = 2) -> LoadProbe:
    return LoadProbe(
        machine_busy_s=ScriptedLoad(clock, other_cpus),
        own_cpu_s=lambda: 0.0,
        logical_cpus=logical_cpus,
        clock=clock,
    )


def meter(clock: FakeClock, sensors: list[Any], **kw: Any) -> Meter:
    kw.setdefault("load_probe", probe(clock, 0.0))
    return Meter(sensors, clock=clock, sleep=clock.advance, **kw)


# --- NVML: a transient read failure does not void the window ------------------------------


def test_transient_nvml_failure_mid_window_keeps_every_joule(clock: FakeClock) -> None:
    gpu = FakeGpu(energy_mj=0)
    (sensor,), _ = open_nvml(FakeNvml([gpu]), environ={}, clock=clock)
    with meter(clock, [sensor]) as m:
        with m.phase("load"):
            gpu.energy_mj += 400_000  # 400 J
            clock.advance(1.0)
        gpu.fail_next = 100  # the phase edge below cannot read the counter, retries included
        with m.phase("query"):
            gpu.fail_next = 0  # ... and then the GPU answers again
            gpu.energy_mj += 1_000_000  # 1,000 J
            clock.advance(2.0)
    r = m.result
    assert r is not None
    assert r.energy_j == 1400.0  # before: 600 J, the whole window voided by one read
    query = r.phase("query")
    assert query is not None and query.energy_j is None  # its begin edge was unreadable
    assert query.components[0].gap is not None and "unreadable" in query.components[0].gap
    load = r.phase("load")
    assert load is not None and load.energy_j == 400.0


def test_a_transient_failure_at_a_phase_edge_is_retried(clock: FakeClock) -> None:
    gpu = FakeGpu(energy_mj=0)
    (sensor,), _ = open_nvml(FakeNvml([gpu]), environ={}, clock=clock)
    with meter(clock, [sensor]) as m:
        gpu.fail_next = 5  # 3 immediate tries and the 2 ms retry fail; the 10 ms one reads
        with m.phase("query"):
            gpu.energy_mj += 1_000_000
            clock.advance(2.0)
    r = m.result
    assert r is not None
    query = r.phase("query")
    assert query is not None and query.energy_j == 1000.0 and r.energy_j == 1000.0


def test_stale_reading_at_the_window_end_is_retried(clock: FakeClock) -> None:
    gpu = FakeGpu(energy_mj=0)
    (sensor,), _ = open_nvml(FakeNvml([gpu]), environ={}, clock=clock)
    with meter(clock, [sensor]) as m:
        gpu.energy_mj += 1_400_000
        clock.advance(3.0)
        gpu.fail_next = 4  # 3 immediate tries fail, the meter's retry after 2 ms succeeds
    r = m.result
    assert r is not None
    assert r.energy_j == 1400.0 and r.warnings == ()


def test_an_edge_that_stays_unreadable_is_a_gap_not_zero(clock: FakeClock) -> None:
    gpu = FakeGpu(energy_mj=0)
    (sensor,), _ = open_nvml(FakeNvml([gpu]), environ={}, clock=clock)
    cpu = FakeSensor("rapl:package-0", power_w=50.0, clock=clock, domain=Domain.CPU_PACKAGE)
    with meter(clock, [sensor, cpu]) as m:
        gpu.energy_mj += 1_400_000
        clock.advance(2.0)
        gpu.fail_next = 100
    r = m.result
    assert r is not None
    assert r.components[0].energy_j is None and r.components[1].energy_j == 100.0
    assert r.energy_j == 100.0 and not r.complete and r.missing == ("nvml:0",)
    assert any("nvml:0: no energy for this window" in w for w in r.warnings)


# --- net totals -----------------------------------------------------------------------------


def test_net_total_is_none_when_a_component_has_no_idle_power(clock: FakeClock) -> None:
    gpu = FakeSensor("nvml:0", power_w=300.0, clock=clock)
    cpu = FakeSensor("rapl:package-0", power_w=80.0, clock=clock, domain=Domain.CPU_PACKAGE)
    baseline = IdleBaseline(power_w={"nvml:0": 60.0}, duration_s=5.0)  # CPU idle failed
    with meter(clock, [gpu, cpu], baseline=baseline) as m:
        clock.advance(10.0)
    r = m.result
    assert r is not None
    assert r.components[0].net_energy_j == 2400.0  # 3,000 J - 60 W x 10 s
    assert r.components[1].net_energy_j is None
    assert r.net_energy_j is None  # not 2,400 J: that would say the CPU drew 0 J above idle
    assert any("rapl:package-0: no idle power" in w for w in r.warnings)
    assert r.energy_j == 3800.0 and r.complete


def test_constant_power_model_nets_to_exactly_zero_without_a_warning() -> None:
    # Real clocks: the meter's and the sensor's timestamps differ by microseconds; net is
    # taken over the sensor's own reading times, so a constant model nets to 0, not to skew.
    dram = DramModelSensor(in_use_bytes=lambda: 8e9)  # 8 GB in use, constant
    cpu = CpuModelSensor(tdp_w=100.0, cpu_s=lambda: 0.0, logical_cpus=4)  # no CPU busy
    m = Meter([dram, cpu])
    idle = m.measure_idle(0.05)
    with Meter([dram, cpu], baseline=idle) as w:
        time.sleep(0.02)  # longer than the CPU model's 10 ms update period
    r = w.result
    assert r is not None
    for c in r.components:
        assert c.net_energy_j == pytest.approx(0.0, abs=1e-9)
    assert r.warnings == ()


# --- the busy-machine guard -----------------------------------------------------------------


def test_idle_baseline_on_a_busy_machine_is_flagged_and_net_marked_unreliable(
    clock: FakeClock,
) -> None:
    cpu = CpuModelSensor(tdp_w=16.0, logical_cpus=2, cpu_s=ScriptedLoad(clock, 1.9), clock=clock)
    m = meter(clock, [cpu], load_probe=probe(clock, 1.9))
    idle = m.measure_idle(2.0)
    assert idle.busy and idle.host_load is not None
    assert idle.host_load.other_cpus == pytest.approx(1.9)
    # 16 W model: idle 4.8 W + 5.6 W per busy CPU x 1.9 CPUs = 15.44 W "idle"
    assert idle.power_w["model:cpu-utilization"] == pytest.approx(4.8 + 5.6 * 1.9)
    assert any("busy machine during the idle baseline" in w for w in idle.warnings)
    with meter(clock, [cpu], baseline=idle, load_probe=probe(clock, 1.9)) as w:
        clock.advance(3.0)
    r = w.result
    assert r is not None
    assert r.busy and not r.net_reliable
    assert r.idle_host_load == idle.host_load and r.idle_s == 2.0
    assert any("busy machine during the idle baseline" in x for x in r.warnings)
    assert any("busy machine during the window" in x for x in r.warnings)


def test_quiet_machine_gives_reliable_net(clock: FakeClock) -> None:
    cpu = CpuModelSensor(tdp_w=16.0, logical_cpus=2, cpu_s=lambda: 0.0, clock=clock)
    idle = meter(clock, [cpu]).measure_idle(2.0)
    assert not idle.busy and idle.warnings == ()
    with meter(clock, [cpu], baseline=idle) as w:
        clock.advance(3.0)
    r = w.result
    assert r is not None and r.net_reliable and not r.busy
    assert r.net_energy_j == pytest.approx(0.0, abs=1e-12) and r.energy_j == pytest.approx(4.8 * 3.0)


def test_host_load_thresholds() -> None:
    assert not HostLoad(duration_s=10.0, other_cpus=0.1, logical_cpus=2).busy  # 5 %
    assert HostLoad(duration_s=10.0, other_cpus=1.0, logical_cpus=2).busy  # 50 %
    assert not HostLoad(duration_s=0.2, other_cpus=1.0, logical_cpus=2).busy  # too short
    assert not HostLoad(duration_s=10.0, other_cpus=0.12, logical_cpus=1).busy  # < 0.15 CPU


def test_other_processes_on_the_gpu_during_idle_make_the_baseline_busy(clock: FakeClock) -> None:
    gpu = FakeGpu(energy_mj=0, processes=[4242])
    (sensor,), _ = open_nvml(FakeNvml([gpu]), environ={}, clock=clock)
    idle = meter(clock, [sensor]).measure_idle(1.0)
    assert idle.gpu_processes == (4242,) and idle.busy
    assert any("pids 4242" in w for w in idle.warnings)


# --- process scope ignores a busy neighbour -------------------------------------------------


def test_process_scope_charges_idle_plus_own_cpu_only(clock: FakeClock) -> None:
    neighbour = ScriptedLoad(clock, 1.0)  # another process keeps one of two CPUs busy
    own = itertools.count(0.0, 0.0)  # this process: no CPU at all
    machine = CpuModelSensor(tdp_w=16.0, logical_cpus=2, cpu_s=neighbour, clock=clock)
    process = CpuModelSensor(
        tdp_w=16.0, logical_cpus=2, cpu_s=lambda: next(own), clock=clock, scope="process"
    )
    with meter(clock, [machine], load_probe=probe(clock, 1.0)) as mm:
        clock.advance(3.0)
    with meter(clock, [process], scope="process", load_probe=probe(clock, 1.0)) as pm:
        clock.advance(3.0)
    assert mm.result is not None and pm.result is not None
    assert mm.result.energy_j == pytest.approx(4.8 * 3 + 5.6 * 3)  # the neighbour's CPU too
    assert pm.result.energy_j == pytest.approx(4.8 * 3)  # the idle share only
    assert pm.result.scope == "process" and mm.result.scope == "machine"
    assert any("the figures include their energy" in w for w in mm.result.warnings)
    assert pm.result.warnings == ()  # only model sensors, and they count this process


# --- the idle baseline uses the window's sampler, across RAPL wraps -------------------------


def test_idle_longer_than_a_rapl_wrap_keeps_its_figure(powercap: Any, clock: FakeClock) -> None:
    range_uj = 1_000_000_000  # 1,000 J
    powercap.zone("intel-rapl:0", "package-0", 0, max_range_uj=range_uj, constraint_uw=100_000_000)
    (package,), _ = open_rapl(powercap.root, clock=clock)
    sampler = ManualSampler()
    counter = [0]

    def sleep(seconds: float) -> None:  # 60 W for ``seconds``, polled as the sampler would
        step = package.poll_interval_s or 1.0
        left = seconds
        while left > 0:
            dt = min(step, left)
            clock.advance(dt)
            counter[0] = (counter[0] + int(60 * dt * 1e6)) % range_uj
            powercap.set("intel-rapl:0", counter[0])
            sampler.tick()
            left -= dt

    m = Meter([package], clock=clock, sleep=sleep, sampler=sampler, load_probe=probe(clock, 0))  # type: ignore[arg-type]
    idle = m.measure_idle(60.0)  # 3,600 J through a 1,000 J counter: three wraps
    assert sampler.subscriptions == 1
    assert idle.power_w["rapl:package-0"] == pytest.approx(60.0)
    assert idle.warnings == ()


def test_given_baseline_is_labelled_given(clock: FakeClock) -> None:
    s = FakeSensor(power_w=10.0, clock=clock)
    with meter(clock, [s], baseline={"fake:0": 4.0}) as m:
        clock.advance(1.0)
    r = m.result
    assert r is not None and r.extra["baseline"] == "given" and r.idle_s is None
    assert r.components[0].net_energy_j == 6.0


def test_reading_stale_flag_defaults_false() -> None:
    assert Reading(0.0, 1.0).stale is False
