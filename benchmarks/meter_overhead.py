"""What does measuring cost? joulebench's meter next to CodeCarbon's OfflineEmissionsTracker.

Run from the repository root (about 1.5 minutes; ``--quick``: about 20 s)::

    .venv/bin/python benchmarks/meter_overhead.py
    .venv/bin/python benchmarks/meter_overhead.py --quick

It prints, for the same machine and workload:

1. the median wall time of an **empty measured window** (begin + end, result included):
   joulebench ``Meter.start()`` + ``stop()`` with the sensors ``discover()`` returns here
   (model CPU/DRAM sensors on a machine without RAPL/NVML), over 200 windows, vs CodeCarbon
   ``OfflineEmissionsTracker(country_iso_code="USA", log_level="error",
   save_to_file=False)`` ``start()`` + ``stop()`` over 15 windows (a fresh tracker each;
   its first start, which detects hardware, is reported apart);
2. the **extra CPU time** each tool costs around a 10 s single-thread busy loop, as % of one
   core: process CPU time over [start .. stop] minus the busy loop's own thread CPU time,
   so every thread the tool runs (CodeCarbon's timer threads included, even those that
   exited) is counted; a bare run shows the noise floor; for joulebench its own
   ``meter_cpu_s`` is shown too, and a second row adds a polled sensor (10 Hz) so the
   sampler thread's cost shows;
3. the ratio CodeCarbon / joulebench for both.

Targets (issue 2): empty window <= 100 us median; overhead <= 0.5% of one core.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from joulebench.measure import Sensor
from joulebench.measure.fake import FakeSensor
from joulebench.measure.meter import Meter

TARGET_WINDOW_US = 100.0
TARGET_OVERHEAD_PCT = 0.5


def machine_sensors() -> list[Sensor]:
    """The sensors discovery picks on this machine (model sensors where nothing is readable)."""
    from joulebench.measure.discovery import discover

    return list(discover().sensors)


def codecarbon_tracker() -> Any:
    from codecarbon import OfflineEmissionsTracker

    return OfflineEmissionsTracker(country_iso_code="USA", log_level="error", save_to_file=False)


def empty_windows_joulebench(sensors: Sequence[Sensor], n: int) -> tuple[float, float]:
    """(median wall us, median meter_cpu_s us) of ``n`` empty windows on one reused Meter."""
    meter = Meter(sensors)
    for _ in range(20):  # warm caches
        meter.start()
        meter.stop()
    walls, cpus = [], []
    for _ in range(n):
        t0 = time.perf_counter()
        meter.start()
        result = meter.stop()
        walls.append(time.perf_counter() - t0)
        cpus.append(result.meter_cpu_s or 0.0)
    return statistics.median(walls) * 1e6, statistics.median(cpus) * 1e6


def sensor_reads_us(sensors: Sequence[Sensor], n: int) -> float:
    """Median wall time of reading every sensor twice (what any begin + end must pay)."""
    walls = []
    for _ in range(n):
        t0 = time.perf_counter()
        for _ in range(2):
            for s in sensors:
                s.read()
        walls.append(time.perf_counter() - t0)
    return statistics.median(walls) * 1e6


def empty_windows_codecarbon(n: int) -> tuple[float, float]:
    """(first start+stop s, median start+stop us over ``n`` further fresh trackers)."""
    walls = []
    for _ in range(n + 1):
        tracker = codecarbon_tracker()
        t0 = time.perf_counter()
        tracker.start()
        tracker.stop()
        walls.append(time.perf_counter() - t0)
    return walls[0], statistics.median(walls[1:]) * 1e6


def busy(seconds: float) -> int:
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        n += 1
    return n


def overhead_cpu_s(
    start: Callable[[], object], stop: Callable[[], object], seconds: float
) -> tuple[float, object]:
    """CPU time spent outside the busy loop between start() and stop() returning."""
    p0 = time.process_time()
    start()
    w0 = time.thread_time()
    busy(seconds)
    w1 = time.thread_time()
    out = stop()
    p1 = time.process_time()
    return (p1 - p0) - (w1 - w0), out


def pct(cpu_s: float, seconds: float) -> float:
    return 100.0 * cpu_s / seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer windows, 3 s busy loops")
    args = parser.parse_args(argv)
    n_jb, n_cc, busy_s = (100, 5, 3.0) if args.quick else (200, 15, 10.0)
    logging.getLogger("codecarbon").setLevel(logging.ERROR)

    sensors = machine_sensors()
    names = ", ".join(f"{s.info.source} ({s.info.method.value})" for s in sensors)
    print(f"sensors from discover(): {names or 'none'}")
    print(f"python {sys.version.split()[0]}; busy loop {busy_s:g} s; single-threaded workload\n")

    jb_wall_us, jb_cpu_us = empty_windows_joulebench(sensors, n_jb)
    reads_us = sensor_reads_us(sensors, n_jb)
    cc_first_s, cc_wall_us = empty_windows_codecarbon(n_cc)

    bare_s, _ = overhead_cpu_s(lambda: None, lambda: None, busy_s)
    meter = Meter(sensors)
    jb_s, jb_result = overhead_cpu_s(meter.start, meter.stop, busy_s)
    jb_own_s = getattr(jb_result, "meter_cpu_s", None) or 0.0
    polled = FakeSensor("fake:polled", power_w=1.0, poll_interval_s=0.1)
    meter_p = Meter([*sensors, polled])
    jbp_s, jbp_result = overhead_cpu_s(meter_p.start, meter_p.stop, busy_s)
    jbp_own_s = getattr(jbp_result, "meter_cpu_s", None) or 0.0
    tracker = codecarbon_tracker()
    cc_s, _ = overhead_cpu_s(tracker.start, tracker.stop, busy_s)

    print("1) empty measured window (begin + end)          median")
    print(
        f"   joulebench Meter.start()+stop(), {n_jb} windows   {jb_wall_us:10.1f} us"
        f"   (meter_cpu_s {jb_cpu_us:.1f} us)"
    )
    print(f"     of which the sensors' own reads (2 per sensor)  {reads_us:10.1f} us")
    print(
        f"   codecarbon start()+stop(), {n_cc} windows         {cc_wall_us:10.1f} us"
        f"   (first start+stop: {cc_first_s:.2f} s, hardware detection)"
    )
    print(
        f"   target <= {TARGET_WINDOW_US:g} us: "
        f"{'met' if jb_wall_us <= TARGET_WINDOW_US else 'MISSED'}\n"
    )

    print(f"2) extra CPU during a {busy_s:g} s busy loop            CPU s     % of one core")
    print(
        f"   bare (noise floor)                            {bare_s:9.5f}   {pct(bare_s, busy_s):8.4f}"
    )
    print(
        f"   joulebench (process - loop)                   {jb_s:9.5f}   {pct(jb_s, busy_s):8.4f}"
        f"   meter_cpu_s {jb_own_s:.6f}"
    )
    print(
        f"   joulebench + polled sensor at 10 Hz           {jbp_s:9.5f}   {pct(jbp_s, busy_s):8.4f}"
        f"   meter_cpu_s {jbp_own_s:.6f}"
    )
    print(
        f"   codecarbon (process - loop)                   {cc_s:9.5f}   {pct(cc_s, busy_s):8.4f}"
    )
    worst = max(pct(jb_s, busy_s), pct(jbp_s, busy_s))
    print(
        f"   target <= {TARGET_OVERHEAD_PCT:g}% of one core: "
        f"{'met' if worst <= TARGET_OVERHEAD_PCT else 'MISSED'}\n"
    )

    def ratio(a: float, b: float) -> str:
        return f"{a / b:,.0f}x" if b > 0 else "n/a (joulebench below timer resolution)"

    print("3) codecarbon / joulebench")
    print(f"   empty window wall time        {ratio(cc_wall_us, jb_wall_us)}")
    print(f"   CPU overhead in the busy loop {ratio(cc_s, max(jb_s, 0.0))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
