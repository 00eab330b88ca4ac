"""The meter on scripted sensors and a fake clock: exact joules, no hardware."""

from __future__ import annotations

import asyncio
import inspect
import sys
import types
from datetime import datetime, timedelta
from typing import Any

import pytest

import joulebench
from joulebench.errors import UsageError
from joulebench.measure import Domain, Measurement, Method, Reading
from joulebench.measure.fake import FakeClock, FakeCuda, FakeSensor
from joulebench.measure.meter import Meter
from joulebench.measure.track import track


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def meter(clock: FakeClock, *sensors: FakeSensor, **kw: Any) -> Meter:
    return Meter(list(sensors), clock=clock, sleep=clock.advance, **kw)


def test_total_energy_duration_and_provenance(clock: FakeClock) -> None:
    gpu = FakeSensor("nvml:0", power_w=200.0, clock=clock)
    cpu = FakeSensor("rapl:package-0", power_w=50.0, clock=clock, domain=Domain.CPU_PACKAGE)
    with meter(clock, gpu, cpu) as m:
        clock.advance(2.0)
    r = m.result
    assert r is not None
    assert r.duration_s == 2.0
    assert r.energy_j == 500.0
    assert [c.source for c in r.components] == ["nvml:0", "rapl:package-0"]
    c = r.components[1]
    assert (c.energy_j, c.domain, c.device, c.method) == (
        100.0,
        Domain.CPU_PACKAGE,
        "package-0",
        Method.COUNTER,
    )
    assert c.covers == "fake cpu-package"
    assert c.low_j is None and c.high_j is None and c.gap is None
    assert c.idle_power_w is None and c.net_energy_j is None
    assert r.idle_s is None and r.warnings == ()
    assert r.meter_cpu_s is not None and r.meter_cpu_s >= 0
    started = datetime.fromisoformat(r.started_at)
    assert started.utcoffset() == timedelta(0)


def test_measure_callable_builds_a_meter(clock: FakeClock) -> None:
    s = FakeSensor(power_w=10.0, clock=clock)
    measure: Any = joulebench.measure  # a module that is also callable
    with measure([s], clock=clock) as m:
        clock.advance(1.5)
    assert isinstance(m, Meter)
    assert m.result is not None and m.result.energy_j == 15.0
    assert not s.closed  # given sensors stay the caller's


def test_discovery_waits_for_the_window() -> None:
    m = Meter()
    assert m._sensors is None  # nothing probed at construction
    m.close()  # closing an unstarted meter is harmless


def test_nested_phases(clock: FakeClock) -> None:
    s = FakeSensor(power_w=10.0, clock=clock)
    with meter(clock, s) as m:
        with m.phase("load"):
            clock.advance(1.0)
        with m.phase("query"):
            clock.advance(0.5)
            with m.phase("decode"):
                clock.advance(2.0)
        clock.advance(0.25)
    r = m.result
    assert r is not None
    assert r.energy_j == 37.5
    assert [p.path for p in r.phases] == ["load", "query"]
    load = r.phase("load")
    query = r.phase("query")
    decode = r.phase("query/decode")
    assert load is not None and load.energy_j == 10.0 and load.duration_s == 1.0
    assert query is not None and query.energy_j == 25.0 and query.duration_s == 2.5
    assert decode is not None and decode.energy_j == 20.0 and decode.name == "decode"
    assert query.children == (decode,)
    assert decode.components[0].source == "fake:0"


def test_repeated_phase_accumulates(clock: FakeClock) -> None:
    s = FakeSensor(power_w=4.0, clock=clock)
    with meter(clock, s) as m:
        for seconds in (1.0, 2.0, 3.0):
            with m.phase("query"):
                clock.advance(seconds)
            clock.advance(10.0)
    q = m.result.phase("query") if m.result else None
    assert q is not None
    assert (q.count, q.duration_s, q.energy_j) == (3, 6.0, 24.0)


def test_idle_baseline_gross_and_net(clock: FakeClock) -> None:
    # idle: 0 -> 50 J over 5 s (10 W); window: 50 -> 150 J over 2 s
    s = FakeSensor(readings=[0.0, 50.0, 50.0, 150.0], clock=clock)
    with meter(clock, s, idle_s=5.0) as m:
        clock.advance(2.0)
    r = m.result
    assert r is not None
    c = r.components[0]
    assert c.idle_power_w == 10.0
    assert c.energy_j == 100.0
    assert c.net_energy_j == 80.0
    assert r.net_energy_j == 80.0
    assert r.idle_s == 5.0
    assert r.duration_s == 2.0


def test_idle_gap_gives_no_idle_power(clock: FakeClock) -> None:
    s = FakeSensor(readings=[0.0, Reading(0.0, 5.0, gaps=1, gap_reason="reset"), 5.0, 9.0])
    with meter(clock, s, idle_s=1.0) as m:
        clock.advance(1.0)
    c = m.result.components[0] if m.result else None
    assert c is not None and c.energy_j == 4.0
    assert c.idle_power_w is None and c.net_energy_j is None
    assert m.result is not None
    assert any("no idle power (reset)" in w for w in m.result.warnings)


def test_net_below_idle_is_clamped_with_warning(clock: FakeClock) -> None:
    s = FakeSensor(readings=[0.0, 10.0], clock=clock)
    with meter(clock, s, baseline={"fake:0": 20.0}) as m:
        clock.advance(1.0)
    r = m.result
    assert r is not None
    assert r.components[0].net_energy_j == 0.0
    assert any("drew less than the idle baseline" in w for w in r.warnings)


def test_explicit_baseline_and_measure_idle(clock: FakeClock) -> None:
    s = FakeSensor(power_w=30.0, clock=clock)
    probe = meter(clock, s)
    idle = probe.measure_idle(4.0)
    assert dict(idle.power_w) == {"fake:0": 30.0} and idle.duration_s == 4.0
    busy = FakeSensor(readings=[100.0, 200.0], clock=clock)
    with meter(clock, busy, baseline={"fake:0": 25.0, "nvml:7": 1.0}) as m:
        clock.advance(2.0)
    r = m.result
    assert r is not None
    c = r.components[0]
    assert (c.energy_j, c.idle_power_w, c.net_energy_j) == (100.0, 25.0, 50.0)
    assert r.idle_s is None and r.extra["baseline"] == "given"
    assert any("nvml:7" in w for w in r.warnings)


def test_baseline_applies_to_phases(clock: FakeClock) -> None:
    s = FakeSensor(power_w=10.0, clock=clock)
    with meter(clock, s, baseline={"fake:0": 4.0}) as m, m.phase("q"):
        clock.advance(2.0)
    q = m.result.phase("q") if m.result else None
    assert q is not None and q.energy_j == 20.0 and q.net_energy_j == 12.0
    assert q.components[0].idle_power_w == 4.0


def test_idle_and_baseline_together_are_refused(clock: FakeClock) -> None:
    with pytest.raises(UsageError):
        Meter([], idle_s=1.0, baseline={"x": 1.0})
    with meter(clock, FakeSensor(power_w=1.0, clock=clock)) as m, pytest.raises(UsageError):
        m.measure_idle(1.0)


def test_gap_gives_none_and_a_warning(clock: FakeClock) -> None:
    ok = FakeSensor("nvml:0", readings=[0.0, 7.0], clock=clock)
    bad = FakeSensor(
        "rapl:package-0",
        readings=[Reading(0.0, 100.0), Reading(1.0, 105.0, gaps=1, gap_reason="counter reset")],
    )
    with meter(clock, ok, bad) as m:
        clock.advance(1.0)
    r = m.result
    assert r is not None
    c = r.components[1]
    assert c.energy_j is None and c.gap == "counter reset"
    assert c.low_j is None and c.net_energy_j is None
    assert r.energy_j == 7.0  # the known component only
    assert any("rapl:package-0" in w and "counter reset" in w for w in r.warnings)


def test_negative_delta_is_a_gap(clock: FakeClock) -> None:
    s = FakeSensor(readings=[50.0, 20.0], clock=clock)
    with meter(clock, s) as m:
        clock.advance(1.0)
    r = m.result
    assert r is not None
    assert r.components[0].energy_j is None
    assert r.components[0].gap is not None and "backwards" in r.components[0].gap
    assert r.energy_j is None


def test_gap_inside_one_phase_entry_voids_the_phase(clock: FakeClock) -> None:
    wrapped = [Reading(0.0, e, gaps=1, gap_reason="wrap") for e in (4.0, 5.0)]
    readings: list[float | Reading] = [0.0, 1.0, 2.0, 3.0, *wrapped]
    s = FakeSensor(readings=readings, clock=clock)
    with meter(clock, s) as m:
        for _ in range(2):
            with m.phase("q"):
                clock.advance(1.0)
    r = m.result
    assert r is not None
    q = r.phase("q")
    assert q is not None and q.count == 2
    assert q.components[0].energy_j is None and q.components[0].gap == "wrap"
    assert r.components[0].energy_j is None


def test_read_error_is_a_gap(clock: FakeClock) -> None:
    class Broken(FakeSensor):
        def read(self) -> Reading:
            raise OSError("EIO")

    with meter(clock, Broken(power_w=1.0, clock=clock)) as m:
        clock.advance(1.0)
    c = m.result.components[0] if m.result else None
    assert c is not None and c.energy_j is None and c.gap is not None and "EIO" in c.gap


def test_short_window_warning(clock: FakeClock) -> None:
    s = FakeSensor("nvml:0", power_w=100.0, clock=clock, update_period_s=0.1)
    with meter(clock, s) as m:
        clock.advance(0.05)
    assert m.result is not None and m.result.components[0].energy_j == pytest.approx(5.0)
    assert any("shorter than the sensor's update period" in w for w in m.result.warnings)
    with meter(clock, s, min_window_warning=False) as m2:
        clock.advance(0.05)
    assert m2.result is not None and m2.result.warnings == ()
    with meter(clock, s) as m3:
        clock.advance(0.5)
    assert m3.result is not None and m3.result.warnings == ()


def test_short_phase_entries_warn(clock: FakeClock) -> None:
    s = FakeSensor("nvml:0", power_w=100.0, clock=clock, update_period_s=0.1)
    with meter(clock, s) as m:
        for _ in range(20):
            with m.phase("q"):
                clock.advance(0.01)
        clock.advance(1.0)
    r = m.result
    assert r is not None
    assert [w for w in r.warnings if "phase 'q'" in w]  # one warning, not twenty
    assert len([w for w in r.warnings if "phase 'q'" in w]) == 1


def test_band_gives_low_and_high(clock: FakeClock) -> None:
    s = FakeSensor(
        "model:cpu-utilization", power_w=10.0, clock=clock, method=Method.MODEL, band=(0.5, 1.5)
    )
    with meter(clock, s) as m:
        clock.advance(2.0)
    c = m.result.components[0] if m.result else None
    assert c is not None
    assert (c.energy_j, c.low_j, c.high_j, c.method) == (20.0, 10.0, 30.0, Method.MODEL)


def test_exception_in_block_still_gives_result(clock: FakeClock) -> None:
    s = FakeSensor(power_w=10.0, clock=clock)
    m = meter(clock, s)
    with pytest.raises(ValueError, match="boom"), m, m.phase("q"):
        clock.advance(1.0)
        raise ValueError("boom")
    r = m.result
    assert r is not None and r.energy_j == 10.0
    assert r.phase("q") is not None
    assert r.extra["exception"] == "ValueError"


def test_start_stop_and_reuse(clock: FakeClock) -> None:
    s = FakeSensor(power_w=2.0, clock=clock)
    m = meter(clock, s)
    m.start()
    clock.advance(3.0)
    first = m.stop()
    m.start()
    clock.advance(1.0)
    second = m.stop()
    assert (first.energy_j, second.energy_j) == (6.0, 2.0)
    assert m.result is second
    with pytest.raises(UsageError):
        m.stop()


def test_stop_closes_open_phases_with_warning(clock: FakeClock) -> None:
    s = FakeSensor(power_w=2.0, clock=clock)
    m = meter(clock, s).start()
    m.phase("q").__enter__()
    clock.advance(1.0)
    r = m.stop()
    q = r.phase("q")
    assert q is not None and q.energy_j == 2.0
    assert any("still open" in w for w in r.warnings)


def test_phase_misuse(clock: FakeClock) -> None:
    m = meter(clock, FakeSensor(power_w=1.0, clock=clock))
    with pytest.raises(UsageError):
        m.phase("a/b")
    with pytest.raises(UsageError), m.phase("q"):
        pass


def test_no_sensors_warns(clock: FakeClock) -> None:
    with meter(clock) as m:
        clock.advance(1.0)
    assert m.result is not None and m.result.energy_j is None
    assert m.result.warnings == ("no sensors: nothing was measured",)


def test_cuda_synchronised_only_when_torch_uses_it(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    cuda = FakeCuda(devices=1, initialized=True)
    monkeypatch.setitem(sys.modules, "torch", types.SimpleNamespace(cuda=cuda))
    s = FakeSensor(power_w=1.0, clock=clock)
    with meter(clock, s) as m, m.phase("q"):
        clock.advance(1.0)
    assert cuda.synchronized == [0] * 4  # window begin, phase begin, phase end, window end
    assert m.result is not None and m.result.extra["cuda_synchronized_edges"] == 4
    cuda.synchronized.clear()
    with meter(clock, s, sync_cuda=False):
        clock.advance(1.0)
    assert cuda.synchronized == []
    cuda.initialized = False
    with meter(clock, s):
        clock.advance(1.0)
    assert cuda.synchronized == []


def test_cuda_initialised_inside_the_window_is_synchronised_on_every_device(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The README's load-then-query pattern: CUDA starts inside the window. Work queued on
    # both GPUs lands only when they are synchronised; the window end must do it.
    cuda = FakeCuda(devices=2, initialized=False)
    monkeypatch.setitem(sys.modules, "torch", types.SimpleNamespace(cuda=cuda))
    sensors = [cuda.sensor(0), cuda.sensor(1)]
    with Meter(sensors) as m:
        with m.phase("load"):
            cuda.launch(0, 5.0)  # initialises CUDA inside the window
        with m.phase("query"):
            cuda.launch(0, 50.0)
            cuda.launch(1, 70.0)
    r = m.result
    assert r is not None
    assert r.energy_j == 125.0
    load, query = r.phase("load"), r.phase("query")
    assert load is not None and load.energy_j == 5.0
    assert query is not None and query.energy_j == 120.0
    assert [c.energy_j for c in query.components] == [50.0, 70.0]
    # load end, query begin, query end, window end: each syncs both devices
    assert cuda.synchronized == [0, 1] * 4


def test_meter_does_not_import_torch(clock: FakeClock) -> None:
    had = "torch" in sys.modules
    with meter(clock, FakeSensor(power_w=1.0, clock=clock)):
        pass
    assert ("torch" in sys.modules) == had


def test_track_decorator_plain(clock: FakeClock) -> None:
    s = FakeSensor(power_w=5.0, clock=clock)

    @track(sensors=[s], clock=clock, sleep=clock.advance)
    def work(seconds: float, *, label: str = "x") -> str:
        """Does work."""
        clock.advance(seconds)
        return label * 2

    assert work.last_measurement is None
    assert work(2.0, label="ab") == "abab"
    assert work.last_measurement is not None and work.last_measurement.energy_j == 10.0
    work(1.0)
    assert work.last_measurement.energy_j == 5.0
    assert work.__name__ == "work" and work.__doc__ == "Does work."
    assert list(inspect.signature(work).parameters) == ["seconds", "label"]


def test_track_on_result_idle_and_exception(clock: FakeClock) -> None:
    seen: list[Measurement] = []
    s = FakeSensor(readings=[0.0, 10.0, 10.0, 40.0], clock=clock)

    @track(sensors=[s], idle_s=1.0, on_result=seen.append, clock=clock, sleep=clock.advance)
    def fail() -> None:
        clock.advance(1.0)
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        fail()
    assert len(seen) == 1 and fail.last_measurement is seen[0]
    c = seen[0].components[0]
    assert (c.energy_j, c.idle_power_w, c.net_energy_j) == (30.0, 10.0, 20.0)


def test_track_bare_decorator_uses_discovery_lazily() -> None:
    @joulebench.track
    def f(x: int) -> int:
        return x + 1

    assert f.last_measurement is None  # nothing discovered yet


def test_track_coroutine(clock: FakeClock) -> None:
    s = FakeSensor(power_w=3.0, clock=clock)

    @track(sensors=[s], clock=clock)
    async def work() -> int:
        clock.advance(2.0)
        return 7

    assert asyncio.run(work()) == 7
    assert work.last_measurement is not None and work.last_measurement.energy_j == 6.0
