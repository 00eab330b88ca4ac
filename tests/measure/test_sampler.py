"""The shared background sampler, with real threads and tolerances fit for a loaded machine."""

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
    sampler = Sampler()
    before = threading.active_count()
    assert sampler.subscribe([s]) is None
    assert not sampler.running and threading.active_count() == before
    # the meter does not even create the shared sampler for such sensors
    with Meter([s]):
        assert threading.active_count() == before


def test_polls_each_sensor_on_its_own_schedule_and_counts() -> None:
    fast = FakeSensor("fast:0", power_w=1.0, poll_interval_s=0.002)
    slow = FakeSensor("slow:0", power_w=1.0, poll_interval_s=3600.0)
    idle = FakeSensor("none:0", power_w=1.0)
    sampler = Sampler()
    try:
        sub = sampler.subscribe([fast, slow, idle])
        assert sub is not None and sub.sensors == [fast, slow]
        assert _wait_for(lambda: fast.polls >= 5)
        sub.close()
        assert sub.samples >= 5 and slow.polls == 0 and idle.polls == 0
        assert sub.cpu_s >= 0.0 and sub.errors == {}
        polls = fast.polls
        time.sleep(0.05)
        assert fast.polls <= polls + 1  # no more polls once nobody is subscribed
    finally:
        sampler.close()


def test_one_thread_serves_many_windows() -> None:
    sampler = Sampler()
    s = FakeSensor(power_w=1.0, poll_interval_s=0.002)
    try:
        for _ in range(20):
            sub = sampler.subscribe([s])
            assert sub is not None
            sub.close()
        first = sampler._thread
        assert first is not None and first.is_alive()
        sub = sampler.subscribe([s])
        assert sub is not None and sampler._thread is first  # reused, not restarted
        assert _wait_for(lambda: sub.samples >= 2)
        sub.close()
    finally:
        sampler.close()
    assert not sampler.running


def test_overlapping_subscriptions_share_polls() -> None:
    sampler = Sampler()
    s = FakeSensor(power_w=1.0, poll_interval_s=0.002)
    try:
        a = sampler.subscribe([s])
        b = sampler.subscribe([s])
        assert a is not None and b is not None
        assert _wait_for(lambda: b.samples >= 3)
        a.close()
        before = b.samples
        assert _wait_for(lambda: b.samples >= before + 3)  # still polled for b
        b.close()
    finally:
        sampler.close()


class _Broken(FakeSensor):
    def poll(self) -> None:
        raise OSError("device vanished")


def test_failing_poll_is_recorded_and_dropped() -> None:
    bad = _Broken("bad:0", power_w=1.0, poll_interval_s=0.002)
    good = FakeSensor("good:0", power_w=1.0, poll_interval_s=0.002)
    sampler = Sampler()
    try:
        sub = sampler.subscribe([bad, good])
        assert sub is not None
        assert _wait_for(lambda: "bad:0" in sub.errors and good.polls >= 3)
        sub.close()
        assert "device vanished" in sub.errors["bad:0"]
    finally:
        sampler.close()


def test_close_is_prompt_with_a_long_interval() -> None:
    sampler = Sampler()
    s = FakeSensor(power_w=1.0, poll_interval_s=3600.0)
    sub = sampler.subscribe([s])
    assert sub is not None
    t0 = time.monotonic()
    sub.close()
    sampler.close()
    assert time.monotonic() - t0 < 2.0


def test_meter_polls_only_inside_its_window_and_reports_samples() -> None:
    clock = FakeClock()
    s = FakeSensor(power_w=10.0, clock=clock, poll_interval_s=0.002)
    sampler = Sampler()
    try:
        with Meter([s], clock=clock, sampler=sampler) as m:
            assert _wait_for(lambda: s.polls >= 3)
            clock.advance(1.0)
        polls = s.polls
        time.sleep(0.05)
        assert s.polls <= polls + 1
        r = m.result
        assert r is not None and r.energy_j == 10.0
        samples = r.extra["sampler_samples"]
        assert isinstance(samples, int) and samples >= 3
    finally:
        sampler.close()


def test_idle_baseline_is_sampled_like_the_window() -> None:
    # A power-integrating sensor gets background samples during the idle baseline too,
    # not one sample at each end (which overstated idle by 20 % before).
    s = FakeSensor(power_w=10.0, poll_interval_s=0.002)
    sampler = Sampler()
    try:
        m = Meter([s], sampler=sampler)
        baseline = m.measure_idle(0.1)
        assert s.polls >= 5
        assert baseline.duration_s is not None and baseline.duration_s >= 0.1
    finally:
        sampler.close()
