"""The background sampler, with real threads and tolerances fit for a loaded machine."""

from __future__ import annotations

import threading
import time

from joulebench.measure.fake import FakeClock, FakeSensor
from joulebench.measure.meter import Meter
from joulebench.measure.sampler import Sampler, needs_sampler


def _wait_for(predicate: object, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.005)
    return False


def test_no_thread_when_nothing_needs_polling() -> None:
    s = FakeSensor(power_w=1.0)
    assert not needs_sampler([s])
    sampler = Sampler([s])
    assert sampler.interval_s is None
    before = threading.active_count()
    sampler.start()
    assert not sampler.running and threading.active_count() == before
    sampler.stop()
    assert sampler.samples == 0


def test_polls_at_the_smallest_interval_and_counts() -> None:
    fast = FakeSensor("fast:0", power_w=1.0, poll_interval_s=0.002)
    slow = FakeSensor("slow:0", power_w=1.0, poll_interval_s=3600.0)
    idle = FakeSensor("none:0", power_w=1.0)
    sampler = Sampler([fast, slow, idle])
    assert sampler.interval_s == 0.002
    sampler.start()
    assert sampler.running
    assert _wait_for(lambda: fast.polls >= 5)
    sampler.stop()
    assert not sampler.running
    assert slow.polls == 0 and idle.polls == 0
    assert sampler.samples == fast.polls >= 5
    assert sampler.cpu_s >= 0.0
    polls = fast.polls
    time.sleep(0.02)
    assert fast.polls == polls  # stopped means stopped


def test_stop_is_prompt_with_a_long_interval() -> None:
    s = FakeSensor(power_w=1.0, poll_interval_s=3600.0)
    sampler = Sampler([s])
    sampler.start()
    t0 = time.monotonic()
    sampler.stop()
    assert time.monotonic() - t0 < 5.0  # Event.wait wakes at once, no hour-long sleep
    assert s.polls == 0


def test_failing_poll_is_recorded_and_dropped() -> None:
    class Broken(FakeSensor):
        def poll(self) -> None:
            self.polls += 1
            raise OSError("gone")

    s = Broken("bad:0", power_w=1.0, poll_interval_s=0.001)
    sampler = Sampler([s])
    sampler.start()
    assert _wait_for(lambda: s.polls >= 1)
    sampler.stop()
    assert s.polls == 1
    assert "gone" in sampler.errors["bad:0"]


def test_meter_runs_sampler_only_inside_the_window() -> None:
    clock = FakeClock()
    s = FakeSensor(power_w=10.0, clock=clock, poll_interval_s=0.002)
    before = threading.active_count()
    with Meter([s], clock=clock) as m:
        assert threading.active_count() == before + 1
        assert _wait_for(lambda: s.polls >= 3)
        clock.advance(1.0)
    assert threading.active_count() == before
    r = m.result
    assert r is not None and r.energy_j == 10.0
    assert r.extra["sampler_samples"] == s.polls >= 3
    assert r.meter_cpu_s is not None and r.meter_cpu_s > 0


def test_meter_reports_failed_sampling_as_gap() -> None:
    class Broken(FakeSensor):
        def poll(self) -> None:
            self.polls += 1
            raise OSError("gone")

    s = Broken("bad:0", power_w=1.0, poll_interval_s=0.001)
    with Meter([s]) as m:
        assert _wait_for(lambda: s.polls >= 1)
    r = m.result
    assert r is not None
    assert r.components[0].energy_j is None
    assert r.components[0].gap is not None and "gone" in r.components[0].gap
